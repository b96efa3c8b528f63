using Akka.Actor;
using Akka.Event;
using Akka.Transcode.Media.Execution;

namespace Akka.Transcode.Actors.Workers;

/// <summary>
/// The worker role of a cluster node: registers with the registry, heartbeats, and runs each assigned attempt in its
/// own <see cref="TaskRunner"/> child (see <see cref="WorkerRole"/>).
/// </summary>
public sealed class WorkerNode : WorkerRole
{
    private readonly string _key;
    private readonly IActorRef _registry;
    private readonly IActorRef _tasks;
    private readonly (int Cores, int ThreadsPerTask) _capacity;
    private readonly Dictionary<string, (int Attempt, IActorRef Runner)> _runs = new();
    private string? _workerId;

    /// <param name="capacity">The node's cores and each task's ffmpeg threads (0: all), for the planner's split policy.</param>
    public WorkerNode(string key, int slots, IActorRef registry, IActorRef tasks, ITaskExecutor executor,
        TranscodeSettings settings, (int Cores, int ThreadsPerTask) capacity = default) : base(slots, executor, settings)
    {
        _key = key;
        _capacity = capacity;
        _registry = registry;
        _tasks = tasks;

        Serving();
    }

    public static Props Props(string key, int slots, IActorRef registry, IActorRef tasks, ITaskExecutor executor,
        TranscodeSettings settings, (int Cores, int ThreadsPerTask) capacity = default) =>
        Akka.Actor.Props.Create(() => new WorkerNode(key, slots, registry, tasks, executor, settings, capacity));

    protected override int RunningCount => _runs.Count;

    private void Serving()
    {
        ServingCommon();
        Receive<WorkerRegistered>(m =>
        {
            if (_workerId != m.WorkerId) Log.Info("registered as worker {WorkerId}", m.WorkerId);
            _workerId = m.WorkerId;
            StopRegistering();
        });
        Receive<UnknownWorker>(_ =>
        {
            _workerId = null;
            Register();
        });
        Receive<HeartbeatAck>(_ => { });
        Receive<AssignTask>(OnAssign);
        Receive<CancelAttempt>(OnCancel);
        Receive<Terminated>(m =>
        {
            if (RunEnded(m.ActorRef) is { } done && _workerId is not null)
                _registry.Tell(new SlotFreed(_workerId, done.TaskId, done.Attempt));
        });
    }

    /// <summary>Runners stop their ffmpeg; assignments still in flight go back to the registry.</summary>
    protected override void Draining()
    {
        Receive<AssignTask>(m => Sender.Tell(new AssignmentRejected(m.TaskId, m.Attempt, m.WorkerId)));
        Receive<CancelAttempt>(OnCancel);
        Receive<Terminated>(m =>
        {
            RunEnded(m.ActorRef);
            AnswerIfDrained();
        });
        // Registration and heartbeat traffic still in flight: the worker is leaving.
        Receive<WorkerRegistered>(_ => { });
        Receive<UnknownWorker>(_ => { });
        Receive<HeartbeatAck>(_ => { });
        DrainingCommon();
    }

    protected override void Register()
    {
        _registry.Tell(new RegisterWorker(_key, Slots, null, RunningAttempts(), _capacity.Cores, _capacity.ThreadsPerTask));
        RegisterAgainLater();
    }

    protected override void Heartbeat()
    {
        if (_workerId is null) return;
        _registry.Tell(new WorkerHeartbeat(_workerId, State, RunningAttempts()));
    }

    private List<RunningAttempt> RunningAttempts() => _runs.Select(kv => new RunningAttempt(kv.Key, kv.Value.Attempt)).ToList();

    /// <summary>The registry re-queues this worker's attempts now rather than after a heartbeat timeout.</summary>
    protected override void Leave()
    {
        Log.Info("leaving: handing back {Attempts} running attempt(s) and stopping their ffmpeg", _runs.Count);
        if (_workerId is not null) _registry.Tell(new WorkerLeaving(_workerId));
        foreach (var run in _runs.Values) run.Runner.Tell(AbandonAttempt.Instance);
    }

    private void OnCancel(CancelAttempt m)
    {
        // The runner ends its ffmpeg and then stops; until then the run holds its slot (and a drain waits for it).
        if (_runs.TryGetValue(m.TaskId, out var run) && run.Attempt == m.Attempt) run.Runner.Tell(m);
    }

    /// <summary>Forgets the run whose runner stopped; returns its task and attempt, or null if it was not a run.</summary>
    private (string TaskId, int Attempt)? RunEnded(IActorRef runner)
    {
        var done = _runs.FirstOrDefault(kv => kv.Value.Runner.Equals(runner));
        if (done.Key is null) return null;
        _runs.Remove(done.Key);
        return (done.Key, done.Value.Attempt);
    }

    private void OnAssign(AssignTask m)
    {
        if (_runs.TryGetValue(m.TaskId, out var existing))
        {
            if (existing.Attempt == m.Attempt) return;
            existing.Runner.Tell(new CancelAttempt(m.TaskId, existing.Attempt)); // a newer attempt replaces a stale one
            _runs.Remove(m.TaskId);
            if (_workerId is not null) _registry.Tell(new SlotFreed(_workerId, m.TaskId, existing.Attempt));
        }
        if (_runs.Count >= Slots)
        {
            Sender.Tell(new AssignmentRejected(m.TaskId, m.Attempt, m.WorkerId));
            return;
        }
        _runs[m.TaskId] = (m.Attempt, StartRunner(m, _tasks));
    }
}
