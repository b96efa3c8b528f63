using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Tasks;

namespace Akka.Transcode.Actors.Tasks;

/// <summary>Anything addressed to one task entity through the task shard region.</summary>
public interface ITaskMessage : ITranscodeMessage
{
    string TaskId { get; }
}

/// <summary>From the job; idempotent, re-sent until <see cref="Jobs.TaskStartAck"/>.</summary>
public sealed record StartTask(string TaskId, TaskSpec Spec, int Priority, DateTimeOffset JobCreatedAt) : ITaskMessage;

public sealed record CancelTask(string TaskId) : ITaskMessage;

public sealed record GetTask(string TaskId) : ITaskMessage;

public sealed record GetTaskReply(string TaskId, int State, int Attempts, string? WorkerId, double Progress, string? Error)
    : ITranscodeMessage;

/// <summary>
/// From the attempt's runner, at start and then every second: it starts the attempt and proves it alive. A task
/// that hears nothing for its silence timeout declares the attempt lost, so one rule covers a crashed worker, a
/// partition and a task entity that moved to another node.
/// </summary>
public sealed record AttemptAlive(string TaskId, int Attempt, string WorkerId, double Percent, double? Speed) : ITaskMessage;

/// <summary>Sent until <see cref="AttemptResultAck"/>: the runner owns the result until the task has stored it.</summary>
public sealed record AttemptResult(string TaskId, int Attempt, string WorkerId, bool Success, ErrorCode? Code, string? Error)
    : ITaskMessage;

public sealed record AttemptResultAck(string TaskId, int Attempt) : ITranscodeMessage;

/// <summary>From the worker registry: the worker holding this attempt is gone.</summary>
public sealed record AttemptWorkerLost(string TaskId, int Attempt, string WorkerId, string Reason) : ITaskMessage;

/// <summary>From its job, purging itself (retention): delete this ended task's events and passivate.</summary>
public sealed record PurgeTask(string TaskId) : ITaskMessage;

/// <summary>Answer to <see cref="PurgeTask"/>: false while the task has not ended (or the delete failed).</summary>
public sealed record TaskPurged(string TaskId, bool Purged) : ITranscodeMessage;
