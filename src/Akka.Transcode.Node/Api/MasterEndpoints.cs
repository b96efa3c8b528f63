using Akka.Actor;
using Akka.Hosting;
using Akka.Transcode.Actors.Hosting;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Actors.Storage;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Media.Paths;
using Akka.Transcode.Node.Configuration;
using Akka.Transcode.Protocol;
using Akka.Transcode.Protocol.Auth;
using Akka.Transcode.Protocol.Requests;
using Akka.Transcode.Protocol.Responses;

namespace Akka.Transcode.Node.Api;

/// <summary>The client calls of PROTOCOL.md: each turns a JSON request into one actor message or one read-model query.</summary>
public static class MasterEndpoints
{

    public static void MapMasterEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/master/add_job", AddJob);
        app.MapMethods("/master/get_job", ["GET", "POST"], GetJob);
        app.MapMethods("/master/get_jobs", ["GET", "POST"], GetJobs);
        app.MapPost("/master/cancel_job", CancelJob);
    }

    private static async Task<IResult> AddJob(HttpContext http, ApiCall api, MediaRoots roots,
        IRequiredActor<JobIntakeActor> intake, AdmissionControl admission, CallbackPolicy callbacks, TranscodeOptions options,
        CancellationToken ct)
    {
        if (api.Authorize(http, TokenScope.Client) is { } denied) return ApiCall.Fail(denied);
        var (body, tooLarge) = await api.ReadBodyAsync(http.Request, ct);
        if (tooLarge is not null) return tooLarge;
        var parsed = RequestParser.ParseAddJob(body!, options.PresetCatalog);
        if (!parsed.IsOk) return ApiCall.Fail(parsed.Error!);
        var req = parsed.Value!;
        if (req.CallbackUrl is not null && callbacks.CheckAtSubmit(req.CallbackUrl) is { } refused) return ApiCall.Fail(refused);

        var files = await JobFiles.ResolveAsync(roots, req.SrcFilename, req.MapFilename, req.DstDir, ct);
        if (!files.IsOk) return ApiCall.Fail(files.Error!);
        var spec = new JobSpec
        {
            SourcePath = files.Value!.SourcePath, DstDir = files.Value.DstDir, DstFormat = req.DstFormat, Segments = req.Ranges,
            SegmentsText = string.IsNullOrWhiteSpace(req.Segments) ? null : req.Segments, Priority = req.Priority,
            Overwrite = req.Overwrite, Output = req.Output, CallbackUrl = req.CallbackUrl,
            TimeoutSeconds = req.TimeoutSeconds,
            MapPath = files.Value.MapPath, MapTables = files.Value.MapTables,
            Outputs = req.Outputs, OutputsPreset = req.OutputsPreset,
        };
        // A repeated job_id is answered by the job that has it, whatever is in dst_dir now.
        if (req.JobId is null && JobFiles.OutputTaken(spec) is { } taken) return ApiCall.Fail(taken);

        // Last of the checks: a request that is wrong anyway gets its own error, not "retry later".
        if (await admission.CheckAsync(ct) is { } full) return ApiCall.Fail(full);

        var jobId = req.JobId ?? NewJobId();
        // Stored before the answer, in the intake's next batch; the job's entity starts when the cluster has room.
        var reply = await Ask<JobCommandReply>(intake.ActorRef, new SubmitJob(jobId, spec), ct);
        if (!reply.IsOk) return ApiCall.Fail(reply.Error!);
        if (reply.Value!.Error is { } error) return ApiCall.Fail(error);
        admission.Accepted(jobId);
        return ApiCall.Ok(new AddJobResponse(jobId));
    }

    private static async Task<IResult> GetJob(HttpContext http, ApiCall api, IRequiredActor<JobRegion> jobs,
        JobReadStore store, JobQueue queue, CancellationToken ct)
    {
        if (api.Authorize(http, TokenScope.Client) is { } denied) return ApiCall.Fail(denied);
        Result<GetJobRequest> parsed;
        if (HttpMethods.IsGet(http.Request.Method))
            parsed = RequestParser.ParseGetJobQuery(Query(http));
        else
        {
            var (body, tooLarge) = await api.ReadBodyAsync(http.Request, ct);
            if (tooLarge is not null) return tooLarge;
            parsed = RequestParser.ParseGetJob(body!);
        }
        if (!parsed.IsOk) return ApiCall.Fail(parsed.Error!);
        var job = await FindJobAsync(parsed.Value!.JobId, parsed.Value.Detail, store, queue, jobs, ct);
        if (!job.IsOk) return ApiCall.Fail(job.Error!);
        return ApiCall.Ok(new GetJobResponse(JobMapping.ToDto(job.Value!)));
    }

    /// <summary>
    /// A job as get_job shows it. A completed job never changes again, and its list row says all get_job shows of it:
    /// answered from there, a look-up of an old job neither wakes its passivated entity (a replay, and a
    /// remember-entities write) nor waits for it. A job still queued (INIT) is answered from its row too, with its
    /// empty task list: waking its entity would start it ahead of its turn, and a client polling its queued jobs
    /// would start them all. A job accepted a moment ago that the list does not show yet is read from the start
    /// queue if it waits there. Anything else the list does not show yet is asked of the entity.
    /// </summary>
    internal static async Task<Result<JobView>> FindJobAsync(string jobId, bool detail, JobReadStore store, JobQueue queue,
        IRequiredActor<JobRegion> jobs, CancellationToken ct)
    {
        switch (await store.GetAsync(jobId, ct) ?? await queue.GetAsync(jobId, ct))
        {
            case { State: JobState.Completed } done when !detail:
                return Result<JobView>.Ok(new JobView(done, null, null, null));
            case { State: JobState.Init } queued:
                return Result<JobView>.Ok(new JobView(queued, null, null, detail ? [] : null));
        }
        var reply = await Ask<GetJobReply>(jobs.ActorRef, new GetJob(jobId, detail), ct);
        if (!reply.IsOk) return reply.Error!;
        return reply.Value!.Error is { } error ? error : Result<JobView>.Ok(reply.Value.Job!);
    }

    private static async Task<IResult> GetJobs(HttpContext http, ApiCall api, JobReadStore store, CancellationToken ct)
    {
        if (api.Authorize(http, TokenScope.Client) is { } denied) return ApiCall.Fail(denied);
        Result<GetJobsRequest> parsed;
        if (HttpMethods.IsGet(http.Request.Method))
            parsed = RequestParser.ParseGetJobsQuery(Query(http));
        else
        {
            var (body, tooLarge) = await api.ReadBodyAsync(http.Request, ct);
            if (tooLarge is not null) return tooLarge;
            parsed = RequestParser.ParseGetJobs(body!);
        }
        if (!parsed.IsOk) return ApiCall.Fail(parsed.Error!);
        var q = parsed.Value!;
        var page = await store.QueryAsync(q.StartIndex, q.Limit, q.Order == SortOrder.Desc, (int?)q.State, ct);
        return ApiCall.Ok(new GetJobsResponse(q.StartIndex, page.Total, page.Jobs.Select(JobMapping.ToDto).ToList()));
    }

    private static async Task<IResult> CancelJob(HttpContext http, ApiCall api, IRequiredActor<JobRegion> jobs,
        CancellationToken ct)
    {
        if (api.Authorize(http, TokenScope.Client) is { } denied) return ApiCall.Fail(denied);
        var (body, tooLarge) = await api.ReadBodyAsync(http.Request, ct);
        if (tooLarge is not null) return tooLarge;
        var parsed = RequestParser.ParseCancelJob(body!);
        if (!parsed.IsOk) return ApiCall.Fail(parsed.Error!);
        var reply = await Ask<JobCommandReply>(jobs.ActorRef, new CancelJob(parsed.Value!.JobId), ct);
        if (!reply.IsOk) return ApiCall.Fail(reply.Error!);
        return reply.Value!.Error is { } error ? ApiCall.Fail(error) : ApiCall.Ok();
    }

    /// <summary>An unanswered ask means the cluster is not ready (shards starting, no master reachable): -10, retry.</summary>
    private static async Task<Result<T>> Ask<T>(IActorRef target, object message, CancellationToken ct)
    {
        try
        {
            return Result<T>.Ok(await target.Ask<T>(message, EndpointTimeouts.Cluster, ct));
        }
        catch (AskTimeoutException)
        {
            return Result<T>.Fail(ErrorCode.Unavailable, "the cluster did not answer in time; retry later");
        }
    }

    /// <summary>Time-ordered, so ids sort like creation times; 32 hex characters.</summary>
    private static string NewJobId() => Guid.CreateVersion7().ToString("N");

    private static IEnumerable<KeyValuePair<string, string?>> Query(HttpContext http) =>
        http.Request.Query.Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value.ToString()));
}
