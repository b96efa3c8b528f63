namespace Akka.Transcode.Domain.Tasks;

/// <summary>Task states with the numbers the API shows in task_list.</summary>
public enum TaskStatus { Pending = 0, Running = 1, Succeeded = 2, Failed = 3, Canceled = 4 }

/// <param name="MaxAttempts">Failed ffmpeg runs allowed before the task (and its job) fails.</param>
/// <param name="MaxLost">Attempts lost with their worker before giving up: guards against a task that kills workers.</param>
public sealed record TaskPolicy(int MaxAttempts = TaskPolicy.DefaultMaxAttempts, int MaxLost = 10)
{
    /// <summary>The default of Transcode:Tasks:MaxAttempts; the node's options start from it.</summary>
    public const int DefaultMaxAttempts = 3;
}

/// <summary>One task's state, folded from its events; the Decide functions are its rules and change nothing.</summary>
public sealed record TaskEntityState
{
    public static readonly TaskEntityState Empty = new();

    public TaskSpec? Spec { get; init; }
    public int Priority { get; init; }
    public DateTimeOffset JobCreatedAt { get; init; }
    public TaskStatus Status { get; init; } = TaskStatus.Pending;
    /// <summary>Attempts started so far; the next one is numbered Attempts + 1.</summary>
    public int Attempts { get; init; }
    public int Failures { get; init; }
    public int Lost { get; init; }
    public string? WorkerId { get; init; }
    /// <summary>Workers an attempt of this task failed on: the next attempt prefers another one.</summary>
    public WorkerSet FailedOn { get; init; } = WorkerSet.Empty;
    public string? LastError { get; init; }
    public ErrorCode? ErrorCode { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public bool Exists => Spec is not null;
    public bool IsTerminal => Status is TaskStatus.Succeeded or TaskStatus.Failed or TaskStatus.Canceled;
    public int NextAttempt => Attempts + 1;

    public TaskEntityState Apply(ITaskEvent e) => (e switch
    {
        TaskCreated c => this with { Spec = c.Spec, Priority = c.Priority, JobCreatedAt = c.JobCreatedAt, Status = TaskStatus.Pending },
        AttemptStarted s => this with { Status = TaskStatus.Running, Attempts = s.Attempt, WorkerId = s.WorkerId },
        AttemptFailed f => this with
        {
            Status = TaskStatus.Pending, Failures = Failures + 1, LastError = f.Error,
            FailedOn = f.WorkerId.Length > 0 ? FailedOn.Add(f.WorkerId) : FailedOn,
        },
        AttemptLost l => this with { Status = TaskStatus.Pending, Lost = Lost + 1, LastError = l.Reason },
        TaskSucceeded => this with { Status = TaskStatus.Succeeded },
        TaskFailed f => this with { Status = TaskStatus.Failed, LastError = f.Error, ErrorCode = f.Code },
        TaskCanceled => this with { Status = TaskStatus.Canceled },
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name),
    }) with { UpdatedAt = e.At };

    public static TaskEntityState Replay(IEnumerable<ITaskEvent> events) =>
        events.Aggregate(Empty, (s, e) => s.Apply(e));

    public IReadOnlyList<ITaskEvent> DecideCreate(TaskSpec spec, int priority, DateTimeOffset jobCreatedAt, DateTimeOffset now) =>
        Exists ? [] : [new TaskCreated(spec.TaskId, spec, priority, jobCreatedAt, now)];

    /// <summary>Only the attempt that was handed out next may start; a late duplicate of an old one may not.</summary>
    public IReadOnlyList<ITaskEvent> DecideStarted(int attempt, string workerId, DateTimeOffset now) =>
        Exists && Status == TaskStatus.Pending && attempt == NextAttempt
            ? [new AttemptStarted(Spec!.TaskId, attempt, workerId, now)]
            : [];

    public bool IsCurrent(int attempt) => Status == TaskStatus.Running && attempt == Attempts;

    /// <summary>
    /// The current attempt, reported by a worker other than the one it started on: the same attempt was handed out
    /// twice (a registry that restarted before it heard the first worker runs it). The worker it started on keeps it.
    /// </summary>
    public bool RunsElsewhere(int attempt, string workerId) => IsCurrent(attempt) && WorkerId is { } started && started != workerId;

    public IReadOnlyList<ITaskEvent> DecideSucceeded(int attempt, DateTimeOffset now) =>
        IsCurrent(attempt) ? [new TaskSucceeded(Spec!.TaskId, attempt, now)] : [];

    public IReadOnlyList<ITaskEvent> DecideFailed(int attempt, ErrorCode code, string error, TaskPolicy policy,
        DateTimeOffset now)
    {
        if (!IsCurrent(attempt)) return [];
        var failed = new AttemptFailed(Spec!.TaskId, attempt, WorkerId ?? "", error, now);
        return IsPermanent(code) || Failures + 1 >= policy.MaxAttempts
            ? [failed, new TaskFailed(Spec.TaskId, code, error, now)]
            : [failed];
    }

    /// <summary>A bad source or bad value fails the same way on any worker: it says nothing about the worker it failed
    /// on, so it does not count against that worker's circuit breaker.</summary>
    public static bool IsInputFault(ErrorCode? code) => code is Domain.ErrorCode.SourceUnusable or Domain.ErrorCode.InvalidValue;

    /// <summary>
    /// A failure that retrying only delays: an input fault, or a path a worker refuses as outside its media roots (a
    /// directory swapped for a link since add_job). The latter still counts against the worker that refused it.
    /// </summary>
    public static bool IsPermanent(ErrorCode code) => IsInputFault(code) || code == Domain.ErrorCode.Forbidden;

    /// <summary>How long a task waits before asking for a slot again: a failed attempt backs off, a lost one does not.</summary>
    public TimeSpan RetryDelay(TimeSpan baseDelay) => Scheduling.RetryBackoff.After(baseDelay, Failures);

    public IReadOnlyList<ITaskEvent> DecideLost(int attempt, string reason, TaskPolicy policy, DateTimeOffset now)
    {
        if (!IsCurrent(attempt)) return [];
        var lost = new AttemptLost(Spec!.TaskId, attempt, reason, now);
        return Lost + 1 >= policy.MaxLost
            ? [lost, new TaskFailed(Spec.TaskId, Domain.ErrorCode.Internal, $"lost {Lost + 1} times: {reason}", now)]
            : [lost];
    }

    public IReadOnlyList<ITaskEvent> DecideCancel(DateTimeOffset now) =>
        Exists && !IsTerminal ? [new TaskCanceled(Spec!.TaskId, now)] : [];
}
