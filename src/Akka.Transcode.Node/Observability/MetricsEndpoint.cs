using Akka.Transcode.Actors.Telemetry;
using Akka.Transcode.Node.Api;
using Akka.Transcode.Node.Configuration;
using Akka.Transcode.Protocol.Auth;

namespace Akka.Transcode.Node.Observability;

/// <summary>
/// GET /metrics: the "Akka.Transcode" meter as Prometheus text, on every node that has an HTTP listener (cluster
/// nodes of any role, and HTTP workers). Open like /healthz unless Transcode:Metrics:RequireToken asks for an admin
/// token (PROTOCOL.md says nothing about metrics; scrapers usually reach them on an internal network).
/// </summary>
public static class MetricsEndpoint
{
    public static IServiceCollection AddNodeMetrics(this IServiceCollection services, TranscodeOptions options)
    {
        // Made now, before the actor system starts, so no measurement of the first job is missed.
        services.AddSingleton(new MetricsCollector());
        if (options.Has("api") && !options.IsHttpWorker) services.AddSingleton<JobStateGauge>();
        return services;
    }

    public static void MapMetricsEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", async (HttpContext http, MetricsCollector collector, TranscodeOptions options, ApiCall api,
            IServiceProvider services, CancellationToken ct) =>
        {
            if (options.Metrics.RequireToken && api.Authorize(http, TokenScope.Admin) is { } denied) return ApiCall.Fail(denied);
            if (services.GetService<JobStateGauge>() is { } jobs) await jobs.RefreshAsync(ct);
            return Results.Text(collector.Collect(), PrometheusText.ContentType);
        });
    }
}
