using Akka.Actor;
using Akka.Event;
using Akka.Transcode.Actors.Feed;
using Akka.Transcode.Actors.Tasks;
using Akka.Transcode.Actors.Telemetry;
using Akka.Transcode.Domain.Scheduling;
using Decision = Akka.Transcode.Domain.Scheduling.WorkerDecision<Akka.Actor.IActorRef>;
using RegistryState = Akka.Transcode.Domain.Scheduling.WorkerRegistryState<Akka.Actor.IActorRef>;

namespace Akka.Transcode.Actors.Workers;

/// <summary>
/// Hands waiting tasks to live workers: a cluster singleton on master nodes that decides through one
/// <see cref="WorkerRegistryState{TRef}"/> (the workers, their slots and breakers, the queue) and does the sending, watching
/// and timers. It keeps nothing on disk: after a fail-over, workers register again on their next heartbeat and
/// waiting tasks ask again, which rebuilds everything it knew.
/// Workers outside the cluster (HTTP workers) are represented by an <see cref="HttpWorkerProxy"/> child each, which
/// it treats like any worker's actor; the files those workers may fetch and send back are its
/// <see cref="HttpWorkerFiles"/> child's.
/// </summary>
public sealed class WorkerRegistry : ReceiveActor, IWithTimers
{
    private readonly IActorRef _tasks;
    private readonly TranscodeSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IWorkerGateway? _gateway;
    private readonly ChangeFeed _changes;
    private RegistryState _state;
    /// <summary>The <see cref="WorkerRegistryState{TRef}.Version"/> the last <see cref="WorkersChanged"/> showed; none yet, so a
    /// registry that starts (or takes over) publishes what it knows at its first sweep.</summary>
    private long _published = -1;
    private IActorRef _files = ActorRefs.Nobody;
    private long _proxies;
    private TaskQueueGauge? _gauge;

    public ITimerScheduler Timers { get; set; } = null!;

    public WorkerRegistry(IActorRef tasks, TranscodeSettings settings, IWorkerGateway? gateway = null,
        ChangeFeed? changes = null)
    {
        _changes = changes ?? ChangeFeed.None;
        _tasks = tasks;
        _settings = settings;
        _gateway = gateway;
        _state = new RegistryState(new WorkerRules(settings.WorkerTimeout, settings.HeartbeatInterval * 3,
            settings.WorkerBreakerFailures, settings.WorkerQuarantine, settings.MaxHttpWorkersPerAddress));

        Receive<RegisterWorker>(m =>
        {
            var decision = _state.Register(m.Key, Sender, m.Slots, m.HttpEndpoint, Attempts(m.Running ?? []), m.Cores,
                m.ThreadsPerTask, DateTimeOffset.UtcNow);
            Sender.Tell(new WorkerRegistered(WorkerRegistryState.IdFor(m.Key)));
            Apply(decision);
        });
        Receive<WorkerHeartbeat>(m =>
        {
            if (_state.Heartbeat(m.WorkerId, Attempts(m.Running), DateTimeOffset.UtcNow) is not { } decision)
            {
                Sender.Tell(new UnknownWorker(m.WorkerId));
                return;
            }
            Sender.Tell(new HeartbeatAck(m.WorkerId));
            Apply(decision);
        });
        Receive<RequestWork>(m => Apply(_state.Request(
            new WorkRequest(m.TaskId, m.Attempt, m.Spec, m.Priority, m.JobCreatedAt, m.Avoid), DateTimeOffset.UtcNow)));
        Receive<WithdrawWork>(m => _state = _state.Withdraw(m.TaskId));
        Receive<WorkerLeaving>(m => Apply(_state.Leave(m.WorkerId, Sender, "it is shutting down", DateTimeOffset.UtcNow)));
        Receive<AssignmentRejected>(m => Apply(_state.Rejected(m.WorkerId, new(m.TaskId, m.Attempt), DateTimeOffset.UtcNow)));
        Receive<SlotFreed>(m => Apply(_state.SlotFreed(m.WorkerId, new(m.TaskId, m.Attempt), DateTimeOffset.UtcNow)));
        Receive<CancelAttempt>(m =>
        {
            foreach (var w in _state.RunningOn(new(m.TaskId, m.Attempt))) w.Ref.Tell(m);
        });
        Receive<GetWorkers>(_ => Sender.Tell(Snapshot()));
        Receive<Terminated>(m => Apply(_state.Stopped(m.ActorRef, "its node left the cluster or its actor stopped", DateTimeOffset.UtcNow)));
        Receive<Sweep>(_ =>
        {
            Apply(_state.Sweep(DateTimeOffset.UtcNow));
            PublishIfChanged();
        });
        Receive<AttemptOutcome>(m => Apply(_state.Outcome(m.WorkerId, m.Success, m.WorkerFault, DateTimeOffset.UtcNow)));
        Receive<QuarantineOver>(_ => Apply(_state.QuarantineOver(DateTimeOffset.UtcNow)));

        Receive<RegisterHttpWorker>(OnRegisterHttp);
        Receive<HttpWorkerHeartbeat>(m =>
        {
            if (_state.HttpHeartbeat(m.WorkerId, DateTimeOffset.UtcNow) is not { } set)
            {
                Sender.Tell(new UnknownWorker(m.WorkerId));
                return;
            }
            _state = set;
            Sender.Tell(new HeartbeatAck(m.WorkerId));
        });
        Receive<WorkerUnreachable>(m => Apply(_state.Leave(m.WorkerId, Sender, m.Reason, DateTimeOffset.UtcNow)));
        Receive<ResolveFile>(m => _files.Forward(m));
        Receive<ResolveUpload>(m => _files.Forward(m));
    }

    public static Props Props(IActorRef tasks, TranscodeSettings settings, IWorkerGateway? gateway = null,
        ChangeFeed? changes = null) =>
        Akka.Actor.Props.Create(() => new WorkerRegistry(tasks, settings, gateway, changes));

    /// <summary>A failing proxy stops, which removes its worker (Terminated): its attempts are re-queued.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    protected override void PreStart()
    {
        _gauge = TaskQueueGauge.Start();
        _files = Context.ActorOf(HttpWorkerFiles.Props(), "files");
        Timers.StartPeriodicTimer("sweep", new Sweep(), TimeSpan.FromMilliseconds(500));
    }

    protected override void PostStop() => _gauge?.Dispose();

    /// <summary>After every message the queue and the running count are published for /metrics.</summary>
    protected override bool AroundReceive(Receive receive, object message)
    {
        var handled = base.AroundReceive(receive, message);
        _gauge?.Set(_state.Queue.Count, _state.RunningCount);
        return handled;
    }

    private static List<AttemptKey> Attempts(IEnumerable<RunningAttempt> running) =>
        running.Select(r => new AttemptKey(r.TaskId, r.Attempt)).ToList();

    /// <summary>
    /// A worker outside the cluster. A known one registers again after it restarted (a running worker just
    /// heartbeats), but anyone with a worker token can send the same ip:port. So a registration of a live worker
    /// changes nothing by itself: its proxy asks the worker at that address about every attempt at once, and only
    /// the attempts the worker no longer knows (it really restarted) go back to the queue. A forged registration
    /// leaves the worker, its slots and its attempts as they were.
    /// </summary>
    private void OnRegisterHttp(RegisterHttpWorker m)
    {
        if (_gateway is null)
        {
            Sender.Tell(new UnknownWorker("")); // this master cannot call workers over HTTP
            return;
        }
        switch (_state.AdmitHttp(m.Ip, m.Port))
        {
            case HttpAdmission<IActorRef>.Known known:
                var existing = known.Worker;
                existing.Ref.Tell(VerifyAttempts.Instance);
                _log.Info("worker {WorkerId} ({WorkerKey}) registered again: checking its {Running} attempt(s) with the worker", existing.Id, existing.Key, existing.Running.Count);
                Sender.Tell(new WorkerRegistered(existing.Id));
                break;
            case HttpAdmission<IActorRef>.Refused refused:
                _log.Warning("refused to register a worker at {WorkerKey}: {Count} are registered under {Ip} already", refused.Key, refused.SameIp, m.Ip);
                Sender.Tell(new RegistrationRefused(
                    $"{refused.SameIp} workers are registered under {m.Ip} already (Transcode:Worker:MaxWorkersPerAddress); retry once one has gone"));
                break;
            case HttpAdmission<IActorRef>.Admitted admitted:
                var proxy = Context.ActorOf(HttpWorkerProxy.Props(admitted.Id, admitted.Endpoint, _tasks, _files, _gateway, _settings),
                    $"{admitted.Id}-{++_proxies}"); // a stopped proxy's name stays taken until it has terminated
                var decision = _state.AddHttp(admitted, proxy, m.Slots, m.Ip, DateTimeOffset.UtcNow);
                Sender.Tell(new WorkerRegistered(admitted.Id));
                Apply(decision);
                break;
        }
    }

    /// <summary>Takes the decision's state and does what it says, in order.</summary>
    private void Apply(Decision decision)
    {
        _state = decision.State;
        foreach (var effect in decision.Effects)
            switch (effect)
            {
                case Assign<IActorRef> a:
                    a.Worker.Ref.Tell(new AssignTask(a.Request.TaskId, a.Request.Attempt, a.Request.Spec, a.Worker.Id));
                    break;
                case Joined<IActorRef> j:
                    Context.Watch(j.Worker.Ref);
                    if (j.Worker.IsHttp)
                        _log.Info("worker {WorkerId} registered from {WorkerKey} with {Slots} slot(s)", j.Worker.Id, j.Worker.Key, j.Worker.Slots);
                    else
                        _log.Info("worker {WorkerId} registered from {WorkerKey} with {Slots} slot(s), {Running} attempt(s) running", j.Worker.Id, j.Worker.Key, j.Worker.Slots, j.Running);
                    break;
                case Gone<IActorRef> g:
                    Gone(g.Worker, g.Reason);
                    break;
                case Quarantined<IActorRef> q:
                    _log.Warning("worker {0} ({1}) failed {2} attempts in a row; no work for it until {3:O}", q.Worker.Id, q.Worker.Key,
                        _settings.WorkerBreakerFailures, q.Worker.QuarantinedUntil);
                    Timers.StartSingleTimer("quarantine-" + q.Worker.Id, new QuarantineOver(), _settings.WorkerQuarantine);
                    break;
            }
    }

    private void Gone(RegisteredWorker<IActorRef> w, string reason)
    {
        _log.Warning("worker {WorkerId} ({WorkerKey}) is gone: {Reason}; {Attempts} attempt(s) go back to the queue", w.Id, w.Key, reason, w.Running.Count);
        Context.Unwatch(w.Ref);
        if (w.IsHttp)
        {
            // The proxy is this registry's child: stopping it cancels what may still run on the worker.
            Context.Stop(w.Ref);
            foreach (var attempt in w.Running.Keys) _files.Tell(new ReleaseFiles(attempt.TaskId));
        }
        foreach (var attempt in w.Running.Keys)
            _tasks.Tell(new AttemptWorkerLost(attempt.TaskId, attempt.Attempt, w.Id, reason));
    }

    /// <summary>
    /// Checked on every sweep (twice a second) rather than at each of the many places that change workers or the
    /// queue: a burst of changes goes out as one publication.
    /// </summary>
    private void PublishIfChanged()
    {
        if (_state.Version == _published) return;
        _published = _state.Version;
        _changes.Publish(new WorkersChanged(Snapshot()));
    }

    private WorkersSnapshot Snapshot()
    {
        var now = DateTimeOffset.UtcNow;
        return new(
            _state.Workers.Values.OrderBy(w => w.Key).Select(w => new WorkerInfo(w.Id, w.Key, w.HttpEndpoint, w.Slots,
                w.Running.Keys.OrderBy(k => k.TaskId, StringComparer.Ordinal).ThenBy(k => k.Attempt)
                    .Select(k => new RunningAttempt(k.TaskId, k.Attempt)).ToList(), w.LastSeen,
                w.ConsecutiveFailures, w.IsQuarantined(now) ? w.QuarantinedUntil : null,
                w.Node, w.Cores, w.ThreadsPerTask)).ToList(),
            _state.Queue.Count);
    }

    private sealed record Sweep;

    private sealed record QuarantineOver;
}
