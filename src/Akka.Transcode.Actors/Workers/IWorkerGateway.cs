using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Tasks;

namespace Akka.Transcode.Actors.Workers;

/// <summary>A worker's task as its get_task_info reports it (states as in <see cref="TaskStatus"/>).</summary>
public sealed record WorkerTaskInfo(int Attempt, int State, int? Result, double Progress, double? Speed, string? Error);

/// <summary>
/// The answer of one call to a worker. <see cref="Reached"/> false: no HTTP answer at all (refused, timed out),
/// which is what counts towards declaring the worker unreachable; otherwise <see cref="Code"/> is its err_code.
/// </summary>
public sealed record WorkerReply(bool Reached, ErrorCode Code, string Message, WorkerTaskInfo? Task = null)
{
    public bool Ok => Reached && Code == ErrorCode.Ok;
    public static WorkerReply Unreached(string why) => new(false, ErrorCode.Unavailable, why);
}

/// <summary>The master's side of the HTTP worker protocol: the calls a master makes on a worker outside the cluster.</summary>
public interface IWorkerGateway
{
    Task<WorkerReply> AddTaskAsync(string endpoint, TaskSpec spec, int attempt, CancellationToken ct);
    Task<WorkerReply> GetTaskInfoAsync(string endpoint, string taskId, CancellationToken ct);
    Task<WorkerReply> CancelTaskAsync(string endpoint, string taskId, CancellationToken ct);
}

/// <summary>The worker's side: the calls a worker outside the cluster makes on its master.</summary>
public interface IMasterLink
{
    /// <summary>Returns the worker id, or the failure (Reached false when the master did not answer).</summary>
    Task<(WorkerReply Reply, string? WorkerId)> RegisterAsync(int state, int slots, CancellationToken ct);
    Task<WorkerReply> HeartbeatAsync(string workerId, int state, CancellationToken ct);
}
