namespace Akka.Transcode.Domain.Tasks;

/// <summary>Everything persisted by a task entity.</summary>
public interface ITaskEvent
{
    string TaskId { get; }
    DateTimeOffset At { get; }
}

/// <param name="Priority">The job's priority and age order the queue of waiting tasks, also after a restart.</param>
public sealed record TaskCreated(string TaskId, TaskSpec Spec, int Priority, DateTimeOffset JobCreatedAt, DateTimeOffset At)
    : ITaskEvent;

public sealed record AttemptStarted(string TaskId, int Attempt, string WorkerId, DateTimeOffset At) : ITaskEvent;

/// <summary>ffmpeg ran and failed: counts against the task's attempt budget.</summary>
public sealed record AttemptFailed(string TaskId, int Attempt, string WorkerId, string Error, DateTimeOffset At) : ITaskEvent;

/// <summary>The attempt vanished with its worker (crash, partition, restart): not the task's fault.</summary>
public sealed record AttemptLost(string TaskId, int Attempt, string Reason, DateTimeOffset At) : ITaskEvent;

public sealed record TaskSucceeded(string TaskId, int Attempt, DateTimeOffset At) : ITaskEvent;

public sealed record TaskFailed(string TaskId, ErrorCode Code, string Error, DateTimeOffset At) : ITaskEvent;

public sealed record TaskCanceled(string TaskId, DateTimeOffset At) : ITaskEvent;
