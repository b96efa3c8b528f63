using Akka.Actor;
using Akka.Event;
using Akka.Transcode.Actors.Telemetry;
using Akka.Transcode.Media.Execution;

namespace Akka.Transcode.Actors.Workers;

/// <summary>
/// What the two worker roles (<see cref="WorkerNode"/> in the cluster, <see cref="HttpWorkerHost"/> outside it) have
/// in common: each attempt runs in a <see cref="TaskRunner"/> child that is stopped, never restarted, when it fails
/// (the task decides about retries); registering and heartbeating start with the actor; the busy slots are published
/// for /metrics after every message; and <see cref="DrainWorker"/> takes no more work, stops the runs and is answered
/// with <see cref="WorkerDrained"/> once the last runner has ended (a replaced one too), so no ffmpeg outlives the
/// process and no partial output is left behind.
/// </summary>
public abstract class WorkerRole : ReceiveActor, IWithTimers
{
    private const string BeatTimer = "beat";
    private const string RegisterTimer = "register";

    private readonly ITaskExecutor _executor;
    private readonly List<IActorRef> _drainWaiters = new();
    // Every runner until it has stopped, including one a newer attempt replaced: the role lets go of that run (and
    // its slot) at once, but its ffmpeg may take the grace time to end, and a drain must wait for it too.
    private readonly HashSet<IActorRef> _liveRunners = new();
    private WorkerSlotGauge? _gauge;

    protected WorkerRole(int slots, ITaskExecutor executor, TranscodeSettings settings)
    {
        Slots = slots;
        _executor = executor;
        Settings = settings;
    }

    public ITimerScheduler Timers { get; set; } = null!;
    protected int Slots { get; }
    protected TranscodeSettings Settings { get; }
    protected ILoggingAdapter Log { get; } = Context.GetLogger();

    /// <summary>Runners that have not ended yet.</summary>
    protected abstract int RunningCount { get; }

    /// <summary>1 when every slot is busy, as heartbeats report it.</summary>
    protected int State => RunningCount >= Slots ? 1 : 0;

    protected abstract void Register();
    protected abstract void Heartbeat();

    /// <summary>The role's part of a drain: say so where it must, and stop the runs.</summary>
    protected abstract void Leave();

    /// <summary>The role's receives while draining; they end with <see cref="DrainingCommon"/>.</summary>
    protected abstract void Draining();

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    protected override void PreStart()
    {
        _gauge = WorkerSlotGauge.Start(Slots);
        Register();
        Timers.StartPeriodicTimer(BeatTimer, Beat.Instance, Settings.HeartbeatInterval);
    }

    protected override void PostStop() => _gauge?.Dispose();

    protected override bool AroundReceive(Receive receive, object message)
    {
        // Before the role's own handler, which may ask AnswerIfDrained.
        if (message is Terminated t) _liveRunners.Remove(t.ActorRef);
        var handled = base.AroundReceive(receive, message);
        _gauge?.SetBusy(RunningCount);
        return handled;
    }

    /// <summary>Serving: the timers' ticks and the start of a drain.</summary>
    protected void ServingCommon()
    {
        Receive<RegisterTick>(_ => Register());
        Receive<Beat>(_ => Heartbeat());
        Receive<DrainWorker>(_ => StartDraining());
    }

    /// <summary>Draining: more callers may wait for the end; ticks still in flight change nothing.</summary>
    protected void DrainingCommon()
    {
        Receive<DrainWorker>(_ =>
        {
            _drainWaiters.Add(Sender);
            AnswerIfDrained();
        });
        Receive<RegisterTick>(_ => { });
        Receive<Beat>(_ => { });
    }

    protected void RegisterAgainLater() => Timers.StartSingleTimer(RegisterTimer, RegisterTick.Instance, Settings.RetryInterval);

    protected void StopRegistering() => Timers.Cancel(RegisterTimer);

    /// <summary>Starts the attempt in a watched <see cref="TaskRunner"/> that reports to <paramref name="reportTo"/>.</summary>
    protected IActorRef StartRunner(AssignTask assignment, IActorRef reportTo)
    {
        var runner = Context.ActorOf(TaskRunner.Props(assignment, reportTo, _executor, Settings),
            $"{assignment.TaskId}-a{assignment.Attempt}");
        Context.Watch(runner);
        _liveRunners.Add(runner);
        return runner;
    }

    /// <summary>Called whenever a runner has ended.</summary>
    protected void AnswerIfDrained()
    {
        if (_drainWaiters.Count == 0 || _liveRunners.Count > 0) return;
        foreach (var waiter in _drainWaiters) waiter.Tell(WorkerDrained.Instance);
        _drainWaiters.Clear();
    }

    /// <summary>The node is shutting down (coordinated shutdown): no registering, heartbeats or new work.</summary>
    private void StartDraining()
    {
        Timers.Cancel(BeatTimer);
        Timers.Cancel(RegisterTimer);
        Leave();
        Become(Draining);
        _drainWaiters.Add(Sender);
        AnswerIfDrained();
    }

    private sealed record RegisterTick
    {
        public static readonly RegisterTick Instance = new();
    }

    private sealed record Beat
    {
        public static readonly Beat Instance = new();
    }
}
