using Akka.Actor;
using Akka.Event;
using Akka.Transcode.Actors.Telemetry;
using Akka.Transcode.Media.Execution;

namespace Akka.Transcode.Actors.Workers;

/// <summary>
/// The worker role of one node: registers with the registry, heartbeats, and runs each assigned attempt in its own
/// <see cref="TaskRunner"/> child. A failing runner is stopped, never restarted: the task decides about retries.
/// </summary>
public sealed class WorkerNode : ReceiveActor, IWithTimers
{
    private readonly string _key;
    private readonly int _slots;
    private readonly IActorRef _registry;
    private readonly IActorRef _tasks;
    private readonly ITaskExecutor _executor;
    private readonly TranscodeSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly (int Cores, int ThreadsPerTask) _capacity;
    private readonly Dictionary<string, (int Attempt, IActorRef Runner)> _runs = new();
    private readonly List<IActorRef> _drainWaiters = new();
    private string? _workerId;
    private WorkerSlotGauge? _gauge;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="capacity">The node's cores and each task's ffmpeg threads (0: all), for the planner's split policy.</param>
    public WorkerNode(string key, int slots, IActorRef registry, IActorRef tasks, ITaskExecutor executor,
        TranscodeSettings settings, (int Cores, int ThreadsPerTask) capacity = default)
    {
        _key = key;
        _capacity = capacity;
        _slots = slots;
        _registry = registry;
        _tasks = tasks;
        _executor = executor;
        _settings = settings;

        Serving();
    }

    private void Serving()
    {
        Receive<RegisterTick>(_ => Register());
        Receive<WorkerRegistered>(m =>
        {
            if (_workerId != m.WorkerId) _log.Info("registered as worker {WorkerId}", m.WorkerId);
            _workerId = m.WorkerId;
            Timers.Cancel("register");
        });
        Receive<UnknownWorker>(_ =>
        {
            _workerId = null;
            Register();
        });
        Receive<HeartbeatAck>(_ => { });
        Receive<Beat>(_ => Heartbeat());
        Receive<DrainWorker>(_ => StartDraining());
        Receive<AssignTask>(OnAssign);
        Receive<CancelAttempt>(OnCancel);
        Receive<Terminated>(m =>
        {
            if (RunEnded(m.ActorRef) is { } done && _workerId is not null)
                _registry.Tell(new SlotFreed(_workerId, done.TaskId, done.Attempt));
        });
    }

    /// <summary>
    /// The node is shutting down (coordinated shutdown, while the cluster still works): no registering, heartbeats
    /// or new work; the runners stop their ffmpeg, and every <see cref="DrainWorker"/> is answered once all have
    /// ended, so no ffmpeg outlives the process and no partial output is left behind.
    /// </summary>
    private void Draining()
    {
        Receive<DrainWorker>(_ =>
        {
            _drainWaiters.Add(Sender);
            AnswerIfDrained();
        });
        Receive<AssignTask>(m => Sender.Tell(new AssignmentRejected(m.TaskId, m.Attempt, m.WorkerId)));
        Receive<CancelAttempt>(OnCancel);
        Receive<Terminated>(m =>
        {
            RunEnded(m.ActorRef);
            AnswerIfDrained();
        });
        // Registration and heartbeat traffic still in flight: the worker is leaving.
        Receive<RegisterTick>(_ => { });
        Receive<Beat>(_ => { });
        Receive<WorkerRegistered>(_ => { });
        Receive<UnknownWorker>(_ => { });
        Receive<HeartbeatAck>(_ => { });
    }

    public static Props Props(string key, int slots, IActorRef registry, IActorRef tasks, ITaskExecutor executor,
        TranscodeSettings settings, (int Cores, int ThreadsPerTask) capacity = default) =>
        Akka.Actor.Props.Create(() => new WorkerNode(key, slots, registry, tasks, executor, settings, capacity));

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    protected override void PreStart()
    {
        _gauge = WorkerSlotGauge.Start(_slots);
        Register();
        Timers.StartPeriodicTimer("beat", new Beat(), _settings.HeartbeatInterval);
    }

    protected override void PostStop() => _gauge?.Dispose();

    /// <summary>After every message the busy slots are published for /metrics.</summary>
    protected override bool AroundReceive(Receive receive, object message)
    {
        var handled = base.AroundReceive(receive, message);
        _gauge?.SetBusy(_runs.Count);
        return handled;
    }

    private void Register()
    {
        _registry.Tell(new RegisterWorker(_key, _slots, null, RunningAttempts(), _capacity.Cores, _capacity.ThreadsPerTask));
        Timers.StartSingleTimer("register", new RegisterTick(), _settings.RetryInterval);
    }

    private void Heartbeat()
    {
        if (_workerId is null) return;
        var running = RunningAttempts();
        _registry.Tell(new WorkerHeartbeat(_workerId, running.Count >= _slots ? 1 : 0, running));
    }

    private List<RunningAttempt> RunningAttempts() => _runs.Select(kv => new RunningAttempt(kv.Key, kv.Value.Attempt)).ToList();

    /// <summary>The registry re-queues this worker's attempts now rather than after a heartbeat timeout.</summary>
    private void StartDraining()
    {
        Timers.Cancel("beat");
        Timers.Cancel("register");
        _log.Info("leaving: handing back {Attempts} running attempt(s) and stopping their ffmpeg", _runs.Count);
        if (_workerId is not null) _registry.Tell(new WorkerLeaving(_workerId));
        foreach (var run in _runs.Values) run.Runner.Tell(AbandonAttempt.Instance);
        Become(Draining);
        _drainWaiters.Add(Sender);
        AnswerIfDrained();
    }

    private void OnCancel(CancelAttempt m)
    {
        if (_runs.TryGetValue(m.TaskId, out var run) && run.Attempt == m.Attempt) Context.Stop(run.Runner);
    }

    /// <summary>Forgets the run whose runner stopped; returns its task and attempt, or null if it was not a run.</summary>
    private (string TaskId, int Attempt)? RunEnded(IActorRef runner)
    {
        var done = _runs.FirstOrDefault(kv => kv.Value.Runner.Equals(runner));
        if (done.Key is null) return null;
        _runs.Remove(done.Key);
        return (done.Key, done.Value.Attempt);
    }

    private void AnswerIfDrained()
    {
        if (_runs.Count > 0) return;
        foreach (var waiter in _drainWaiters) waiter.Tell(WorkerDrained.Instance);
        _drainWaiters.Clear();
    }

    private void OnAssign(AssignTask m)
    {
        if (_runs.TryGetValue(m.TaskId, out var existing))
        {
            if (existing.Attempt == m.Attempt) return;
            Context.Stop(existing.Runner); // a newer attempt replaces a stale one
            _runs.Remove(m.TaskId);
            if (_workerId is not null) _registry.Tell(new SlotFreed(_workerId, m.TaskId, existing.Attempt));
        }
        if (_runs.Count >= _slots)
        {
            Sender.Tell(new AssignmentRejected(m.TaskId, m.Attempt, m.WorkerId));
            return;
        }
        var runner = Context.ActorOf(TaskRunner.Props(m, _tasks, _executor, _settings), $"{m.TaskId}-a{m.Attempt}");
        Context.Watch(runner);
        _runs[m.TaskId] = (m.Attempt, runner);
    }

    private sealed record RegisterTick;
    private sealed record Beat;
}
