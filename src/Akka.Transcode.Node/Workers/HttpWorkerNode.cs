using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Transcode.Actors.Hosting;
using Akka.Transcode.Media.Execution;
using Akka.Transcode.Media.Hashing;
using Akka.Transcode.Media.Paths;
using Akka.Transcode.Media.Running;
using Akka.Transcode.Media.Transfer;
using Akka.Transcode.Node.Api;
using Akka.Transcode.Node.Cluster;
using Akka.Transcode.Node.Configuration;
using Akka.Transcode.Node.Observability;
using Akka.Transcode.Protocol.Auth;

namespace Akka.Transcode.Node.Workers;

/// <summary>
/// A node with Transcode:Worker:MasterUrl: a worker outside the cluster. It has no cluster and no database; an actor
/// system of its own runs the same task runners and ffmpeg code as cluster workers, driven by the master over HTTP.
/// Inputs it cannot read inside its own media roots are fetched from the master by content id, and outputs it
/// cannot write there are sent back.
/// </summary>
public static class HttpWorkerNode
{
    public static async Task<int> RunAsync(WebApplicationBuilder builder, TranscodeOptions options, TokenSet tokens,
        IReadOnlyList<string> createdRoots)
    {
        var url = new Uri(options.Http.Url);
        var host = options.Worker.AdvertiseHost ?? url.Host;
        var link = new HttpMasterLink(options.Worker.MasterUrl!, tokens.OutgoingWorkerToken, host.Trim('[', ']'), url.Port);
        var roots = new MediaRoots(options.Media.EffectiveRoots);
        var settings = ClusterWiring.Settings(options);

        var pidDir = Path.Combine(options.DataDir, "ffmpeg-pids");
        var reaped = OrphanReaper.ReapLeftovers(pidDir);
        var transfer = Path.Combine(options.DataDir, "transfer");
        var staging = new StagingOptions(path => ClusterWiring.IsInside(roots, path), transfer, options.Worker.CacheMaxBytes);
        // ffmpeg reads and writes in the media roots, or in the transfer directory where inputs are fetched to and
        // outputs staged; nowhere else, whatever the master's task says.
        var guard = new PathGuard(new MediaRoots([.. options.Media.EffectiveRoots, transfer]));
        var executor = new StagingTaskExecutor(ClusterWiring.TaskExecutor(options, pidDir, guard),
            staging, link, new ContentIdCache());

        builder.WebHost.UseUrls(options.Http.Url);
        builder.WebHost.ConfigureKestrel(k => KestrelLimits.Apply(k.Limits, options.Http));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(tokens);
        builder.Services.AddSingleton(roots);
        builder.Services.AddSingleton<ApiCall>();
        builder.Services.AddNodeMetrics(options);
        builder.Services.AddAkka(AkkaConfig.SystemName, (b, _) =>
        {
            b.AddHocon(ConfigurationFactory.ParseString($$"""
                akka {
                  loglevel = INFO
                  scheduler.tick-duration = 50ms
                  # The worker stops its ffmpeg processes in this phase (TranscodeSettings.DrainTimeout at most).
                  coordinated-shutdown.phases.before-service-unbind.timeout = {{AkkaConfig.Duration(settings.DrainPhaseTimeout)}}
                }
                """), HoconAddMode.Prepend);
            b.WithNodeLogging(options.Logging);
            b.WithHttpWorker(options.Worker.Slots, executor, link, settings);
        });

        var app = builder.Build();
        app.UseMiddleware<ErrorEnvelopeMiddleware>();
        app.MapHttpWorkerHealthEndpoints();
        app.MapMetricsEndpoint();
        app.MapHttpWorkerEndpoints();
        app.MapOpenApiEndpoints();
        if (options.Worker.InstantExecutor) app.Logger.LogWarning(ClusterWiring.InstantWarning);
        Startup.MediaRootCheck.WarnCreated(app.Logger, createdRoots);
        var system = app.Services.GetRequiredService<ActorSystem>();
        _ = system.WhenTerminated.ContinueWith(_ => app.Lifetime.StopApplication());
        if (reaped > 0) app.Logger.LogWarning("stopped {Count} ffmpeg process(es) left over from an earlier run", reaped);
        app.Logger.LogInformation("HTTP worker: serving /worker/* on {Url}, master {MasterUrl}, called back at {CallbackUrl}",
            options.Http.Url, options.Worker.MasterUrl, $"http://{host}:{url.Port}");
        await app.RunAsync();
        return 0;
    }
}
