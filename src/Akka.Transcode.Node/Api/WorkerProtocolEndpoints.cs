using System.Net.Http.Headers;
using Akka.Actor;
using Akka.Hosting;
using Akka.Transcode.Actors.Hosting;
using Akka.Transcode.Actors.Workers;
using Akka.Transcode.Domain;
using Akka.Transcode.Media.Files;
using Akka.Transcode.Media.Hashing;
using Akka.Transcode.Media.Paths;
using Akka.Transcode.Protocol;
using Akka.Transcode.Protocol.Auth;
using Akka.Transcode.Protocol.Requests;
using Akka.Transcode.Protocol.Responses;
using Akka.Transcode.Protocol.Workers;
using Microsoft.AspNetCore.Http.Features;
using Failure = Akka.Transcode.Domain.Failure;

namespace Akka.Transcode.Node.Api;

/// <summary>
/// The master's side of the worker protocol for workers outside the cluster (docs/worker-protocol.md): register,
/// heartbeat, and the file service that lets a worker without shared storage fetch its inputs by content id and send
/// its output back. Every call needs a worker token; answers carry error_code as well as err_code.
/// </summary>
public static class WorkerProtocolEndpoints
{
    private const ResponseAudience Worker = ResponseAudience.Worker;
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public static void MapWorkerProtocolEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/master/register_worker", Register);
        app.MapPost("/master/worker_heartbeat", Heartbeat);
        app.MapGet("/master/files/{fileId}", Download);
        app.MapPut("/master/files/{fileId}", Upload);
    }

    private static async Task<IResult> Register(HttpContext http, ApiCall api, IRequiredActor<WorkerRegistryProxy> registry,
        CancellationToken ct)
    {
        if (api.Authorize(http, TokenScope.Worker) is { } denied) return ApiCall.Fail(denied, Worker);
        var (body, tooLarge) = await api.ReadBodyAsync(http.Request, ct);
        if (tooLarge is not null) return tooLarge;
        var parsed = RequestParser.ParseRegisterWorker(body!);
        if (!parsed.IsOk) return ApiCall.Fail(parsed.Error!, Worker);
        var r = parsed.Value!;
        var reply = await Ask(registry.ActorRef, new RegisterHttpWorker(r.Ip, r.Port, r.Slots), ct);
        return reply switch
        {
            WorkerRegistered ok => ApiCall.Ok(new RegisterWorkerResponse(ok.WorkerId), Worker),
            UnknownWorker => ApiCall.Fail(ErrorCode.Unavailable, "this master cannot drive HTTP workers", Worker),
            _ => Unavailable(),
        };
    }

    private static async Task<IResult> Heartbeat(HttpContext http, ApiCall api, IRequiredActor<WorkerRegistryProxy> registry,
        CancellationToken ct)
    {
        if (api.Authorize(http, TokenScope.Worker) is { } denied) return ApiCall.Fail(denied, Worker);
        var (body, tooLarge) = await api.ReadBodyAsync(http.Request, ct);
        if (tooLarge is not null) return tooLarge;
        var parsed = RequestParser.ParseWorkerHeartbeat(body!);
        if (!parsed.IsOk) return ApiCall.Fail(parsed.Error!, Worker);
        var reply = await Ask(registry.ActorRef, new HttpWorkerHeartbeat(parsed.Value!.WorkerId, parsed.Value.WorkerState), ct);
        return reply switch
        {
            HeartbeatAck => ApiCall.Ok(Worker),
            UnknownWorker => ApiCall.Fail(ErrorCode.NotFound, $"worker {parsed.Value.WorkerId} is not registered: register again", Worker),
            _ => Unavailable(),
        };
    }

    /// <summary>An input of a task running on an HTTP worker, by content id; range requests resume a download.</summary>
    private static async Task<IResult> Download(string fileId, HttpContext http, ApiCall api, MediaRoots roots,
        IRequiredActor<WorkerRegistryProxy> registry, CancellationToken ct)
    {
        if (api.Authorize(http, TokenScope.Worker) is { } denied) return ApiCall.Fail(denied, Worker);
        if (!WorkerTaskWire.IsMd5(fileId)) return ApiCall.Fail(ErrorCode.InvalidValue, "file_id: not an MD5 in hex", Worker);
        if (await Ask(registry.ActorRef, new ResolveFile(fileId.ToLowerInvariant()), ct) is not FileLocation location)
            return Unavailable();
        // Only inputs of tasks handed to HTTP workers are served, and only inside the media roots.
        if (location.Path is not { } path || !roots.Contains(Path.GetFullPath(path)) || !File.Exists(path))
            return ApiCall.Fail(ErrorCode.NotFound, $"no file {fileId} is served to workers now", Worker);
        return Results.File(path, "application/octet-stream", enableRangeProcessing: true);
    }

    /// <summary>
    /// A task's output, sent by the HTTP worker that ran it. The body may be the whole file or, with
    /// <c>Content-Range: bytes start-end/total</c>, the rest of it: bytes are appended to what the master holds, and
    /// a start that does not match answers -8 with <c>received</c>. Once complete the content must match the id in the
    /// URL (-9 otherwise), and the file is put where the task's output belongs.
    /// </summary>
    private static async Task<IResult> Upload(string fileId, HttpContext http, ApiCall api, MediaRoots roots,
        IRequiredActor<WorkerRegistryProxy> registry, CancellationToken ct)
    {
        if (api.Authorize(http, TokenScope.Worker) is { } denied) return ApiCall.Fail(denied, Worker);
        if (!WorkerTaskWire.IsMd5(fileId)) return ApiCall.Fail(ErrorCode.InvalidValue, "file_id: not an MD5 in hex", Worker);
        fileId = fileId.ToLowerInvariant();
        var taskId = http.Request.Query["task_id"].ToString();
        if (!ProtocolId.IsValid(taskId)) return ApiCall.Fail(ErrorCode.InvalidRequest, "task_id: required query parameter is missing or invalid", Worker);
        if (await Ask(registry.ActorRef, new ResolveUpload(taskId), ct) is not FileLocation location) return Unavailable();
        if (location.Path is not { } target || !roots.Contains(Path.GetFullPath(target)))
            return ApiCall.Fail(ErrorCode.NotFound, $"task {taskId} is not running on an HTTP worker", Worker);

        long start = 0;
        long? total = http.Request.ContentLength;
        if (http.Request.Headers.ContentRange.ToString() is { Length: > 0 } rangeText)
        {
            if (!ContentRangeHeaderValue.TryParse(rangeText, out var range) || range.From is null || range.Length is null)
                return ApiCall.Fail(ErrorCode.InvalidValue, "Content-Range: expected bytes start-end/total", Worker);
            start = range.From.Value;
            total = range.Length.Value;
        }
        // Outputs are media files: the JSON body limit does not apply to them.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = null;

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        // A stable name, so a resumed upload finds its first part; and the job's cleanup pattern (".partial-*"), so an
        // upload cut off by a cancel or a failed job is removed with the job's other partial files.
        var partial = $"{target}.partial-up{fileId[..12]}";
        var have = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        if (start != have && start != 0)
            return ApiCall.Json(ResponseWriter.Error(Worker, new Failure(ErrorCode.Conflict,
                $"upload starts at {start} but the master holds {have} bytes"), new UploadResponse(have, false)), ErrorCode.Conflict);
        await using (var file = new FileStream(partial, start == 0 ? FileMode.Create : FileMode.Append, FileAccess.Write, FileShare.None, 1 << 20))
            await http.Request.Body.CopyToAsync(file, 1 << 20, ct);
        have = new FileInfo(partial).Length;
        if (total is { } t && have < t) return ApiCall.Ok(new UploadResponse(have, false), Worker);

        var actual = await FileHasher.Md5HexAsync(partial, ct);
        if (actual != fileId)
        {
            FileCleanup.TryDelete(partial);
            return ApiCall.Fail(ErrorCode.SourceUnusable, $"the uploaded file does not match its file id (expected {fileId}, got {actual})", Worker);
        }
        File.Move(partial, target, overwrite: true);
        // Cancelled while the upload ran: the job's cleanup is over, so this output would stay for good.
        if (await Ask(registry.ActorRef, new ResolveUpload(taskId), ct) is FileLocation { Path: null })
        {
            FileCleanup.TryDelete(target);
            return ApiCall.Fail(ErrorCode.NotFound, $"task {taskId} is not running on an HTTP worker", Worker);
        }
        return ApiCall.Ok(new UploadResponse(have, true), Worker);
    }

    private static async Task<object?> Ask(IActorRef registry, object message, CancellationToken ct)
    {
        try { return await registry.Ask<object>(message, AskTimeout, ct); }
        catch (AskTimeoutException) { return null; }
    }

    private static IResult Unavailable() =>
        ApiCall.Fail(ErrorCode.Unavailable, "the worker registry did not answer in time; retry later", Worker);
}
