using System.Collections.Immutable;
using Akka.Transcode.Domain.Tasks;

namespace Akka.Transcode.Domain.Jobs;

/// <summary>
/// A job's state, rebuilt by folding its events. The <c>Decide*</c> functions are the job's rules: they read the
/// state and a command and return the events to persist (or a failure for the caller); they never change anything.
/// </summary>
public sealed record JobEntityState
{
    public static readonly JobEntityState Empty = new();

    public string? Id { get; init; }
    public JobSpec? Spec { get; init; }
    public JobState State { get; init; } = JobState.Init;
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public IReadOnlyList<TaskSpec> Tasks { get; init; } = [];
    public ImmutableHashSet<int> Completed { get; init; } = [];
    public double OutputDuration { get; init; }
    public string? TempOutputPath { get; init; }
    public string? WorkDir { get; init; }
    /// <summary>Output-group jobs: what the master packages before the rename (<see cref="JobPlanned.Package"/>).</summary>
    public Outputs.PackagePlan? Package { get; init; }
    public IReadOnlyList<string> Notes { get; init; } = [];
    /// <summary>The highest progress ever reported: what clients see never goes back, even when a task re-runs.</summary>
    public double Progress { get; init; }
    public string? OutputPath { get; init; }
    public ErrorCode? ErrorCode { get; init; }
    public string? ErrorMessage { get; init; }
    public bool CallbackDone { get; init; }
    /// <summary>The output is being renamed into place (<see cref="JobFinishing"/>); until the job ends, cancels and
    /// timeouts are refused and a recovered job resumes the rename.</summary>
    public bool Finishing { get; init; }

    public bool Exists => Id is not null;
    public bool IsPlanned => Tasks.Count > 0;
    public bool IsTerminal => State.IsTerminal();
    public bool AllTasksDone => IsPlanned && Completed.Count == Tasks.Count;
    /// <summary>An ended job whose client asked to be called back and has not been yet.</summary>
    public bool CallbackPending => IsTerminal && Spec?.CallbackUrl is not null && !CallbackDone;
    /// <summary>The output must (still) be put in place: every task is done and the job has not ended. A job recovered
    /// in this state renames again; the rename is safe to repeat.</summary>
    public bool ReadyToPublish => !IsTerminal && AllTasksDone;

    public JobEntityState Apply(IJobEvent e) => (e switch
    {
        JobSubmitted s => this with { Id = s.JobId, Spec = s.Spec, State = JobState.Init, CreatedAt = s.At },
        JobPlanned p => this with
        {
            State = JobState.Ready, Tasks = p.Tasks, OutputDuration = p.OutputDuration,
            TempOutputPath = p.TempOutputPath, WorkDir = p.WorkDir, Notes = p.Notes, Package = p.Package,
        },
        JobStarted => this with { State = JobState.InProgress },
        JobTaskCompleted t => this with { Completed = Completed.Add(t.Index) },
        JobProgressed p => this with { Progress = Math.Max(Progress, p.Progress) },
        JobFinishing => this with { Finishing = true },
        JobCompleted c => this with { State = JobState.Completed, OutputPath = c.OutputPath, Progress = 100 },
        JobFailed f => this with { State = JobState.Failed, ErrorCode = f.Code, ErrorMessage = f.Message },
        JobCanceled => this with { State = JobState.Canceled },
        JobCallbackDone => this with { CallbackDone = true },
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name),
    }) with { UpdatedAt = e.At };

    public static JobEntityState Replay(IEnumerable<IJobEvent> events) =>
        events.Aggregate(Empty, (s, e) => s.Apply(e));

    /// <summary>A submission: new, the same job again (idempotent), or a different job under a taken id.</summary>
    public Result<IReadOnlyList<IJobEvent>> DecideSubmit(string jobId, JobSpec spec, DateTimeOffset now)
    {
        if (!Exists) return Ok(new JobSubmitted(jobId, spec, now));
        return Spec!.Fingerprint() == spec.Fingerprint()
            ? Ok()
            : Result<IReadOnlyList<IJobEvent>>.Fail(Domain.ErrorCode.Conflict,
                $"job_id {jobId} is already used by a different job");
    }

    public IReadOnlyList<IJobEvent> DecidePlanned(Planning.JobPlan plan, DateTimeOffset now) =>
        State == JobState.Init && !IsPlanned
            ? [new JobPlanned(Id!, plan.Tasks, plan.OutputDuration, plan.TempOutputPath, plan.WorkDir, plan.Notes, now, plan.Package)]
            : [];

    public IReadOnlyList<IJobEvent> DecideTaskStarted(DateTimeOffset now) =>
        State == JobState.Ready ? [new JobStarted(Id!, now)] : [];

    public IReadOnlyList<IJobEvent> DecideTaskCompleted(int index, DateTimeOffset now)
    {
        if (IsTerminal || !IsPlanned || index < 0 || index >= Tasks.Count || Completed.Contains(index)) return [];
        var events = new List<IJobEvent>();
        if (State == JobState.Ready) events.Add(new JobStarted(Id!, now));
        events.Add(new JobTaskCompleted(Id!, index, now));
        return events;
    }

    /// <summary>Persist progress only in steps, so a long job writes tens of events, not thousands.</summary>
    public IReadOnlyList<IJobEvent> DecideProgress(double progress, double step, DateTimeOffset now) =>
        !IsTerminal && progress >= Progress + step && progress < 100
            ? [new JobProgressed(Id!, Math.Round(progress, 1), now)]
            : [];

    /// <summary>Stored before the output is renamed into place; a job already finishing (recovered) goes straight on.</summary>
    public IReadOnlyList<IJobEvent> DecideFinishing(DateTimeOffset now) =>
        ReadyToPublish && !Finishing ? [new JobFinishing(Id!, now)] : [];

    public IReadOnlyList<IJobEvent> DecideCompleted(string outputPath, DateTimeOffset now) =>
        !IsTerminal && AllTasksDone ? [new JobCompleted(Id!, outputPath, now)] : [];

    public IReadOnlyList<IJobEvent> DecideFailed(ErrorCode code, string message, DateTimeOffset now) =>
        IsTerminal || !Exists ? [] : [new JobFailed(Id!, code, message, now)];

    /// <summary>
    /// The job's deadline passed. A job that is putting its output in place is let finish: failing it then would leave
    /// a FAILED job with its whole output in place (or, under overwrite, the earlier output gone).
    /// </summary>
    public IReadOnlyList<IJobEvent> DecideTimedOut(string message, DateTimeOffset now) =>
        Finishing ? [] : DecideFailed(Domain.ErrorCode.Unavailable, message, now);

    public Result<IReadOnlyList<IJobEvent>> DecideCancel(DateTimeOffset now)
    {
        if (!Exists) return Result<IReadOnlyList<IJobEvent>>.Fail(Domain.ErrorCode.NotFound, "job not found");
        if (IsTerminal)
            return Result<IReadOnlyList<IJobEvent>>.Fail(Domain.ErrorCode.Conflict,
                $"job {Id} already ended ({State.ToString().ToUpperInvariant()})");
        // Past this point the rename may have happened: a CANCELED job must not be left with its output in place.
        if (Finishing)
            return Result<IReadOnlyList<IJobEvent>>.Fail(Domain.ErrorCode.Conflict,
                $"job {Id} is finishing: its output is being put in place and it can no longer be cancelled");
        return Ok(new JobCanceled(Id!, now));
    }

    public IReadOnlyList<IJobEvent> DecideCallbackDone(bool delivered, string? error, DateTimeOffset now) =>
        CallbackPending ? [new JobCallbackDone(Id!, delivered, error, now)] : [];

    /// <summary>Tasks whose inputs are all made and that are not done yet: the ones to (re)start.</summary>
    public IEnumerable<TaskSpec> RunnableTasks() => IsTerminal
        ? []
        : Tasks.Where(t => !Completed.Contains(t.Index) && t.DependsOn.All(Completed.Contains));

    /// <summary>Duration-weighted progress of the tasks, from 0 to 100, never below what was already shown.</summary>
    public double ComputeProgress(IReadOnlyDictionary<int, double> liveTaskPercent)
    {
        if (State == JobState.Completed) return 100;
        if (!IsPlanned) return Progress;
        var total = Tasks.Sum(t => t.Weight);
        if (total <= 0) return Progress;
        var done = Tasks.Sum(t => t.Weight * (Completed.Contains(t.Index)
            ? 1.0
            : Math.Clamp(liveTaskPercent.GetValueOrDefault(t.Index), 0, 100) / 100.0));
        // 100 is kept for a finished job: the rename after the last task is part of the work.
        return Math.Max(Progress, Math.Min(99.9, done / total * 100));
    }

    /// <summary>The job as the job list shows it, with <paramref name="progress"/> as its current progress and, for an
    /// output-group job, each output's state and progress from its tasks (<paramref name="liveTaskPercent"/>: the
    /// running tasks' reports).</summary>
    public JobSummary ToSummary(double progress, IReadOnlyDictionary<int, double>? liveTaskPercent = null) => new()
    {
        Id = Id!, State = State, SourcePath = Spec!.SourcePath, OutputPath = OutputPath ?? Spec.OutputPath(),
        DstFormat = Spec.DstFormat, Segments = Spec.SegmentsText, Priority = Spec.Priority, Progress = progress,
        CreatedAt = CreatedAt, UpdatedAt = UpdatedAt, ErrorCode = ErrorCode, ErrorMessage = ErrorMessage,
        TaskCount = Tasks.Count, CompletedTasks = Completed.Order().ToList(), Notes = Notes,
        Outputs = Spec.IsOutputGroup
            ? Outputs.OutputStatus.Of(Spec, Tasks, Package, Completed, liveTaskPercent ?? NoLiveTasks, State, progress)
            : [],
    };

    private static readonly IReadOnlyDictionary<int, double> NoLiveTasks = new Dictionary<int, double>();

    private static Result<IReadOnlyList<IJobEvent>> Ok(params IJobEvent[] events) =>
        Result<IReadOnlyList<IJobEvent>>.Ok(events);
}
