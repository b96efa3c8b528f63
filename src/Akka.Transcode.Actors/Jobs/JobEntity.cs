using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Akka.Transcode.Actors.Common;
using Akka.Transcode.Actors.Feed;
using Akka.Transcode.Actors.Intake;
using Akka.Transcode.Actors.Tasks;
using Akka.Transcode.Actors.Telemetry;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Media.Execution;
using Akka.Transcode.Media.Files;
using Akka.Transcode.Media.Packaging;
using Failure = Akka.Transcode.Domain.Failure;

namespace Akka.Transcode.Actors.Jobs;

/// <summary>
/// One job: persists its events and decides through <see cref="JobEntityState"/>; the steps that take time run in
/// children it spawns for one step each (<see cref="JobPlanner"/>, <see cref="OutputFinaliser"/>,
/// <see cref="CallbackDeliverer"/>), which answer with one message. It starts the job's tasks as their inputs become
/// ready, follows their progress (<see cref="JobProgress"/>) and ends the job, on time or at its deadline.
/// </summary>
public sealed class JobEntity : EventSourcedEntity<JobEntityState, IJobEvent>
{
    /// <summary>Every job's persistence id starts so; the job list picks its events out of the journal by it.</summary>
    public const string PersistenceIdPrefix = "job-";

    // The children's names: while one lives, its step is under way.
    private const string PlannerName = "planner";
    private const string FinaliserName = "finaliser";
    private const string CallbackName = "callback";

    private readonly string _jobId;
    private readonly IActorRef _tasks;
    private readonly IActorRef _registry;
    private readonly ISourceProber _prober;
    private readonly IJobCallback _callback;
    private readonly ChangeFeed _changes;
    private readonly IActorRef _starter;
    private readonly IOutputPublisher _publisher;
    private readonly IOutputPackager? _packager;
    private readonly TranscodeSettings _settings;
    private readonly ILoggingAdapter _log;

    /// <summary>What this incarnation knows beside the journal: lost on a restart, rebuilt from the tasks' reports.</summary>
    /// <param name="StartAcked">Tasks that took their StartTask: not sent again.</param>
    /// <param name="PurgeReplyTo">The sweeper waiting for a purge under way.</param>
    private sealed record Transient(JobProgress Progress, ImmutableHashSet<int> StartAcked, IActorRef? PurgeReplyTo)
    {
        public static readonly Transient None = new(JobProgress.None, [], null);
    }

    private Transient _now = Transient.None;

    public JobEntity(string jobId, IActorRef tasks, IActorRef registry, ISourceProber prober, TranscodeSettings settings,
        IJobCallback? callback = null, ChangeFeed? changes = null, IActorRef? starter = null, IOutputPublisher? publisher = null,
        IOutputPackager? packager = null)
        : base(PersistenceIdPrefix + jobId, JobEntityState.Empty, "job", settings.LiveViewInterval)
    {
        _publisher = publisher ?? new OutputPublisher(roots: null);
        _packager = packager;
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

        Recover<RecoveryCompleted>(_ =>
        {
            // Where a job lives is otherwise invisible: after a fail-over or a hand-off this says where it went. A job
            // the intake stored has only its submission: this first start is where a node takes it.
            if (State.Exists && LastSequenceNr == 1 && State.State == JobState.Init)
                _log.Info("job {JobId} accepted on this node", _jobId);
            else if (State.Exists)
                _log.Info("job {JobId} recovered on this node: {State}, {TasksDone} of {TaskCount} task(s) done", _jobId,
                    State.State.ToString().ToUpperInvariant(), State.Completed.Count, State.Tasks.Count);
            Resume();
        });

        Command<SubmitJob>(OnSubmit);
        Command<GetJob>(OnGet);
        Command<StartJob>(OnStart);
        Command<CancelJob>(OnCancel);
        Command<PlanReady>(OnPlanReady);
        Command<PlanFailed>(m => Fail(m.Failure.Code, m.Failure.Message));
        Command<TaskStartAck>(m => _now = _now with { StartAcked = _now.StartAcked.Add(m.Index) });
        Command<ResendStarts>(_ => StartRunnableTasks());
        Command<JobTaskStarted>(OnTaskStarted);
        Command<JobTaskProgress>(OnTaskProgress);
        Command<JobTaskFinished>(OnTaskFinished);
        Command<OutputPublished>(OnOutputPublished);
        Command<CallbackFinished>(OnCallbackFinished);
        Command<TimedOut>(_ => OnTimedOut());
        Command<PurgeJob>(_ => OnPurge());
        Command<TasksPurged>(OnTasksPurged);
        Command<DeleteMessagesSuccess>(_ => OnPurged(null));
        Command<DeleteMessagesFailure>(f => OnPurged("deleting its events failed: " + f.Cause.Message));
        // An ended job stays until its callback is done: passivating would forget it (remember-entities).
        Command<ReceiveTimeout>(_ => { if (!State.CallbackPending) Passivate(); });
    }

    public static Props Props(string jobId, IActorRef tasks, IActorRef registry, ISourceProber prober,
        TranscodeSettings settings, IJobCallback? callback = null, ChangeFeed? changes = null, IActorRef? starter = null,
        IOutputPublisher? publisher = null, IOutputPackager? packager = null) =>
        Akka.Actor.Props.Create(() => new JobEntity(jobId, tasks, registry, prober, settings, callback, changes, starter, publisher,
            packager));

    protected override JobEntityState Apply(JobEntityState state, IJobEvent e) => state.Apply(e);

    // Timers: they never leave this actor.
    private sealed record ResendStarts;
    private sealed record TimedOut;

    private bool Running(string child) => !Context.Child(child).IsNobody();

    /// <summary>After a restart or on first submission: pick the job up wherever it stands.</summary>
    private void Resume()
    {
        if (!State.Exists) return;
        if (State.IsTerminal)
        {
            Ended();
            return;
        }
        // The starter counts it against its window, whoever started it (a job submitted to its entity directly
        // never passed the queue).
        _starter.Tell(new JobRunning(_jobId));
        ArmTimeout();
        if (!State.IsPlanned) StartPlanning();
        else if (State.ReadyToPublish) StartFinalize();
        else StartRunnableTasks();
    }

    private TimeSpan? Timeout => State.Spec!.TimeoutSeconds > 0 ? TimeSpan.FromSeconds(State.Spec.TimeoutSeconds) : _settings.JobTimeout;

    /// <summary>Counted from acceptance, so a job that moved to another node or was recovered keeps its deadline.</summary>
    private void ArmTimeout()
    {
        if (Timeout is not { } timeout || Timers.IsTimerActive("timeout")) return;
        var left = State.CreatedAt + timeout - DateTimeOffset.UtcNow;
        Timers.StartSingleTimer("timeout", new TimedOut(), left > TimeSpan.Zero ? left : TimeSpan.Zero);
    }

    private void OnTimedOut()
    {
        if (!State.Exists || State.IsTerminal) return;
        var message = $"timed out: not finished within {Timeout!.Value.TotalSeconds:0.#} s of being accepted " +
                      $"({State.Completed.Count} of {State.Tasks.Count} task(s) done); its tasks were stopped";
        if (State.DecideTimedOut(message, DateTimeOffset.UtcNow).Count == 0)
        {
            _log.Info("job {JobId} reached its timeout while its output is put in place: it finishes", _jobId);
            return;
        }
        Fail(ErrorCode.Unavailable, message);
    }

    private void OnSubmit(SubmitJob m)
    {
        var decision = State.DecideSubmit(_jobId, m.Spec, DateTimeOffset.UtcNow);
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
        Sender.Tell(new JobStartReply(_jobId, State.Exists, State.IsTerminal));
        if (!State.Exists) Passivate();
    }

    private void OnGet(GetJob m)
    {
        if (!State.Exists)
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
        var tasks = State.Tasks;
        var timeout = TimeSpan.FromSeconds(3);
        var view = View(null);
        var completed = State.Completed;
        var percents = _now.Progress.TaskPercent;
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
        if (!State.Exists)
        {
            Sender.Tell(new JobCommandReply(_jobId, new Failure(ErrorCode.NotFound, $"job {_jobId} not found")));
            Passivate();
            return;
        }
        var decision = State.DecideCancel(DateTimeOffset.UtcNow);
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

    /// <summary>Planning takes probes and a registry call: its child does them and answers once.</summary>
    private void StartPlanning()
    {
        if (Running(PlannerName)) return;
        Context.ActorOf(JobPlanner.Props(_jobId, State.Spec!, _prober, _registry, _settings.MaxTaskSeconds), PlannerName);
    }

    private void OnPlanReady(PlanReady m)
    {
        PersistThen(State.DecidePlanned(m.Plan, DateTimeOffset.UtcNow), StartRunnableTasks);
    }

    private void StartRunnableTasks()
    {
        if (State.IsTerminal || !State.IsPlanned) return;
        var waiting = false;
        foreach (var task in State.RunnableTasks())
        {
            if (_now.StartAcked.Contains(task.Index)) continue;
            _tasks.Tell(new StartTask(task.TaskId, task, State.Spec!.Priority, State.CreatedAt));
            waiting = true;
        }
        if (waiting) Timers.StartSingleTimer("resend-starts", new ResendStarts(), _settings.RetryInterval);
    }

    private void OnTaskStarted(JobTaskStarted m)
    {
        if (State.IsTerminal)
        {
            // A task that missed its cancel is still running: tell it again.
            _tasks.Tell(new CancelTask(TaskPlanner.TaskId(_jobId, m.Index)));
            return;
        }
        _now = _now with { StartAcked = _now.StartAcked.Add(m.Index) };
        PersistThen(State.DecideTaskStarted(DateTimeOffset.UtcNow), () => { });
    }

    private void OnTaskProgress(JobTaskProgress m)
    {
        if (State.IsTerminal || !State.IsPlanned) return;
        var now = DateTimeOffset.UtcNow;
        var reported = _now.Progress.Reported(m.Index, m.Percent, m.Speed);
        var progress = State.ComputeProgress(reported.TaskPercent);
        _now = _now with { Progress = reported.Measured(progress, now) };
        if (State.State == JobState.Ready)
            PersistThen(State.DecideTaskStarted(now), () => { });
        PersistThen(State.DecideProgress(progress, _settings.ProgressStep, now), () => { });
        LiveViewMoved();
    }

    protected override (object Key, Action Announce)? LiveView()
    {
        if (!State.Exists) return null;
        var view = View(null);
        return ((view.Summary.State, view.Summary.Progress, view.Speed, view.Summary.TaskCount, view.Summary.CompletedTasks.Count),
            () => _changes.Publish(new JobChanged(view)));
    }

    private void OnTaskFinished(JobTaskFinished m)
    {
        Sender.Tell(new JobTaskFinishedAck(m.TaskId));
        _now = _now with { Progress = _now.Progress.TaskEnded(m.Index) };
        if (State.IsTerminal)
        {
            // A task that finished after its job was cancelled or failed wrote its output after the job's cleanup.
            if (State.State != JobState.Completed && m.Success) CleanupFiles();
            return;
        }
        var now = DateTimeOffset.UtcNow;
        if (!m.Success)
        {
            var kind = m.Index < State.Tasks.Count ? State.Tasks[m.Index].Kind.Wire() : "?";
            Fail(m.Code ?? ErrorCode.Internal, $"{kind} task {m.TaskId} failed: {m.Error}");
            return;
        }
        _now = _now with { Progress = _now.Progress.TaskCompleted(m.Index) };
        PersistThen(State.DecideTaskCompleted(m.Index, now), () =>
        {
            if (State.AllTasksDone) StartFinalize();
            else StartRunnableTasks();
        });
    }

    /// <summary>
    /// The output appears under its real name only now, complete: readers never see a partial file. Finishing is stored
    /// first, so a cancel or a timeout that arrives during the rename is refused rather than leaving an ended job
    /// with its output in place; the rename itself runs in the finaliser, through the publisher.
    /// </summary>
    private void StartFinalize()
    {
        if (Running(FinaliserName) || !State.ReadyToPublish) return;
        // Commands wait while finishing is stored: no second call can come between it and the spawn.
        PersistThen(State.DecideFinishing(DateTimeOffset.UtcNow), () =>
        {
            var spec = State.Spec!;
            var publication = new OutputPublication(State.TempOutputPath!, spec.OutputPath(), spec.Overwrite, State.WorkDir);
            Context.ActorOf(OutputFinaliser.Props(_publisher, _packager, publication, State.Package), FinaliserName);
        });
    }

    private void OnOutputPublished(OutputPublished m)
    {
        if (m.Failure is not null)
        {
            Fail(m.Failure.Code, m.Failure.Message);
            return;
        }
        var completed = State.DecideCompleted(m.OutputPath, DateTimeOffset.UtcNow);
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
        var failed = State.DecideFailed(code, message, DateTimeOffset.UtcNow);
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

    /// <summary>Delivery, with its retries, is the deliverer's; the outcome is stored here, so a restarted job that
    /// delivered does not call again.</summary>
    private void Call()
    {
        if (!State.CallbackPending || Running(CallbackName)) return;
        Context.ActorOf(CallbackDeliverer.Props(_callback, State.Spec!.CallbackUrl!, View(null), _settings.BaseRetryBackoff),
            CallbackName);
    }

    private void OnCallbackFinished(CallbackFinished m)
    {
        if (!m.Delivered)
            _log.Warning("job {JobId}: callback to {CallbackUrl} failed {Tries} times, giving up: {Error}", _jobId,
                Domain.Callbacks.CallbackAddressPolicy.Redact(State.Spec!.CallbackUrl!), m.Tries, m.Error);
        PersistThen(State.DecideCallbackDone(m.Delivered, m.Error, DateTimeOffset.UtcNow), () => { });
    }

    private void CancelOutstandingTasks()
    {
        foreach (var t in State.Tasks)
            if (!State.Completed.Contains(t.Index))
                _tasks.Tell(new CancelTask(t.TaskId));
    }

    private void CleanupFiles()
    {
        var workDir = State.WorkDir;
        var temp = State.TempOutputPath;
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
        ids.AddRange(State.Tasks.Select(t => TaskEntity.PersistenceIdPrefix + t.TaskId));
        if (!State.Exists)
        {
            // Nothing to delete (never stored, or purged before): the sweeper may still hold its row and marker rows.
            Sender.Tell(new JobPurged(_jobId, true, ids, null));
            Passivate();
            return;
        }
        if (!State.IsTerminal || State.CallbackPending || Running(FinaliserName) || _now.PurgeReplyTo is not null)
        {
            Sender.Tell(new JobPurged(_jobId, false, [], "the job has not ended (or its callback is pending)"));
            return;
        }
        _now = _now with { PurgeReplyTo = Sender };
        var tasks = _tasks;
        var timeout = TimeSpan.FromSeconds(10);
        Task.WhenAll(State.Tasks.Select(t => tasks.Ask<TaskPurged>(new PurgeTask(t.TaskId), timeout)))
            .PipeTo(Self, success: r => new TasksPurged(r.All(p => p.Purged), r.All(p => p.Purged) ? null : "a task has not ended"),
                failure: e => new TasksPurged(false, "a task did not answer: " + e.GetBaseException().Message));
    }

    private void OnTasksPurged(TasksPurged m)
    {
        if (_now.PurgeReplyTo is null) return;
        if (!m.AllPurged)
        {
            OnPurged(m.Error);
            return;
        }
        DeleteMessages(LastSequenceNr);
    }

    private void OnPurged(string? error)
    {
        if (_now.PurgeReplyTo is not { } replyTo) return;
        _now = _now with { PurgeReplyTo = null };
        if (error is not null)
        {
            _log.Warning("job {JobId}: purging it failed, the next sweep retries: {Error}", _jobId, error);
            replyTo.Tell(new JobPurged(_jobId, false, [], error));
            return;
        }
        var ids = new List<string> { PersistenceId };
        ids.AddRange(State.Tasks.Select(t => TaskEntity.PersistenceIdPrefix + t.TaskId));
        State = JobEntityState.Empty;
        Timers.CancelAll();
        Context.SetReceiveTimeout(null);
        replyTo.Tell(new JobPurged(_jobId, true, ids, null));
        Passivate();
    }

    /// <summary>The job as clients see it now; showing it remembers the speed shown (see <see cref="JobProgress.Figures"/>).</summary>
    private JobView View(IReadOnlyList<TaskView>? tasks)
    {
        var progress = State.ComputeProgress(_now.Progress.TaskPercent);
        var (speed, eta) = _now.Progress.Figures(State.State == JobState.InProgress, progress, DateTimeOffset.UtcNow, out var next);
        _now = _now with { Progress = next };
        return new JobView(State.ToSummary(Math.Round(progress, 1), _now.Progress.TaskPercent), eta, speed, tasks);
    }

    /// <summary>The job just ended here (not on recovery): its duration, by end state.</summary>
    private void RecordEnd() =>
        TranscodeMetrics.JobDuration.Record((State.UpdatedAt - State.CreatedAt).TotalSeconds,
            TranscodeMetrics.Tag("state", State.State.ToString().ToLowerInvariant()));
}
