using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Akka.Transcode.Actors.Common;
using Akka.Transcode.Actors.Feed;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Actors.Telemetry;
using Akka.Transcode.Actors.Workers;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Media.Files;
using TaskStatus = Akka.Transcode.Domain.Tasks.TaskStatus;

namespace Akka.Transcode.Actors.Tasks;

/// <summary>
/// One unit of work and its attempts. Waiting, it asks the worker registry for a slot (again and again, since the
/// registry may have moved); running, it expects to hear from its attempt every second and declares it lost after
/// the silence timeout; finished, it tells its job until the job acknowledges, then passivates.
/// </summary>
public sealed class TaskEntity : EventSourcedEntity<TaskEntityState, ITaskEvent>
{
    /// <summary>Every task's persistence id starts so, followed by its task id.</summary>
    public const string PersistenceIdPrefix = "task-";

    private readonly string _taskId;
    private readonly IActorRef _jobs;
    private readonly IActorRef _registry;
    private readonly TranscodeSettings _settings;
    private readonly ChangeFeed _changes;
    private readonly ILoggingAdapter _log;

    // What this incarnation knows beside the journal: the running attempt's progress and runner, and whether the job
    // has taken the outcome.
    private double _percent;
    private IActorRef? _runner;
    private bool _outcomeAcked;

    public TaskEntity(string taskId, IActorRef jobs, IActorRef registry, TranscodeSettings settings,
        ChangeFeed? changes = null)
        : base(PersistenceIdPrefix + taskId, TaskEntityState.Empty, "task", settings.LiveViewInterval)
    {
        _changes = changes ?? ChangeFeed.None;
        _taskId = taskId;
        // Every line this entity logs carries the task's id and its job's (JSON logs: State.TaskId, State.JobId).
        _log = Context.GetLogger().WithContext("TaskId", taskId).WithContext("JobId", TaskPlanner.JobIdOf(taskId));
        _jobs = jobs;
        _registry = registry;
        _settings = settings;

        Recover<RecoveryCompleted>(_ => Resume());

        Command<StartTask>(OnStart);
        Command<RequestAgain>(_ => RequestWork());
        Command<AttemptAlive>(OnAlive);
        Command<AttemptResult>(OnResult);
        Command<AttemptWorkerLost>(m =>
        {
            // A second copy of the attempt was on that worker; the copy that counts runs on.
            if (!State.RunsElsewhere(m.Attempt, m.WorkerId)) LoseAttempt(m.Attempt, $"worker {m.WorkerId} lost: {m.Reason}");
        });
        Command<SilenceCheck>(OnSilenceCheck);
        Command<CancelTask>(OnCancel);
        Command<GetTask>(_ => Sender.Tell(new GetTaskReply(_taskId, (int)State.Status, State.Attempts,
            State.WorkerId, Math.Round(State.Status == TaskStatus.Succeeded ? 100 : _percent, 1), State.LastError)));
        Command<JobTaskFinishedAck>(_ => OnOutcomeAcked());
        Command<ReportOutcome>(_ => ReportOutcomeToJob());
        Command<PurgeTask>(_ => OnPurge());
        Command<DeleteMessagesSuccess>(_ => OnPurged(true));
        Command<DeleteMessagesFailure>(f =>
        {
            _log.Warning(f.Cause, "task {TaskId}: deleting its events failed", _taskId);
            OnPurged(false);
        });
        Command<ReceiveTimeout>(_ => { if (State.IsTerminal && _outcomeAcked || !State.Exists) Passivate(); });
    }

    public static Props Props(string taskId, IActorRef jobs, IActorRef registry, TranscodeSettings settings,
        ChangeFeed? changes = null) =>
        Akka.Actor.Props.Create(() => new TaskEntity(taskId, jobs, registry, settings, changes));

    private sealed record RequestAgain;
    private sealed record SilenceCheck(int Attempt, long Generation);
    private sealed record ReportOutcome;

    protected override TaskEntityState Apply(TaskEntityState state, ITaskEvent e) => state.Apply(e);

    private long _aliveGeneration;
    private IActorRef? _purgeReplyTo;

    /// <summary>Retention, asked by its job: an ended task's events are deleted through the journal plugin.</summary>
    private void OnPurge()
    {
        if (State.Exists && !State.IsTerminal)
        {
            Sender.Tell(new TaskPurged(_taskId, false));
            return;
        }
        _purgeReplyTo = Sender;
        if (LastSequenceNr == 0) OnPurged(true);
        else DeleteMessages(LastSequenceNr);
    }

    private void OnPurged(bool purged)
    {
        if (_purgeReplyTo is not { } replyTo) return;
        _purgeReplyTo = null;
        replyTo.Tell(new TaskPurged(_taskId, purged));
        if (!purged) return;
        State = TaskEntityState.Empty;
        Timers.CancelAll();
        Passivate();
    }

    private void Resume()
    {
        if (!State.Exists)
        {
            // Started by a message that is not StartTask (a stale report, a query): nothing to remember.
            Context.SetReceiveTimeout(_settings.IdlePassivation);
            return;
        }
        switch (State.Status)
        {
            case TaskStatus.Pending: RequestWork(); break;
            // Give a still-running attempt (this entity moved or restarted) the chance to check in.
            case TaskStatus.Running: ArmSilence(State.Attempts); break;
            default: ReportOutcomeToJob(); break;
        }
    }

    private void OnStart(StartTask m)
    {
        var sender = Sender;
        var events = State.DecideCreate(m.Spec, m.Priority, m.JobCreatedAt, DateTimeOffset.UtcNow);
        PersistThen(events, () =>
        {
            sender.Tell(new TaskStartAck(m.Spec.JobId, m.Spec.Index));
            if (events.Count > 0) RequestWork();
            else if (State.IsTerminal) ReportOutcomeToJob();
        });
    }

    private void RequestWork()
    {
        if (State.Status != TaskStatus.Pending || !State.Exists) return;
        _registry.Tell(new RequestWork(_taskId, State.NextAttempt, State.Spec!, State.Priority, State.JobCreatedAt,
            State.FailedOn.Count > 0 ? State.FailedOn.ToList() : null));
        Timers.StartSingleTimer("request", new RequestAgain(), _settings.RetryInterval);
    }

    private void OnAlive(AttemptAlive m)
    {
        if (State.IsTerminal || (State.Status == TaskStatus.Running && m.Attempt != State.Attempts)
            || (State.Status == TaskStatus.Pending && m.Attempt != State.NextAttempt))
        {
            // An attempt this task no longer wants (re-queued, cancelled, or done elsewhere): stop it.
            Sender.Tell(new CancelAttempt(m.TaskId, m.Attempt));
            return;
        }
        if (State.RunsElsewhere(m.Attempt, m.WorkerId))
        {
            // Stopped before it gets far: two copies would both rename their output into place, the late one
            // possibly after the job has moved it on, leaving a stray file behind.
            _log.Warning("task {0} attempt {1} also started on worker {2} while it runs on {3}: stopping that copy",
                _taskId, m.Attempt, m.WorkerId, State.WorkerId);
            Sender.Tell(new CancelAttempt(m.TaskId, m.Attempt));
            return;
        }
        _runner = Sender;
        _percent = m.Percent;
        if (State.Status == TaskStatus.Pending)
        {
            Timers.Cancel("request");
            PersistThen(State.DecideStarted(m.Attempt, m.WorkerId, DateTimeOffset.UtcNow), () =>
                _jobs.Tell(new JobTaskStarted(State.Spec!.JobId, State.Spec.Index, m.Attempt, m.WorkerId)));
        }
        _jobs.Tell(new JobTaskProgress(State.Spec!.JobId, State.Spec.Index, m.Percent, m.Speed));
        // The attempt number comes from the message: on the first report AttemptStarted is not applied yet.
        ArmSilence(m.Attempt);
        // The first report is published once AttemptStarted is stored, as the running task it makes.
        if (State.Status == TaskStatus.Running) LiveViewMoved();
    }

    /// <summary>Announces the task's view (state, attempt, worker, progress) to live readers (<see cref="ChangeFeed"/>)
    /// when one of those changed.</summary>
    protected override (object Key, Action Announce)? LiveView()
    {
        if (!State.Exists) return null;
        var spec = State.Spec!;
        var status = State.Status;
        var progress = Math.Round(status == TaskStatus.Succeeded ? 100 : _percent, 1);
        var view = new TaskView(_taskId, spec.Kind.Wire(), (int)status, TaskView.ResultOf((int)status), progress,
            State.WorkerId, spec.FromTime, spec.ToTime, State.Attempts, State.LastError);
        return ((status, progress, State.Attempts, State.WorkerId), () => _changes.Publish(new TaskChanged(spec.JobId, view)));
    }

    private void ArmSilence(int attempt)
    {
        _aliveGeneration++;
        Timers.StartSingleTimer("silence", new SilenceCheck(attempt, _aliveGeneration), _settings.AttemptSilenceTimeout);
    }

    private void OnSilenceCheck(SilenceCheck m)
    {
        if (m.Generation != _aliveGeneration) return;
        LoseAttempt(m.Attempt, $"no word from attempt {m.Attempt} for {_settings.AttemptSilenceTimeout.TotalSeconds:0.#} s");
    }

    private void LoseAttempt(int attempt, string reason)
    {
        var events = State.DecideLost(attempt, reason, _settings.TaskPolicy, DateTimeOffset.UtcNow);
        if (events.Count == 0) return;
        _log.Warning("task {TaskId} attempt {Attempt} lost: {Reason}", _taskId, attempt, reason);
        _runner?.Tell(new CancelAttempt(_taskId, attempt));
        _runner = null;
        _percent = 0;
        Timers.Cancel("silence");
        var startedAt = State.UpdatedAt;
        PersistThen(events, () => AfterAttemptEnded(startedAt));
    }

    private void OnResult(AttemptResult m)
    {
        // Acknowledge even a stale result, so its runner stops re-sending it.
        Sender.Tell(new AttemptResultAck(m.TaskId, m.Attempt));
        if (State.RunsElsewhere(m.Attempt, m.WorkerId)) return; // a second copy's result: the copy that counts reports its own
        var now = DateTimeOffset.UtcNow;
        var events = m.Success
            ? State.DecideSucceeded(m.Attempt, now)
            : State.DecideFailed(m.Attempt, m.Code ?? ErrorCode.Internal, m.Error ?? "ffmpeg failed", _settings.TaskPolicy, now);
        if (events.Count == 0)
        {
            if (m.Success && State.Status == TaskStatus.Canceled) RemoveLateOutput();
            return;
        }
        Timers.Cancel("silence");
        _runner = null;
        _registry.Tell(new AttemptOutcome(m.WorkerId, _taskId, m.Attempt, m.Success,
            WorkerFault: !m.Success && !TaskEntityState.IsInputFault(m.Code)));
        if (!m.Success) _log.Warning("task {TaskId} attempt {Attempt} failed on {WorkerId}: {Error}", _taskId, m.Attempt, m.WorkerId, m.Error);
        // While an attempt runs, the last event is its start (progress is not journaled).
        var startedAt = State.UpdatedAt;
        PersistThen(events, () => AfterAttemptEnded(startedAt));
    }

    private void AfterAttemptEnded(DateTimeOffset attemptStartedAt)
    {
        if (State.IsTerminal)
        {
            TranscodeMetrics.TaskDuration.Record((State.UpdatedAt - attemptStartedAt).TotalSeconds,
                TranscodeMetrics.Tag("kind", State.Spec!.Kind.Wire()),
                TranscodeMetrics.Tag("state", State.Status.ToString().ToLowerInvariant()));
            ReportOutcomeToJob();
            return;
        }
        var delay = State.RetryDelay(_settings.BaseRetryBackoff);
        if (delay == TimeSpan.Zero) RequestWork();
        else Timers.StartSingleTimer("request", new RequestAgain(), delay);
    }

    private void OnCancel(CancelTask m)
    {
        var events = State.DecideCancel(DateTimeOffset.UtcNow);
        if (events.Count == 0)
        {
            if (State.IsTerminal) _outcomeAcked = true;
            Context.SetReceiveTimeout(_settings.IdlePassivation);
            return;
        }
        var attempt = State.Attempts;
        var wasRunning = State.Status == TaskStatus.Running;
        PersistThen(events, () =>
        {
            Timers.CancelAll();
            _registry.Tell(new WithdrawWork(_taskId));
            if (wasRunning)
            {
                if (_runner is not null) _runner.Tell(new CancelAttempt(_taskId, attempt));
                else _registry.Tell(new CancelAttempt(_taskId, attempt));
            }
            // The job cancelled us: it needs no report back.
            _outcomeAcked = true;
            Context.SetReceiveTimeout(_settings.IdlePassivation);
        });
    }

    /// <summary>
    /// An attempt that succeeded after its job cancelled this task put its output in place after the job removed the
    /// job's files: nobody else will remove it (nor the upload's partial, nor a parts directory left empty).
    /// </summary>
    private void RemoveLateOutput()
    {
        var spec = State.Spec!;
        _log.Info("task {TaskId}: a result arrived after the task was cancelled; removing its output", _taskId);
        Task.Run(() =>
        {
            FileCleanup.Remove(null, spec.OutputPath);
            if (spec.WritesInJobDirectory)
                FileCleanup.TryDeleteEmptyDirectory(Path.GetDirectoryName(spec.OutputPath)!);
        });
    }

    private void ReportOutcomeToJob()
    {
        if (_outcomeAcked || !State.IsTerminal || State.Status == TaskStatus.Canceled) return;
        var spec = State.Spec!;
        var ok = State.Status == TaskStatus.Succeeded;
        _jobs.Tell(new JobTaskFinished(spec.JobId, spec.Index, _taskId, ok, ok ? null : State.ErrorCode, ok ? null : State.LastError));
        Timers.StartSingleTimer("report", new ReportOutcome(), _settings.RetryInterval);
    }

    private void OnOutcomeAcked()
    {
        _outcomeAcked = true;
        Timers.Cancel("report");
        Passivate();
    }
}
