using System.Text;
using System.Text.Json;
using Akka.Transcode.Actors.Workers;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Protocol.Workers;

namespace Akka.Transcode.Node.Workers;

/// <summary>The master's calls on workers outside the cluster (docs/worker-protocol.md), with this node's worker token.</summary>
public sealed class HttpWorkerGateway(string? token) : IWorkerGateway
{
    private readonly HttpClient _http = WorkerHttp.NewClient();

    public async Task<WorkerReply> AddTaskAsync(string endpoint, TaskSpec spec, int attempt, CancellationToken ct) =>
        (await WorkerHttp.PostAsync(_http, endpoint + "/worker/add_task", token, WorkerTaskWire.RequestBody(spec, attempt), ct)).Reply;

    public async Task<WorkerReply> GetTaskInfoAsync(string endpoint, string taskId, CancellationToken ct)
    {
        var (reply, body) = await WorkerHttp.PostAsync(_http, endpoint + "/worker/get_task_info", token, TaskIdBody(taskId), ct);
        if (!reply.Ok) return reply;
        try
        {
            var dto = body.GetProperty("task").Deserialize<WorkerTaskInfoDto>(Protocol.ProtocolJson.Options)!;
            return reply with { Task = new WorkerTaskInfo(dto.Attempt, dto.State, dto.Result, dto.Progress, dto.Speed, dto.ErrMsg) };
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return new WorkerReply(true, Domain.ErrorCode.Internal, $"get_task_info answer without a valid task: {ex.Message}");
        }
    }

    public async Task<WorkerReply> CancelTaskAsync(string endpoint, string taskId, CancellationToken ct) =>
        (await WorkerHttp.PostAsync(_http, endpoint + "/worker/cancel_task", token, TaskIdBody(taskId), ct)).Reply;

    private static byte[] TaskIdBody(string taskId) =>
        Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { type = 0, task_id = taskId }));
}
