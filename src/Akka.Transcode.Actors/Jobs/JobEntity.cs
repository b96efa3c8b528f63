using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using Akka.Transcode.Actors.Feed;
using Akka.Transcode.Actors.Intake;
using Akka.Transcode.Actors.Tasks;
using Akka.Transcode.Actors.Telemetry;
using Akka.Transcode.Actors.Workers;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Media.Execution;
using Akka.Transcode.Media.Files;
using Failure = Akka.Transcode.Domain.Failure;

namespace Akka.Transcode.Actors.Jobs;

/// <summary>
/// One job: accepts it, probes and plans it, starts its tasks as their inputs become ready, follows their
/// progress, renames the finished output into place and ends the job. Every decision comes from
/// <see cref="JobEntityState"/>; this actor persists, applies and talks.
/// </summary>
public sealed class JobEntity : ReceivePersistentActor, IWithTimers
{
    /// <summary>Every job's persistence id starts so; the job list picks its events out of the journal by it.</summary>
    public const string PersistenceIdPrefix = "job-";

    private readonly string _jobId;
    private readonly IActorRef _tasks;
    private readonly IActorRef _registry;
    private readonly ISourceProber _prober;
    private readonly IJobCallback _callback;
    private readonly ChangeFeed _changes;
    private readonly IActorRef _starter;
    private readonly IOutputPublisher _publisher;
    private readonly TranscodeSettings _settings;
    private readonly ILoggingAdapter _log;

    private JobEntityState _state = JobEntityState.Empty;
    private readonly Dictionary<int, double> _taskPercent = new();
    private readonly Dictionary<int, double?> _taskSpeed = new();
    private readonly HashSet<int> _startAcked = new();
    private bool _planning;
    private bool _finalizing;
    private (DateTimeOffset At, double Progress)? _progressOrigin;
    private double? _lastSpeed;
    private DateTimeOffset _publishedAt = DateTimeOffset.MinValue;
    private (JobState State, double Progress, double? Speed, int Tasks, int Done)? _published;

    public override string PersistenceId { get; }
    /// <summary>No snapshots are ever saved: recovering from the journal alone spares every start of the entity (each
    /// new job, and each read after it passivated) a query through the single snapshot-store actor.</summary>
    public override Recovery Recovery => NoSnapshots;
    private static readonly Recovery NoSnapshots = new(SnapshotSelectionCriteria.None);
    public ITimerScheduler Timers { get; set; } = null!;

    public const int MaxCallbackTries = 5;
    private int _callbackTries;
    private bool _calling;

    public JobEntity(string jobId, IActorRef tasks, IActorRef registry, ISourceProber prober, TranscodeSettings settings,
        IJobCallback? callback = null, ChangeFeed? changes = null, IActorRef? starter = null, IOutputPublisher? publisher = null)
    {
        _publisher = publisher ?? new OutputPublisher(roots: null);
        _starter = starter ?? ActorRefs.Nobody;
        _callback = callback ?? NoJobCallback.Instance;
        _changes = changes ?? ChangeFeed.None;
        _jobId = jobId;
        // Every line this entity logs carries the job id as a property (JSON logs: State.JobId).
        _log = Context.GetLogger().WithContext("JobId", jobId);
        _tasks = tasks;
        _registry = registry;
        _prober = prober;
        _settings = settings;
        PersistenceId = PersistenceIdPrefix + jobId;

        Recover<IJobEvent>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ =>
        {
            // Where a job lives is otherwise invisible: after a fail-over or a hand-off this says where it went. A job
            // the intake stored has only its submission: this first start is where a node takes it.
            if (_state.Exists && LastSequenceNr == 1 && _state.State == JobState.Init)
                _log.Info("job {JobId} accepted on this node", _jobId);
            else if (_state.Exists)
                _log.Info("job {JobId} recovered on this node: {State}, {TasksDone} of {TaskCount} task(s) done", _jobId,
                    _state.State.ToString().ToUpperInvariant(), _state.Completed.Count, _state.Tasks.Count);
            Resume();
        });

        Command<SubmitJob>(OnSubmit);
        Command<GetJob>(OnGet);
        Command<StartJob>(OnStart);
        Command<CancelJob>(OnCancel);
        Command<PlanReady>(OnPlanReady);
        Command<PlanFailed>(m => { _planning = false; Fail(m.Failure.Code, m.Failure.Message); });
        Command<TaskStartAck>(m => _startAcked.Add(m.Index));
        Command<ResendStarts>(_ => StartRunnableTasks());
        Command<JobTaskStarted>(OnTaskStarted);
        Command<JobTaskProgress>(OnTaskProgress);
        Command<JobTaskFinished>(OnTaskFinished);
        Command<FinalizeDone>(OnFinalizeDone);
        Command<CallAgain>(_ => Call());
        Command<CallResult>(OnCallResult);
        Command<TimedOut>(_ => OnTimedOut());
        Command<PublishDue>(_ => PublishView());
        Command<PurgeJob>(_ => OnPurge());
        Command<TasksPurged>(OnTasksPurged);
        Command<DeleteMessagesSuccess>(_ => OnPurged(null));
        Command<DeleteMessagesFailure>(f => OnPurged("deleting its events failed: " + f.Cause.Message));
        // An ended job stays until its callback is done: passivating would forget it (remember-entities).
        Command<ReceiveTimeout>(_ => { if (!_state.CallbackPending) Passivate(); });
    }

    public static Props Props(string jobId, IActorRef tasks, IActorRef registry, ISourceProber prober,
        TranscodeSettings settings, IJobCallback? callback = null, ChangeFeed? changes = null, IActorRef? starter = null,
        IOutputPublisher? publisher = null) =>
        Akka.Actor.Props.Create(() => new JobEntity(jobId, tasks, registry, prober, settings, callback, changes, starter, publisher));

    private sealed record PlanReady(JobPlan Plan);
    private sealed record PlanFailed(Failure Failure);
    private sealed record ResendStarts;
    private sealed record FinalizeDone(Failure? Failure, string OutputPath);
    private sealed record CallAgain;
    private sealed record CallResult(bool Delivered, string? Error);
    private sealed record TimedOut;
    private sealed record PublishDue;
    private sealed record TasksPurged(bool AllPurged, string? Error);

    private IActorRef? _purgeReplyTo;

    /// <summary>After a restart or on first submission: pick the job up wherever it stands.</summary>
    private void Resume()
    {
        if (!_state.Exists) return;
        if (_state.IsTerminal)
        {
            Ended();
            return;
        }
        // The starter counts it against its window, whoever started it (a job submitted to its entity directly
        // never passed the queue).
        _starter.Tell(new JobRunning(_jobId));
        ArmTimeout();
        if (!_state.IsPlanned) StartPlanning();
        else if (_state.ReadyToPublish) StartFinalize();
        else StartRunnableTasks();
    }

    private TimeSpan? Timeout => _state.Spec!.TimeoutSeconds > 0 ? TimeSpan.FromSeconds(_state.Spec.TimeoutSeconds) : _settings.JobTimeout;

    /// <summary>Counted from acceptance, so a job that moved to another node or was recovered keeps its deadline.</summary>
    private void ArmTimeout()
    {
        if (Timeout is not { } timeout || Timers.IsTimerActive("timeout")) return;
        var left = _state.CreatedAt + timeout - DateTimeOffset.UtcNow;
        Timers.StartSingleTimer("timeout", new TimedOut(), left > TimeSpan.Zero ? left : TimeSpan.Zero);
    }

    private void OnTimedOut()
    {
        if (!_state.Exists || _state.IsTerminal) return;
        var message = $"timed out: not finished within {Timeout!.Value.TotalSeconds:0.#} s of being accepted " +
                      $"({_state.Completed.Count} of {_state.Tasks.Count} task(s) done); its tasks were stopped";
        if (_state.DecideTimedOut(message, DateTimeOffset.UtcNow).Count == 0)
        {
            _log.Info("job {JobId} reached its timeout while its output is put in place: it finishes", _jobId);
            return;
        }
        Fail(ErrorCode.Unavailable, message);
    }

    private void OnSubmit(SubmitJob m)
    {
        var decision = _state.DecideSubmit(_jobId, m.Spec, DateTimeOffset.UtcNow);
        if (!decision.IsOk)
        {
            Sender.Tell(new JobCommandReply(_jobId, decision.Error));
            return;
        }
        var sender = Sender;
        PersistThen(decision.Value!, () =>
        {
            sender.Tell(new JobCommandReply(_jobId, null));
            if (decision.Value!.Count == 0) return;
            _log.Info("job {JobId} accepted on this node", _jobId);
            Resume();
        });
    }

    /// <summary>The job starter's call. Starting is the whole work (recovery resumed the job); it learns what is here.</summary>
    private void OnStart(StartJob m)
    {
        Sender.Tell(new JobStartReply(_jobId, _state.Exists, _state.IsTerminal));
        if (!_state.Exists) Passivate();
    }

    private void OnGet(GetJob m)
    {
        if (!_state.Exists)
        {
            Sender.Tell(new GetJobReply(null, new Failure(ErrorCode.NotFound, $"job {_jobId} not found")));
            Passivate();
            return;
        }
        if (!m.Detail)
        {
            Sender.Tell(new GetJobReply(View(null), null));
            return;
        }
        // Task details (attempts, worker) live in the task entities; ask them all, answer once.
        var sender = Sender;
        var tasks = _state.Tasks;
        var timeout = TimeSpan.FromSeconds(3);
        var view = View(null);
        var completed = _state.Completed;
        var percents = new Dictionary<int, double>(_taskPercent);
        Task.WhenAll(tasks.Select(t => _tasks.Ask<GetTaskReply>(new GetTask(t.TaskId), timeout)
                .ContinueWith(r => r.IsCompletedSuccessfully ? r.Result : null)))
            .ContinueWith(r => new GetJobReply(view with { Tasks = TaskViews(tasks, r.Result, completed, percents) }, null))
            .PipeTo(sender);
    }

    // Static: it runs on a continuation thread, so it sees only the snapshot it is given.
    private static IReadOnlyList<TaskView> TaskViews(IReadOnlyList<TaskSpec> specs, GetTaskReply?[] replies,
        IReadOnlySet<int> completed, IReadOnlyDictionary<int, double> percents) =>
        specs.Select((t, i) =>
        {
            var r = replies[i];
            var done = completed.Contains(t.Index);
            var status = r?.State ?? (done ? (int)Domain.Tasks.TaskStatus.Succeeded : (int)Domain.Tasks.TaskStatus.Pending);
            var result = TaskView.ResultOf(status);
            var progress = status == (int)Domain.Tasks.TaskStatus.Succeeded ? 100 : r?.Progress ?? percents.GetValueOrDefault(t.Index);
            return new TaskView(t.TaskId, t.Kind.Wire(), status, result, Math.Round(progress, 1), r?.WorkerId,
                t.FromTime, t.ToTime, r?.Attempts ?? 0, r?.Error);
        }).ToList();

    private void OnCancel(CancelJob m)
    {
        if (!_state.Exists)
        {
            Sender.Tell(new JobCommandReply(_jobId, new Failure(ErrorCode.NotFound, $"job {_jobId} not found")));
            Passivate();
            return;
        }
        var decision = _state.DecideCancel(DateTimeOffset.UtcNow);
        if (!decision.IsOk)
        {
            Sender.Tell(new JobCommandReply(_jobId, decision.Error));
            return;
        }
        var sender = Sender;
        PersistThen(decision.Value!, () =>
        {
            CancelOutstandingTasks();
            CleanupFiles();
            sender.Tell(new JobCommandReply(_jobId, null));
            _log.Info("job {JobId} canceled", _jobId);
            RecordEnd();
            Ended();
        });
    }

    private void StartPlanning()
    {
        if (_planning) return;
        _planning = true;
        var spec = _state.Spec!;
        var jobId = _jobId;
        var prober = _prober;
        var registry = _registry;
        var maxTask = _settings.MaxTaskSeconds;
        async Task<object> Plan()
        {
            // Content ids are computed once per job, beside the probe: workers check their inputs against them and
            // workers without shared storage fetch the inputs by them.
            var ids = FileIdsAsync(prober, spec);
            // The key frames come from a second ffprobe beside the first, so chunks can seek straight to them.
            var keyframes = TaskPlanner.MayEncodeVideo(spec)
                ? prober.KeyframesAsync(spec.SourcePath, CancellationToken.None)
                : Task.FromResult<IReadOnlyList<double>?>(null);
            var probe = await prober.ProbeAsync(spec.SourcePath, CancellationToken.None);
            if (!probe.IsOk) return new PlanFailed(probe.Error!);
            var media = probe.Value! with { Keyframes = probe.Value!.Video is null ? null : await keyframes };
            (IReadOnlyDictionary<string, string> Ids, IReadOnlyDictionary<string, string> Stamps) fileIds;
            try { fileIds = await ids; }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return new PlanFailed(new Failure(ErrorCode.SourceUnusable, $"an input of the job cannot be read: {ex.Message}"));
            }
            // Chunks are sized for the pieces the workers registered now can run at once on cores of their own; an
            // unreachable registry just means one piece.
            var slots = 1;
            try
            {
                var workers = await registry.Ask<WorkersSnapshot>(GetWorkers.Instance, FixedTimeouts.RegistryQuery);
                slots = workers.Lanes(spec.Output.VideoCodec);
            }
            catch (AskTimeoutException) { /* no registry yet: plan for one slot */ }
            var plan = TaskPlanner.Plan(jobId, spec, media, new PlanningOptions(maxTask, slots));
            if (!plan.IsOk) return new PlanFailed(plan.Error!);
            var tasks = plan.Value!.Tasks.Select(t => t with { FileIds = fileIds.Ids, FileStamps = fileIds.Stamps }).ToList();
            return new PlanReady(plan.Value with { Tasks = tasks });
        }
        Plan().PipeTo(Self, failure: ex => new PlanFailed(new Failure(ErrorCode.Internal, "planning failed: " + ex.Message)));
    }

    private static async Task<(IReadOnlyDictionary<string, string>, IReadOnlyDictionary<string, string>)> FileIdsAsync(
        ISourceProber prober, JobSpec spec)
    {
        var paths = new List<string> { spec.SourcePath };
        if (spec.MapPath is not null) paths.Add(spec.MapPath);
        paths.AddRange(spec.MapTables.Select(t => t.Path));
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        var stamps = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in paths.Distinct())
        {
            // Stamped before it is hashed: a change while hashing leaves a stamp that no longer matches, so workers
            // hash the file themselves and find out.
            var stamp = Media.Hashing.FileStamp.Of(path);
            ids[path] = await prober.ContentIdAsync(path, CancellationToken.None);
            if (stamp is { } s) stamps[path] = s.Text;
        }
        return (ids, stamps);
    }

    private void OnPlanReady(PlanReady m)
    {
        _planning = false;
        PersistThen(_state.DecidePlanned(m.Plan, DateTimeOffset.UtcNow), StartRunnableTasks);
    }

    private void StartRunnableTasks()
    {
        if (_state.IsTerminal || !_state.IsPlanned) return;
        var waiting = false;
        foreach (var task in _state.RunnableTasks())
        {
            if (_startAcked.Contains(task.Index)) continue;
            _tasks.Tell(new StartTask(task.TaskId, task, _state.Spec!.Priority, _state.CreatedAt));
            waiting = true;
        }
        if (waiting) Timers.StartSingleTimer("resend-starts", new ResendStarts(), _settings.RetryInterval);
    }

    private void OnTaskStarted(JobTaskStarted m)
    {
        if (_state.IsTerminal)
        {
            // A task that missed its cancel is still running: tell it again.
            _tasks.Tell(new CancelTask(TaskPlanner.TaskId(_jobId, m.Index)));
            return;
        }
        _startAcked.Add(m.Index);
        PersistThen(_state.DecideTaskStarted(DateTimeOffset.UtcNow), () => { });
    }

    private void OnTaskProgress(JobTaskProgress m)
    {
        if (_state.IsTerminal || !_state.IsPlanned) return;
        _taskPercent[m.Index] = Math.Max(_taskPercent.GetValueOrDefault(m.Index), m.Percent);
        _taskSpeed[m.Index] = m.Speed;
        var now = DateTimeOffset.UtcNow;
        var progress = _state.ComputeProgress(_taskPercent);
        _progressOrigin ??= (now, progress);
        if (_state.State == JobState.Ready)
            PersistThen(_state.DecideTaskStarted(now), () => { });
        PersistThen(_state.DecideProgress(progress, _settings.ProgressStep, now), () => { });
        LiveViewMoved();
    }

    /// <summary>Progress or speed moved: publish now, or once the interval since the last publication has passed
    /// (then with the newest figures), so a job with many busy tasks stays at a few publications a second.</summary>
    private void LiveViewMoved()
    {
        var wait = _publishedAt + _settings.LiveViewInterval - DateTimeOffset.UtcNow;
        if (wait <= TimeSpan.Zero) PublishView();
        else if (!Timers.IsTimerActive("publish")) Timers.StartSingleTimer("publish", new PublishDue(), wait);
    }

    /// <summary>
    /// Announces the job's view to live readers (<see cref="ChangeFeed"/>) when something they show changed: a
    /// progress checkpoint persisted right after the same figure went out live is not sent twice.
    /// </summary>
    private void PublishView()
    {
        if (!_state.Exists) return;
        var view = View(null);
        var key = (view.Summary.State, view.Summary.Progress, view.Speed, view.Summary.TaskCount, view.Summary.CompletedTasks.Count);
        if (_published == key) return;
        Timers.Cancel("publish");
        _published = key;
        _publishedAt = DateTimeOffset.UtcNow;
        _changes.Publish(new JobChanged(view));
    }

    private void OnTaskFinished(JobTaskFinished m)
    {
        Sender.Tell(new JobTaskFinishedAck(m.TaskId));
        _taskSpeed.Remove(m.Index);
        if (_state.IsTerminal)
        {
            // A task that finished after its job was cancelled or failed wrote its output after the job's cleanup.
            if (_state.State != JobState.Completed && m.Success) CleanupFiles();
            return;
        }
        var now = DateTimeOffset.UtcNow;
        if (!m.Success)
        {
            var kind = m.Index < _state.Tasks.Count ? _state.Tasks[m.Index].Kind.Wire() : "?";
            Fail(m.Code ?? ErrorCode.Internal, $"{kind} task {m.TaskId} failed: {m.Error}");
            return;
        }
        _taskPercent[m.Index] = 100;
        PersistThen(_state.DecideTaskCompleted(m.Index, now), () =>
        {
            if (_state.AllTasksDone) StartFinalize();
            else StartRunnableTasks();
        });
    }

    /// <summary>
    /// The output appears under its real name only now, complete: readers never see a partial file. Finishing is stored
    /// first, so a cancel or a timeout that arrives during the rename is refused rather than leaving an ended job
    /// with its output in place; the rename itself runs off the actor, in the publisher.
    /// </summary>
    private void StartFinalize()
    {
        if (_finalizing || !_state.ReadyToPublish) return;
        _finalizing = true;
        PersistThen(_state.DecideFinishing(DateTimeOffset.UtcNow), () =>
        {
            var spec = _state.Spec!;
            var publication = new OutputPublication(_state.TempOutputPath!, spec.OutputPath(), spec.Overwrite, _state.WorkDir);
            _publisher.PublishAsync(publication, CancellationToken.None).PipeTo(Self,
                success: r => new FinalizeDone(r.Error, publication.OutputPath),
                failure: ex => new FinalizeDone(new Failure(ErrorCode.Internal, "renaming the output failed: " + ex.Message),
                    publication.OutputPath));
        });
    }

    private void OnFinalizeDone(FinalizeDone m)
    {
        _finalizing = false;
        if (m.Failure is not null)
        {
            Fail(m.Failure.Code, m.Failure.Message);
            return;
        }
        var completed = _state.DecideCompleted(m.OutputPath, DateTimeOffset.UtcNow);
        PersistThen(completed, () =>
        {
            if (completed.Count > 0)
            {
                _log.Info("job {JobId} completed: {OutputPath}", _jobId, m.OutputPath);
                RecordEnd();
            }
            Ended();
        });
    }

    private void Fail(ErrorCode code, string message)
    {
        var failed = _state.DecideFailed(code, message, DateTimeOffset.UtcNow);
        PersistThen(failed, () =>
        {
            // Only the failure that ended the job is logged and counted; a later one changes nothing.
            if (failed.Count > 0)
            {
                _log.Warning("job {JobId} failed ({ErrCode}): {Error}", _jobId, (int)code, message);
                RecordEnd();
            }
            CancelOutstandingTasks();
            CleanupFiles();
            Ended();
        });
    }

    /// <summary>The job is over: call the client back if it asked, then passivate when idle.</summary>
    private void Ended()
    {
        // Its place in the starter's window is free (the starter also finds this in the job list, a moment later).
        _starter.Tell(new JobEnded(_jobId));
        Context.SetReceiveTimeout(_settings.IdlePassivation);
        Call();
    }

    private void Call()
    {
        if (!_state.CallbackPending || _calling) return;
        _calling = true;
        _callbackTries++;
        var url = _state.Spec!.CallbackUrl!;
        _callback.SendAsync(url, View(null), CancellationToken.None)
            .PipeTo(Self, success: ok => new CallResult(ok, ok ? null : "the receiver did not answer 2xx"),
                failure: ex => new CallResult(false, ex.Message));
    }

    private void OnCallResult(CallResult m)
    {
        _calling = false;
        if (!m.Delivered && _callbackTries < MaxCallbackTries)
        {
            // 1, 2, 4, 8 s: a receiver that is restarting gets a fair chance.
            Timers.StartSingleTimer("callback", new CallAgain(), _settings.BaseRetryBackoff * (1 << (_callbackTries - 1)));
            return;
        }
        if (!m.Delivered) _log.Warning("job {JobId}: callback to {CallbackUrl} failed {Tries} times, giving up: {Error}", _jobId, Domain.Callbacks.CallbackAddressPolicy.Redact(_state.Spec!.CallbackUrl!), _callbackTries, m.Error);
        PersistThen(_state.DecideCallbackDone(m.Delivered, m.Error, DateTimeOffset.UtcNow), () => { });
    }

    private void CancelOutstandingTasks()
    {
        foreach (var t in _state.Tasks)
            if (!_state.Completed.Contains(t.Index))
                _tasks.Tell(new CancelTask(t.TaskId));
    }

    private void CleanupFiles()
    {
        var workDir = _state.WorkDir;
        var temp = _state.TempOutputPath;
        if (workDir is null && temp is null) return;
        _publisher.DiscardAsync(workDir, temp);
    }

    /// <summary>
    /// Retention: an ended job is forgotten, its tasks first (a task left behind would report to a job that no longer
    /// exists), then its own events, through the journal plugin. The sweeper then removes its list row; until the
    /// entity stops it answers as a job that does not exist.
    /// </summary>
    private void OnPurge()
    {
        var ids = new List<string> { PersistenceId };
        ids.AddRange(_state.Tasks.Select(t => TaskEntity.PersistenceIdPrefix + t.TaskId));
        if (!_state.Exists)
        {
            // Nothing to delete (never stored, or purged before): the sweeper may still hold its row and marker rows.
            Sender.Tell(new JobPurged(_jobId, true, ids, null));
            Passivate();
            return;
        }
        if (!_state.IsTerminal || _state.CallbackPending || _finalizing || _purgeReplyTo is not null)
        {
            Sender.Tell(new JobPurged(_jobId, false, [], "the job has not ended (or its callback is pending)"));
            return;
        }
        _purgeReplyTo = Sender;
        var tasks = _tasks;
        var timeout = TimeSpan.FromSeconds(10);
        Task.WhenAll(_state.Tasks.Select(t => tasks.Ask<TaskPurged>(new PurgeTask(t.TaskId), timeout)))
            .PipeTo(Self, success: r => new TasksPurged(r.All(p => p.Purged), r.All(p => p.Purged) ? null : "a task has not ended"),
                failure: e => new TasksPurged(false, "a task did not answer: " + e.GetBaseException().Message));
    }

    private void OnTasksPurged(TasksPurged m)
    {
        if (_purgeReplyTo is null) return;
        if (!m.AllPurged)
        {
            OnPurged(m.Error);
            return;
        }
        DeleteMessages(LastSequenceNr);
    }

    private void OnPurged(string? error)
    {
        if (_purgeReplyTo is not { } replyTo) return;
        _purgeReplyTo = null;
        if (error is not null)
        {
            _log.Warning("job {JobId}: purging it failed, the next sweep retries: {Error}", _jobId, error);
            replyTo.Tell(new JobPurged(_jobId, false, [], error));
            return;
        }
        var ids = new List<string> { PersistenceId };
        ids.AddRange(_state.Tasks.Select(t => TaskEntity.PersistenceIdPrefix + t.TaskId));
        _state = JobEntityState.Empty;
        Timers.CancelAll();
        Context.SetReceiveTimeout(null);
        replyTo.Tell(new JobPurged(_jobId, true, ids, null));
        Passivate();
    }

    private JobView View(IReadOnlyList<TaskView>? tasks)
    {
        var running = _state.State == JobState.InProgress;
        var progress = _state.ComputeProgress(_taskPercent);
        double? speed = null, eta = null;
        if (running)
        {
            // Between tasks (a new ffmpeg warming up) no speed is known: show the last one rather than none.
            var speeds = _taskSpeed.Values.Where(s => s is > 0).Select(s => s!.Value).ToList();
            if (speeds.Count > 0) _lastSpeed = Math.Round(speeds.Sum(), 2);
            speed = _lastSpeed;
            if (_progressOrigin is { } origin && progress > origin.Progress)
            {
                var rate = (progress - origin.Progress) / (DateTimeOffset.UtcNow - origin.At).TotalSeconds;
                if (rate > 0) eta = Math.Round((100 - progress) / rate, 1);
            }
        }
        return new JobView(_state.ToSummary(Math.Round(progress, 1)), eta, speed, tasks);
    }

    /// <summary>The job just ended here (not on recovery): its duration, by end state.</summary>
    private void RecordEnd() =>
        TranscodeMetrics.JobDuration.Record((_state.UpdatedAt - _state.CreatedAt).TotalSeconds,
            TranscodeMetrics.Tag("state", _state.State.ToString().ToLowerInvariant()));

    private void PersistThen(IReadOnlyList<IJobEvent> events, Action then)
    {
        if (events.Count == 0)
        {
            then();
            return;
        }
        var remaining = events.Count;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        // Untagged on purpose: Akka.Persistence.Sql inserts a tagged row on its own (to learn its ordering for the tag
        // table) where untagged rows of many entities go in one multi-row insert. The job list finds job events by
        // their persistence id instead (JournalTail).
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

    private static readonly KeyValuePair<string, object?> JournalTag = TranscodeMetrics.Tag("entity", "job");

    private void Passivate() => Context.Parent.Tell(new Passivate(PoisonPill.Instance));
}
