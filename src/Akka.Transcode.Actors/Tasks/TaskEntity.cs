using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
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
public sealed class TaskEntity : ReceivePersistentActor, IWithTimers
{
    /// <summary>Every task's persistence id starts so, followed by its task id.</summary>
    public const string PersistenceIdPrefix = "task-";

    private readonly string _taskId;
    private readonly IActorRef _jobs;
    private readonly IActorRef _registry;
    private readonly TranscodeSettings _settings;
    private readonly ChangeFeed _changes;
    private readonly ILoggingAdapter _log;

    private TaskEntityState _state = TaskEntityState.Empty;
    private double _percent;
    private double? _speed;
    private IActorRef? _runner;
    private bool _outcomeAcked;
    private DateTimeOffset _publishedAt = DateTimeOffset.MinValue;
    private (TaskStatus Status, double Progress, int Attempts, string? WorkerId)? _published;

    public override string PersistenceId { get; }
    /// <summary>No snapshots are ever saved: recovering from the journal alone spares every start of the entity (each
    /// new task, and each read after it passivated) a query through the single snapshot-store actor.</summary>
    public override Recovery Recovery => NoSnapshots;
    private static readonly Recovery NoSnapshots = new(SnapshotSelectionCriteria.None);
    public ITimerScheduler Timers { get; set; } = null!;

    public TaskEntity(string taskId, IActorRef jobs, IActorRef registry, TranscodeSettings settings,
        ChangeFeed? changes = null)
    {
        _changes = changes ?? ChangeFeed.None;
        _taskId = taskId;
        // Every line this entity logs carries the task's id and its job's (JSON logs: State.TaskId, State.JobId).
        _log = Context.GetLogger().WithContext("TaskId", taskId).WithContext("JobId", TaskPlanner.JobIdOf(taskId));
        _jobs = jobs;
        _registry = registry;
        _settings = settings;
        PersistenceId = PersistenceIdPrefix + taskId;

        Recover<ITaskEvent>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ => Resume());

        Command<StartTask>(OnStart);
        Command<RequestAgain>(_ => RequestWork());
        Command<AttemptAlive>(OnAlive);
        Command<AttemptResult>(OnResult);
        Command<AttemptWorkerLost>(m =>
        {
            // A second copy of the attempt was on that worker; the copy that counts runs on.
            if (!_state.RunsElsewhere(m.Attempt, m.WorkerId)) LoseAttempt(m.Attempt, $"worker {m.WorkerId} lost: {m.Reason}");
        });
        Command<SilenceCheck>(OnSilenceCheck);
        Command<CancelTask>(OnCancel);
        Command<GetTask>(_ => Sender.Tell(new GetTaskReply(_taskId, (int)_state.Status, _state.Attempts,
            _state.WorkerId, Math.Round(_state.Status == TaskStatus.Succeeded ? 100 : _percent, 1), _state.LastError)));
        Command<TaskOutcomeAcked>(_ => OnOutcomeAcked());
        Command<JobTaskFinishedAck>(_ => OnOutcomeAcked());
        Command<ReportOutcome>(_ => ReportOutcomeToJob());
        Command<PublishDue>(_ => PublishView());
        Command<PurgeTask>(_ => OnPurge());
        Command<DeleteMessagesSuccess>(_ => OnPurged(true));
        Command<DeleteMessagesFailure>(f =>
        {
            _log.Warning(f.Cause, "task {TaskId}: deleting its events failed", _taskId);
            OnPurged(false);
        });
        Command<ReceiveTimeout>(_ => { if (_state.IsTerminal && _outcomeAcked || !_state.Exists) Passivate(); });
    }

    public static Props Props(string taskId, IActorRef jobs, IActorRef registry, TranscodeSettings settings,
        ChangeFeed? changes = null) =>
        Akka.Actor.Props.Create(() => new TaskEntity(taskId, jobs, registry, settings, changes));

    private sealed record RequestAgain;
    private sealed record SilenceCheck(int Attempt, long Generation);
    private sealed record ReportOutcome;
    private sealed record PublishDue;

    private long _aliveGeneration;
    private IActorRef? _purgeReplyTo;

    /// <summary>Retention, asked by its job: an ended task's events are deleted through the journal plugin.</summary>
    private void OnPurge()
    {
        if (_state.Exists && !_state.IsTerminal)
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
        _state = TaskEntityState.Empty;
        Timers.CancelAll();
        Passivate();
    }

    private void Resume()
    {
        if (!_state.Exists)
        {
            // Started by a message that is not StartTask (a stale report, a query): nothing to remember.
            Context.SetReceiveTimeout(_settings.IdlePassivation);
            return;
        }
        switch (_state.Status)
        {
            case TaskStatus.Pending: RequestWork(); break;
            // Give a still-running attempt (this entity moved or restarted) the chance to check in.
            case TaskStatus.Running: ArmSilence(_state.Attempts); break;
            default: ReportOutcomeToJob(); break;
        }
    }

    private void OnStart(StartTask m)
    {
        var sender = Sender;
        var events = _state.DecideCreate(m.Spec, m.Priority, m.JobCreatedAt, DateTimeOffset.UtcNow);
        PersistThen(events, () =>
        {
            sender.Tell(new TaskStartAck(m.Spec.JobId, m.Spec.Index));
            if (events.Count > 0) RequestWork();
            else if (_state.IsTerminal) ReportOutcomeToJob();
        });
    }

    private void RequestWork()
    {
        if (_state.Status != TaskStatus.Pending || !_state.Exists) return;
        _registry.Tell(new RequestWork(_taskId, _state.NextAttempt, _state.Spec!, _state.Priority, _state.JobCreatedAt,
            _state.FailedOn.Count > 0 ? _state.FailedOn.ToList() : null));
        Timers.StartSingleTimer("request", new RequestAgain(), _settings.RetryInterval);
    }

    private void OnAlive(AttemptAlive m)
    {
        if (_state.IsTerminal || (_state.Status == TaskStatus.Running && m.Attempt != _state.Attempts)
            || (_state.Status == TaskStatus.Pending && m.Attempt != _state.NextAttempt))
        {
            // An attempt this task no longer wants (re-queued, cancelled, or done elsewhere): stop it.
            Sender.Tell(new CancelAttempt(m.TaskId, m.Attempt));
            return;
        }
        if (_state.RunsElsewhere(m.Attempt, m.WorkerId))
        {
            // Stopped before it gets far: two copies would both rename their output into place, the late one
            // possibly after the job has moved it on, leaving a stray file behind.
            _log.Warning("task {0} attempt {1} also started on worker {2} while it runs on {3}: stopping that copy",
                _taskId, m.Attempt, m.WorkerId, _state.WorkerId);
            Sender.Tell(new CancelAttempt(m.TaskId, m.Attempt));
            return;
        }
        _runner = Sender;
        _percent = m.Percent;
        _speed = m.Speed;
        if (_state.Status == TaskStatus.Pending)
        {
            Timers.Cancel("request");
            PersistThen(_state.DecideStarted(m.Attempt, m.WorkerId, DateTimeOffset.UtcNow), () =>
                _jobs.Tell(new JobTaskStarted(_state.Spec!.JobId, _state.Spec.Index, m.Attempt, m.WorkerId)));
        }
        _jobs.Tell(new JobTaskProgress(_state.Spec!.JobId, _state.Spec.Index, m.Percent, m.Speed));
        // The attempt number comes from the message: on the first report AttemptStarted is not applied yet.
        ArmSilence(m.Attempt);
        // The first report is published once AttemptStarted is stored, as the running task it makes.
        if (_state.Status == TaskStatus.Running) LiveViewMoved();
    }

    /// <summary>Progress moved: publish now, or once the interval since the last publication has passed.</summary>
    private void LiveViewMoved()
    {
        var wait = _publishedAt + _settings.LiveViewInterval - DateTimeOffset.UtcNow;
        if (wait <= TimeSpan.Zero) PublishView();
        else if (!Timers.IsTimerActive("publish")) Timers.StartSingleTimer("publish", new PublishDue(), wait);
    }

    /// <summary>Announces the task's view (state, attempt, worker, progress) to live readers (<see cref="ChangeFeed"/>)
    /// when one of those changed.</summary>
    private void PublishView()
    {
        if (!_state.Exists) return;
        var spec = _state.Spec!;
        var status = _state.Status;
        var progress = Math.Round(status == TaskStatus.Succeeded ? 100 : _percent, 1);
        var key = (status, progress, _state.Attempts, _state.WorkerId);
        if (_published == key) return;
        Timers.Cancel("publish");
        _published = key;
        _publishedAt = DateTimeOffset.UtcNow;
        _changes.Publish(new TaskChanged(spec.JobId, new TaskView(_taskId, spec.Kind.Wire(), (int)status,
            TaskView.ResultOf((int)status), progress, _state.WorkerId, spec.FromTime, spec.ToTime, _state.Attempts,
            _state.LastError)));
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
        var events = _state.DecideLost(attempt, reason, _settings.TaskPolicy, DateTimeOffset.UtcNow);
        if (events.Count == 0) return;
        _log.Warning("task {TaskId} attempt {Attempt} lost: {Reason}", _taskId, attempt, reason);
        _runner?.Tell(new CancelAttempt(_taskId, attempt));
        _runner = null;
        _percent = 0;
        Timers.Cancel("silence");
        var startedAt = _state.UpdatedAt;
        PersistThen(events, () => AfterAttemptEnded(startedAt));
    }

    private void OnResult(AttemptResult m)
    {
        // Acknowledge even a stale result, so its runner stops re-sending it.
        Sender.Tell(new AttemptResultAck(m.TaskId, m.Attempt));
        if (_state.RunsElsewhere(m.Attempt, m.WorkerId)) return; // a second copy's result: the copy that counts reports its own
        var now = DateTimeOffset.UtcNow;
        var events = m.Success
            ? _state.DecideSucceeded(m.Attempt, now)
            : _state.DecideFailed(m.Attempt, m.Code ?? ErrorCode.Internal, m.Error ?? "ffmpeg failed", _settings.TaskPolicy, now);
        if (events.Count == 0)
        {
            if (m.Success && _state.Status == TaskStatus.Canceled) RemoveLateOutput();
            return;
        }
        Timers.Cancel("silence");
        _runner = null;
        // A source or value problem fails the same way on any worker: it says nothing about this one.
        _registry.Tell(new AttemptOutcome(m.WorkerId, _taskId, m.Attempt, m.Success,
            WorkerFault: !m.Success && m.Code is not (ErrorCode.SourceUnusable or ErrorCode.InvalidValue)));
        if (!m.Success) _log.Warning("task {TaskId} attempt {Attempt} failed on {WorkerId}: {Error}", _taskId, m.Attempt, m.WorkerId, m.Error);
        // While an attempt runs, the last event is its start (progress is not journaled).
        var startedAt = _state.UpdatedAt;
        PersistThen(events, () => AfterAttemptEnded(startedAt));
    }

    private void AfterAttemptEnded(DateTimeOffset attemptStartedAt)
    {
        if (_state.IsTerminal)
        {
            TranscodeMetrics.TaskDuration.Record((_state.UpdatedAt - attemptStartedAt).TotalSeconds,
                TranscodeMetrics.Tag("kind", _state.Spec!.Kind.Wire()),
                TranscodeMetrics.Tag("state", _state.Status.ToString().ToLowerInvariant()));
            ReportOutcomeToJob();
            return;
        }
        // Failures back off exponentially; a lost attempt goes straight back to the queue.
        var delay = _state.Failures == 0
            ? TimeSpan.Zero
            : TimeSpan.FromTicks(_settings.BaseRetryBackoff.Ticks * (1L << Math.Min(_state.Failures - 1, 6)));
        if (delay == TimeSpan.Zero) RequestWork();
        else Timers.StartSingleTimer("request", new RequestAgain(), delay);
    }

    private void OnCancel(CancelTask m)
    {
        var events = _state.DecideCancel(DateTimeOffset.UtcNow);
        if (events.Count == 0)
        {
            if (_state.IsTerminal) _outcomeAcked = true;
            Context.SetReceiveTimeout(_settings.IdlePassivation);
            return;
        }
        var attempt = _state.Attempts;
        var wasRunning = _state.Status == TaskStatus.Running;
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
        var spec = _state.Spec!;
        _log.Info("task {TaskId}: a result arrived after the task was cancelled; removing its output", _taskId);
        Task.Run(() =>
        {
            FileCleanup.Remove(null, spec.OutputPath);
            if (spec.Kind is TaskKind.Video or TaskKind.Audio)
                FileCleanup.TryDeleteEmptyDirectory(Path.GetDirectoryName(spec.OutputPath)!);
        });
    }

    private void ReportOutcomeToJob()
    {
        if (_outcomeAcked || !_state.IsTerminal || _state.Status == TaskStatus.Canceled) return;
        var spec = _state.Spec!;
        var ok = _state.Status == TaskStatus.Succeeded;
        _jobs.Tell(new JobTaskFinished(spec.JobId, spec.Index, _taskId, ok, ok ? null : _state.ErrorCode, ok ? null : _state.LastError));
        Timers.StartSingleTimer("report", new ReportOutcome(), _settings.RetryInterval);
    }

    private void OnOutcomeAcked()
    {
        _outcomeAcked = true;
        Timers.Cancel("report");
        Passivate();
    }

    private void PersistThen(IReadOnlyList<ITaskEvent> events, Action then)
    {
        if (events.Count == 0)
        {
            then();
            return;
        }
        var remaining = events.Count;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        PersistAll(events, e =>
        {
            _state = _state.Apply(e);
            if (--remaining > 0) return;
            // One write per batch: the journal stores a PersistAll atomically and calls the handlers right after.
            TranscodeMetrics.JournalWrite.Record(TranscodeMetrics.SecondsSince(started), JournalTag);
            PublishView();
            then();
        });
    }

    private static readonly KeyValuePair<string, object?> JournalTag = TranscodeMetrics.Tag("entity", "task");

    private void Passivate() => Context.Parent.Tell(new Passivate(PoisonPill.Instance));
}
