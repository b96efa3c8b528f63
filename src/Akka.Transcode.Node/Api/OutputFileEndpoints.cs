using Akka.Actor;
using Akka.Hosting;
using Akka.Transcode.Actors.Hosting;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Actors.Storage;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Media.Paths;
using Akka.Transcode.Protocol.Auth;

namespace Akka.Transcode.Node.Api;

/// <summary>
/// <c>GET /jobs/{job_id}/outputs/{path}</c>: one file of a completed output-group job's published directory (a
/// playlist, a segment, a still), for players such as the dashboard's. Client scope; Range requests are answered.
/// The file is opened through <see cref="OutputFiles"/> at the moment of the request, so nothing outside the job's
/// directory and the media roots is ever served, whatever links appear there.
/// </summary>
public static class OutputFileEndpoints
{
    public static void MapOutputFileEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/jobs/{job_id}/outputs/{**path}", Get);

    private static async Task<IResult> Get(HttpContext http, string job_id, string? path, ApiCall api, MediaRoots roots,
        JobReadStore store, JobQueue queue, IRequiredActor<JobRegion> jobs, CancellationToken ct)
    {
        if (api.Authorize(http, TokenScope.Client) is { } denied) return ApiCall.Fail(denied);
        if (job_id.Length > 128) return ApiCall.Fail(ErrorCode.InvalidValue, "job_id: longer than 128 characters");
        if (OutputFiles.CheckRelative(path ?? "") is { } bad) return ApiCall.Fail(bad);

        var job = await MasterEndpoints.FindJobAsync(job_id, detail: false, store, queue, jobs, ct);
        if (!job.IsOk) return ApiCall.Fail(job.Error!);
        var summary = job.Value!.Summary;
        // A job without outputs wrote one file, not a directory.
        if (summary.Outputs.Count == 0)
            return ApiCall.Fail(ErrorCode.InvalidValue, $"job {job_id} has no outputs: its output is the single file of get_job's dst_path");
        if (summary.State != JobState.Completed)
            return ApiCall.Fail(ErrorCode.Conflict, $"job {job_id} is not completed: its outputs are published when it completes");

        var opened = OutputFiles.Open(roots, summary.OutputPath, path!);
        if (!opened.IsOk) return ApiCall.Fail(opened.Error!);
        var headers = http.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        // Token-protected: no shared cache may keep a copy; the browser revalidates by Last-Modified.
        headers.CacheControl = "private, no-cache";
        return Results.File(opened.Value!.Stream, ContentTypeOf(path!), lastModified: opened.Value.LastModified,
            enableRangeProcessing: true);
    }

    private static string ContentTypeOf(string path) => Path.GetExtension(path) switch
    {
        ".m3u8" => "application/vnd.apple.mpegurl",
        ".mpd" => "application/dash+xml",
        ".m4s" => "video/iso.segment",
        ".mp4" or ".m4a" => "video/mp4",
        ".jpg" => "image/jpeg",
        ".webp" => "image/webp",
        ".vtt" => "text/vtt; charset=utf-8",
        _ => "application/octet-stream",
    };
}
