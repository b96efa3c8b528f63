using Akka.Actor;
using Akka.Cluster;
using Akka.Transcode.Actors.ReadModel;
using Akka.Transcode.Media.Probing;
using Akka.Transcode.Node.Configuration;

namespace Akka.Transcode.Node.Api;

/// <summary>/healthz: the process answers. /readyz: joined the cluster as Up, its database answers (api and master
/// roles) and ffmpeg is there (worker role).</summary>
public static class HealthEndpoints
{
    public static void MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", async (ActorSystem system, Database db, TranscodeOptions options, CancellationToken ct) =>
        {
            var member = Akka.Cluster.Cluster.Get(system).SelfMember;
            if (member.Status != MemberStatus.Up)
                return Results.Text($"cluster member status {member.Status}", statusCode: 503);
            if (options.UsesStorage)
            {
                try
                {
                    await using var c = await db.OpenAsync(ct);
                }
                catch (Exception ex)
                {
                    return Results.Text($"storage unreachable: {ex.Message}", statusCode: 503);
                }
            }
            if (options.Has("worker") && !FfmpegBinaries.FfmpegFound())
                return Results.Text("ffmpeg not found", statusCode: 503);
            return Results.Text("ready");
        });
    }
}
