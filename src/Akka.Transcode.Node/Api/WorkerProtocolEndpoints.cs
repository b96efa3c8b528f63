using System.Net.Http.Headers;
using Akka.Actor;
using Akka.Hosting;
using Akka.Transcode.Actors.Hosting;
using Akka.Transcode.Actors.Workers;
using Akka.Transcode.Domain;
using Akka.Transcode.Media.Paths;
using Akka.Transcode.Media.Transfer;
using Akka.Transcode.Node.Configuration;
using Akka.Transcode.Node.Workers;
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

    public static void MapWorkerProtocolEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/master/register_worker", Register);
        app.MapPost("/master/worker_heartbeat", Heartbeat);
        app.MapGet("/master/files/{fileId}", Download);
        app.MapPut("/master/files/{fileId}", Upload);
    }

    private static async Task<IResult> Register(HttpContext http, ApiCall api, IRequiredActor<WorkerRegistryProxy> registry,
        TranscodeOptions options, CancellationToken ct)
    {
        if (api.Authorize(http, TokenScope.Worker) is { } denied) return ApiCall.Fail(denied, Worker);
        var (body, tooLarge) = await api.ReadBodyAsync(http.Request, ct);
        if (tooLarge is not null) return tooLarge;
        var parsed = RequestParser.ParseRegisterWorker(body!);
        if (!parsed.IsOk) return ApiCall.Fail(parsed.Error!, Worker);
        var r = parsed.Value!;
        // The master will call this address with tasks: it is the caller's own, or one the operator allowed.
        var address = await WorkerAddressPolicy.From(options.Worker).CheckAsync(r.Ip, http.Connection.RemoteIpAddress, ct);
        if (!address.IsOk) return ApiCall.Fail(address.Error!, Worker);
        var reply = await Ask(registry.ActorRef, new RegisterHttpWorker(address.Value!.ToString(), r.Port, r.Slots), ct);
        return reply switch
        {
            WorkerRegistered ok => ApiCall.Ok(new RegisterWorkerResponse(ok.WorkerId), Worker),
            RegistrationRefused no => ApiCall.Fail(ErrorCode.Unavailable, no.Reason, Worker),
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
        var token = FileTokenOf(http);
        if (await Ask(registry.ActorRef, new ResolveFile(fileId.ToLowerInvariant(), token), ct) is not FileLocation location)
            return Unavailable();
        if (location.Forbidden) return TokenRefused(token, $"file {fileId}", "an attempt that reads it");
        // Only inputs of tasks handed to HTTP workers are served, and only inside the media roots.
        if (location.Path is not { } path || !roots.Contains(Path.GetFullPath(path)) || !File.Exists(path))
            return ApiCall.Fail(ErrorCode.NotFound, $"no file {fileId} is served to workers now", Worker);
        return Results.File(path, "application/octet-stream", enableRangeProcessing: true);
    }

    /// <summary>
    /// A task's output, sent by the HTTP worker that ran it. The body may be the whole file or, with
    /// <c>Content-Range: bytes start-end/total</c>, the rest of it; <see cref="UploadReceiver"/> keeps and checks it,
    /// and each of its outcomes has its answer here: a start that does not match answers -8 with <c>received</c>, a
    /// complete file that does not match the id in the URL -9.
    /// </summary>
    private static async Task<IResult> Upload(string fileId, HttpContext http, ApiCall api, MediaRoots roots,
        IRequiredActor<WorkerRegistryProxy> registry, TranscodeOptions options, CancellationToken ct)
    {
        if (api.Authorize(http, TokenScope.Worker) is { } denied) return ApiCall.Fail(denied, Worker);
        if (!WorkerTaskWire.IsMd5(fileId)) return ApiCall.Fail(ErrorCode.InvalidValue, "file_id: not an MD5 in hex", Worker);
        fileId = fileId.ToLowerInvariant();
        var taskId = http.Request.Query["task_id"].ToString();
        if (!ProtocolId.IsValid(taskId)) return ApiCall.Fail(ErrorCode.InvalidRequest, "task_id: required query parameter is missing or invalid", Worker);
        var token = FileTokenOf(http);
        if (await Ask(registry.ActorRef, new ResolveUpload(taskId, token), ct) is not FileLocation location) return Unavailable();
        if (location.Forbidden) return TokenRefused(token, $"task {taskId}", "its current attempt");
        if (location.Path is not { } target || !roots.Contains(Path.GetFullPath(target)))
            return ApiCall.Fail(ErrorCode.NotFound, $"task {taskId} is not running on an HTTP worker", Worker);
        // The output's directory may not exist yet (a parts directory; a sprite's folder inside the job's temporary
        // output directory, two levels): it is made one level at a time, each a real directory inside the roots, so a
        // link planted on the way since add_job is refused rather than followed, and the upload lands in its real path.
        var dir = roots.CreateDirectoryInside(Path.GetDirectoryName(target)!, "output directory");
        if (!dir.IsOk) return ApiCall.Fail(dir.Error!, Worker);
        target = Path.Combine(dir.Value!, Path.GetFileName(target));

        long start = 0;
        long? total = http.Request.ContentLength;
        if (http.Request.Headers.ContentRange.ToString() is { Length: > 0 } rangeText)
        {
            if (!ContentRangeHeaderValue.TryParse(rangeText, out var range) || range.From is null || range.Length is null)
                return ApiCall.Fail(ErrorCode.InvalidValue, "Content-Range: expected bytes start-end/total", Worker);
            start = range.From.Value;
            total = range.Length.Value;
        }
        var outcome = await new UploadReceiver(options.Worker.MaxUploadBytes).ReceiveAsync(
            new UploadRequest(target, fileId, start, total),
            () =>
            {
                // Outputs are media files: the JSON body limit does not apply to them; MaxUploadBytes does.
                if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = null;
                return http.Request.Body;
            },
            // Asked with the token, as any question about an attempt's files must be: another attempt now current
            // (Forbidden) will write this same file itself, so only a task nobody runs any more takes it away.
            async c => await Ask(registry.ActorRef, new ResolveUpload(taskId, token), c) is not FileLocation { Path: null, Forbidden: false },
            ct);
        return outcome switch
        {
            UploadOutcome.TooLarge big => UploadTooLarge(big.MaxBytes),
            UploadOutcome.WrongStart w => ApiCall.Json(ResponseWriter.Error(Worker, new Failure(ErrorCode.Conflict,
                $"upload starts at {w.Start} but the master holds {w.Held} bytes"), new UploadResponse(w.Held, false)), ErrorCode.Conflict),
            UploadOutcome.NoRoom n => ApiCall.Fail(ErrorCode.Unavailable,
                $"the master has {n.FreeBytes} bytes free where the output goes, and the upload needs {n.Needed}; retry later", Worker),
            UploadOutcome.Incomplete i => ApiCall.Ok(new UploadResponse(i.Held, false), Worker),
            UploadOutcome.Mismatch m => ApiCall.Fail(ErrorCode.SourceUnusable,
                $"the uploaded file does not match its file id (expected {m.Expected}, got {m.Actual})", Worker),
            UploadOutcome.Withdrawn => ApiCall.Fail(ErrorCode.NotFound, $"task {taskId} is not running on an HTTP worker", Worker),
            UploadOutcome.Complete done => ApiCall.Ok(new UploadResponse(done.Size, true), Worker),
            _ => throw new InvalidOperationException($"unknown upload outcome {outcome}"),
        };
    }

    private static IResult UploadTooLarge(long max) => new EnvelopeResult(
        ResponseWriter.Error(Worker, ErrorCode.InvalidRequest,
            $"the upload is larger than Transcode:Worker:MaxUploadBytes ({max} bytes); nothing of it was kept"),
        StatusCodes.Status413PayloadTooLarge);

    private static string? FileTokenOf(HttpContext http) =>
        http.Request.Headers[WorkerTaskWire.FileTokenHeader].ToString() is { Length: > 0 } t ? t : null;

    private static IResult TokenRefused(string? token, string what, string whose) => ApiCall.Fail(ErrorCode.Forbidden,
        token is null
            ? $"{WorkerTaskWire.FileTokenHeader} missing: {what} is served only with the file_token of {whose} (from add_task)"
            : $"{WorkerTaskWire.FileTokenHeader} does not match {whose}: {what} is served only to the worker the attempt was given to",
        Worker);

    private static async Task<object?> Ask(IActorRef registry, object message, CancellationToken ct)
    {
        try { return await registry.Ask<object>(message, EndpointTimeouts.Actor, ct); }
        catch (AskTimeoutException) { return null; }
    }

    private static IResult Unavailable() =>
        ApiCall.Fail(ErrorCode.Unavailable, "the worker registry did not answer in time; retry later", Worker);
}
