using Akka.Actor;
using Akka.Transcode.Actors.Tasks;
using Akka.Transcode.Actors.Telemetry;
using Akka.Transcode.Domain;
using Akka.Transcode.Media.Execution;

namespace Akka.Transcode.Actors.Workers;

/// <summary>
/// Supervises one attempt of one task: runs it as a Task (never blocking the actor), forwards progress as
/// messages, and owns the result until the task entity acknowledges it. Stopping this actor cancels the attempt:
/// the executor stops ffmpeg (gracefully, then killed) and removes its partial output.
/// </summary>
public sealed class TaskRunner : ReceiveActor, IWithTimers
{
    /// <summary>How often a result is sent again (every retry interval) before its task is taken to have gone; an
    /// <see cref="HttpWorkerProxy"/>, which plays the runner of a remote attempt, keeps to the same.</summary>
    internal const int MaxResultResends = 30;

    private readonly AssignTask _assignment;
    private readonly IActorRef _tasks;
    private readonly ITaskExecutor _executor;
    private readonly TranscodeSettings _settings;
    private readonly CancellationTokenSource _cts = new();
    private double _percent;
    private double? _speed;
    private AttemptResult? _result;
    private int _resends;
    private bool _abandoned;
    private bool _canceled;

    public ITimerScheduler Timers { get; set; } = null!;

    public TaskRunner(AssignTask assignment, IActorRef tasks, ITaskExecutor executor, TranscodeSettings settings)
    {
        _assignment = assignment;
        _tasks = tasks;
        _executor = executor;
        _settings = settings;

        Receive<TaskProgress>(p =>
        {
            _percent = Math.Max(_percent, Math.Clamp(p.Percent, 0, 100));
            _speed = p.Speed;
            if (p.Speed is > 0 and var speed) TranscodeMetrics.EncodeSpeed.Record(speed);
        });
        Receive<AliveTick>(_ => SendAlive());
        Receive<TaskOutcome>(OnOutcome);
        Receive<ResendResult>(_ =>
        {
            if (++_resends > MaxResultResends) Context.Stop(Self);
            else _tasks.Tell(_result);
        });
        Receive<AttemptResultAck>(_ => Context.Stop(Self));
        Receive<CancelAttempt>(_ => Cancel());
        Receive<AbandonAttempt>(_ => Abandon());
    }

    public static Props Props(AssignTask assignment, IActorRef tasks, ITaskExecutor executor, TranscodeSettings settings) =>
        Akka.Actor.Props.Create(() => new TaskRunner(assignment, tasks, executor, settings));

    protected override void PreStart()
    {
        SendAlive();
        Timers.StartPeriodicTimer("alive", new AliveTick(), TimeSpan.FromSeconds(1));
        var self = Self;
        _executor.RunAsync(_assignment.Spec, p => self.Tell(p), _cts.Token)
            .PipeTo(self, failure: ex => TaskOutcome.Failed(ErrorCode.Internal, ex.Message));
    }

    protected override void PostStop()
    {
        _cts.Cancel();
        _cts.Dispose();
    }

    /// <summary>
    /// The node is leaving: cancel the run and stay until the executor has ended it (ffmpeg stopped, partial output
    /// removed), so the process does not exit with ffmpeg still writing. The outcome then stops this actor.
    /// </summary>
    private void Abandon()
    {
        _abandoned = true;
        EndRun();
    }

    /// <summary>
    /// The task no longer wants this attempt (lost, cancelled, replaced): end the run and stay until the executor has
    /// ended it, as a drain does, so a worker that is leaving does not take the stop for the end of its ffmpeg. Its
    /// outcome, whatever it is, is reported to no one.
    /// </summary>
    private void Cancel()
    {
        _canceled = true;
        EndRun();
    }

    /// <summary>Cancels the run; the executor's outcome then stops this actor. One already ended only had its
    /// report pending.</summary>
    private void EndRun()
    {
        Timers.Cancel("alive");
        if (_result is not null) Context.Stop(Self);
        else _cts.Cancel();
    }

    private void SendAlive() =>
        _tasks.Tell(new AttemptAlive(_assignment.TaskId, _assignment.Attempt, _assignment.WorkerId, _percent, _speed));

    private void OnOutcome(TaskOutcome outcome)
    {
        Timers.Cancel("alive");
        // An abandoned run that failed failed because it was stopped: that is no verdict on the task.
        if (outcome.Canceled || _canceled || (_abandoned && !outcome.Success))
        {
            Context.Stop(Self);
            return;
        }
        _result = new AttemptResult(_assignment.TaskId, _assignment.Attempt, _assignment.WorkerId, outcome.Success,
            outcome.Code, outcome.Error);
        _tasks.Tell(_result);
        if (_abandoned)
        {
            // Finished as the node leaves: report once (the task may still take it), but do not hold the exit.
            Context.Stop(Self);
            return;
        }
        Timers.StartPeriodicTimer("resend", new ResendResult(), _settings.RetryInterval);
    }

    private sealed record AliveTick;
    private sealed record ResendResult;
}
