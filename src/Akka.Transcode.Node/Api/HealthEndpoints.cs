using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Akka.Transcode.Actors.Hosting;
using Akka.Transcode.Actors.Storage;
using Akka.Transcode.Actors.Workers;
using Akka.Transcode.Media.Probing;
using Akka.Transcode.Node.Configuration;
using Akka.Transcode.Node.Startup;

namespace Akka.Transcode.Node.Api;

/// <summary>
/// /healthz: the process answers. /readyz: the node can do its part. A cluster node has joined the cluster as Up,
/// its database answers (api and master roles), ffmpeg is there (worker role) and a master has warmed its journal; an HTTP worker has registered with
/// its master (its way of joining) and ffmpeg is there. Ready answers 200, anything else 503 with the reason.
/// </summary>
public static class HealthEndpoints
{

    public static void MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", async (ActorSystem system, Database db, TranscodeOptions options, ILoggerFactory logs, CancellationToken ct) =>
        {
            var cluster = Akka.Cluster.Cluster.Get(system);
            if (MembershipProblem(cluster.SelfMember.Status, cluster.IsTerminated) is { } problem) return NotReady(problem);
            if (options.UsesStorage)
            {
                try
                {
                    await using var c = await db.OpenAsync(ct);
                }
                catch (Exception ex)
                {
                    // The answer is open to anyone: the driver's text (host names, paths, user names) stays in the log.
                    logs.CreateLogger(typeof(HealthEndpoints)).LogWarning(ex, "readyz: the database is unreachable");
                    return NotReady(StorageUnreachable);
                }
            }
            if (options.Has("worker") && !FfmpegBinaries.FfmpegFound()) return NotReady("ffmpeg not found");
            if (!WarmUp.IsDone) return NotReady("warming up");
            return Results.Text("ready");
        });
    }

    public static void MapHttpWorkerHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", async (IRequiredActor<HttpWorkerHostActor> host, CancellationToken ct) =>
        {
            HttpWorkerStatus status;
            try { status = await host.ActorRef.Ask<HttpWorkerStatus>(GetHttpWorkerStatus.Instance, EndpointTimeouts.Actor, ct); }
            catch (AskTimeoutException) { return NotReady("the worker did not answer in time"); }
            if (status.WorkerId is null) return NotReady("not registered with the master yet");
            if (!FfmpegBinaries.FfmpegFound()) return NotReady("ffmpeg not found");
            return Results.Text($"ready: worker {status.WorkerId}, {status.Running} of {status.Slots} slot(s) busy");
        });
    }

    public const string NotJoined =
        "not joined to a cluster yet: no seed node has let it in (check Transcode:Cluster:Seeds; a new cluster forms only once the first seed is up)";

    /// <summary>Why this member cannot serve yet, or null when it is Up. Akka reports Removed both before the node has
    /// joined and after it has left; only in the second case has the cluster extension stopped.</summary>
    public static string? MembershipProblem(MemberStatus status, bool clusterStopped) => status switch
    {
        MemberStatus.Up => null,
        MemberStatus.Removed when !clusterStopped => NotJoined,
        MemberStatus.Removed => "removed from the cluster",
        _ => $"cluster member status {status}",
    };

    public const string StorageUnreachable = "storage unreachable (the reason is in the node's log)";

    private static IResult NotReady(string reason) => Results.Text(reason, statusCode: StatusCodes.Status503ServiceUnavailable);
}
