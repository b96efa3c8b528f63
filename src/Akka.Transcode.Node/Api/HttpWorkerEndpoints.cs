using Akka.Actor;
using Akka.Hosting;
using Akka.Transcode.Actors.Hosting;
using Akka.Transcode.Actors.Workers;
using Akka.Transcode.Domain;
using Akka.Transcode.Protocol;
using Akka.Transcode.Protocol.Auth;
using Akka.Transcode.Protocol.Requests;
using Akka.Transcode.Protocol.Responses;
using Akka.Transcode.Protocol.Workers;

namespace Akka.Transcode.Node.Api;

/// <summary>
/// What a worker outside the cluster serves to its master (docs/worker-protocol.md): add_task, get_task_info and
/// cancel_task, each refused without a worker token. Its /healthz and /readyz are in <see cref="HealthEndpoints"/>.
/// </summary>
public static class HttpWorkerEndpoints
{
    private const ResponseAudience Worker = ResponseAudience.Worker;

    public static void MapHttpWorkerEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/worker/add_task", AddTask);
        app.MapMethods("/worker/get_task_info", ["GET", "POST"], GetTaskInfo);
        app.MapPost("/worker/cancel_task", CancelTask);
    }

    private static async Task<IResult> AddTask(HttpContext http, ApiCall api, IRequiredActor<HttpWorkerHostActor> host, CancellationToken ct)
    {
        if (api.Authorize(http, TokenScope.Worker) is { } denied) return ApiCall.Fail(denied, Worker);
        var (body, tooLarge) = await api.ReadBodyAsync(http.Request, ct);
        if (tooLarge is not null) return tooLarge;
        var parsed = WorkerTaskWire.Parse(body!);
        if (!parsed.IsOk) return ApiCall.Fail(parsed.Error!, Worker);
        var reply = await Ask(host.ActorRef, new AddWorkerTask(parsed.Value.Spec, parsed.Value.Attempt), EndpointTimeouts.Actor, ct);
        return Answer(reply, parsed.Value.Spec.TaskId, withTask: false);
    }

    private static async Task<IResult> GetTaskInfo(HttpContext http, ApiCall api, IRequiredActor<HttpWorkerHostActor> host, CancellationToken ct)
    {
        if (api.Authorize(http, TokenScope.Worker) is { } denied) return ApiCall.Fail(denied, Worker);
        Result<GetTaskInfoRequest> parsed;
        if (HttpMethods.IsGet(http.Request.Method))
            parsed = RequestParser.ParseGetTaskInfoQuery(http.Request.Query.Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value.ToString())));
        else
        {
            var (body, tooLarge) = await api.ReadBodyAsync(http.Request, ct);
            if (tooLarge is not null) return tooLarge;
            parsed = RequestParser.ParseGetTaskInfo(body!);
        }
        if (!parsed.IsOk) return ApiCall.Fail(parsed.Error!, Worker);
        var reply = await Ask(host.ActorRef, new GetWorkerTask(parsed.Value!.TaskId), EndpointTimeouts.Actor, ct);
        return Answer(reply, parsed.Value.TaskId, withTask: true);
    }

    private static async Task<IResult> CancelTask(HttpContext http, ApiCall api, IRequiredActor<HttpWorkerHostActor> host, CancellationToken ct)
    {
        if (api.Authorize(http, TokenScope.Worker) is { } denied) return ApiCall.Fail(denied, Worker);
        var (body, tooLarge) = await api.ReadBodyAsync(http.Request, ct);
        if (tooLarge is not null) return tooLarge;
        var parsed = RequestParser.ParseCancelTask(body!);
        if (!parsed.IsOk) return ApiCall.Fail(parsed.Error!, Worker);
        var reply = await Ask(host.ActorRef, new CancelWorkerTask(parsed.Value!.TaskId), EndpointTimeouts.WorkerCancel, ct);
        return Answer(reply, parsed.Value.TaskId, withTask: false);
    }

    private static IResult Answer(WorkerTaskReply? reply, string taskId, bool withTask)
    {
        if (reply is null) return ApiCall.Fail(ErrorCode.Unavailable, "the worker did not answer in time; retry", Worker);
        if (reply.Code != ErrorCode.Ok) return ApiCall.Fail(reply.Code, reply.Message, Worker);
        if (!withTask || reply.Task is not { } t) return ApiCall.Ok(Worker);
        return ApiCall.Ok(new TaskInfoResponse(new WorkerTaskInfoDto(taskId, t.Attempt, t.State, t.Result, t.Progress, t.Speed, t.Error)), Worker);
    }

    private static async Task<WorkerTaskReply?> Ask(IActorRef host, object message, TimeSpan timeout, CancellationToken ct)
    {
        try { return await host.Ask<WorkerTaskReply>(message, timeout, ct); }
        catch (AskTimeoutException) { return null; }
    }
}
