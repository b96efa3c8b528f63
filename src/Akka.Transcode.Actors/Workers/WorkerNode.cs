using Akka.Actor;
using Akka.Event;
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
    private readonly Dictionary<string, (int Attempt, IActorRef Runner)> _runs = new();
    private readonly List<IActorRef> _drainWaiters = new();
    private string? _workerId;
    private bool _draining;

    public ITimerScheduler Timers { get; set; } = null!;

    public WorkerNode(string key, int slots, IActorRef registry, IActorRef tasks, ITaskExecutor executor,
        TranscodeSettings settings)
    {
        _key = key;
        _slots = slots;
        _registry = registry;
        _tasks = tasks;
        _executor = executor;
        _settings = settings;

        Receive<RegisterTick>(_ => { if (!_draining) Register(); });
        Receive<WorkerRegistered>(m =>
        {
            if (_draining) return;
            if (_workerId != m.WorkerId) _log.Info("registered as worker {0}", m.WorkerId);
            _workerId = m.WorkerId;
            Timers.Cancel("register");
        });
        Receive<UnknownWorker>(_ =>
        {
            if (_draining) return;
            _workerId = null;
            Register();
        });
        Receive<HeartbeatAck>(_ => { });
        Receive<Beat>(_ => { if (!_draining) Heartbeat(); });
        Receive<DrainWorker>(_ => OnDrain());
        Receive<AssignTask>(OnAssign);
        Receive<CancelAttempt>(m =>
        {
            if (_runs.TryGetValue(m.TaskId, out var run) && run.Attempt == m.Attempt) Context.Stop(run.Runner);
        });
        Receive<Terminated>(m =>
        {
            var done = _runs.FirstOrDefault(kv => kv.Value.Runner.Equals(m.ActorRef));
            if (done.Key is null) return;
            _runs.Remove(done.Key);
            if (_draining) AnswerIfDrained();
            else if (_workerId is not null) _registry.Tell(new SlotFreed(_workerId, done.Key, done.Value.Attempt));
        });
    }

    public static Props Props(string key, int slots, IActorRef registry, IActorRef tasks, ITaskExecutor executor,
        TranscodeSettings settings) =>
        Akka.Actor.Props.Create(() => new WorkerNode(key, slots, registry, tasks, executor, settings));

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    protected override void PreStart()
    {
        Register();
        Timers.StartPeriodicTimer("beat", new Beat(), _settings.HeartbeatInterval);
    }

    private void Register()
    {
        _registry.Tell(new RegisterWorker(_key, _slots, null));
        Timers.StartSingleTimer("register", new RegisterTick(), _settings.RetryInterval);
    }

    private void Heartbeat()
    {
        if (_workerId is null) return;
        var running = _runs.Select(kv => new RunningAttempt(kv.Key, kv.Value.Attempt)).ToList();
        _registry.Tell(new WorkerHeartbeat(_workerId, running.Count >= _slots ? 1 : 0, running));
    }

    /// <summary>
    /// The node is shutting down (coordinated shutdown, while the cluster still works): the registry re-queues this
    /// worker's attempts now rather than after a timeout, and the runners stop their ffmpeg. The answer waits until
    /// every runner has ended, so no ffmpeg outlives the process and no partial output is left behind.
    /// </summary>
    private void OnDrain()
    {
        _drainWaiters.Add(Sender);
        if (!_draining)
        {
            _draining = true;
            Timers.Cancel("beat");
            Timers.Cancel("register");
            _log.Info("leaving: handing back {0} running attempt(s) and stopping their ffmpeg", _runs.Count);
            if (_workerId is not null) _registry.Tell(new WorkerLeaving(_workerId));
            foreach (var run in _runs.Values) run.Runner.Tell(AbandonAttempt.Instance);
        }
        AnswerIfDrained();
    }

    private void AnswerIfDrained()
    {
        if (_runs.Count > 0) return;
        foreach (var waiter in _drainWaiters) waiter.Tell(WorkerDrained.Instance);
        _drainWaiters.Clear();
    }

    private void OnAssign(AssignTask m)
    {
        if (_draining)
        {
            Sender.Tell(new AssignmentRejected(m.TaskId, m.Attempt, m.WorkerId));
            return;
        }
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
