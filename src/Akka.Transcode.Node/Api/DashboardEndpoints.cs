using Akka.Actor;
using Akka.Hosting;
using Akka.Transcode.Actors.Feed;
using Akka.Transcode.Actors.Hosting;
using Akka.Transcode.Domain;
using Akka.Transcode.Node.Dashboard;
using Akka.Transcode.Protocol.Auth;
using Microsoft.AspNetCore.Http.Features;

namespace Akka.Transcode.Node.Api;

/// <summary>
/// The web dashboard: its static page at <c>/</c> (a token form until a token is given; every figure comes from the
/// API) and <c>/dashboard/events</c>, the live feed as server-sent events, pushed from the actors' change topics by
/// this node's <see cref="DashboardFeed"/>.
/// </summary>
public static class DashboardEndpoints
{
    public const string EventsPath = "/dashboard/events";

    /// <summary>A comment line this often keeps proxies from closing an idle stream and finds dead connections.</summary>
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);


    public static void MapDashboardEndpoints(this IEndpointRouteBuilder app)
    {
        var assets = DashboardAssets.Load();
        app.MapGet("/", (HttpContext http) => assets.Serve(http, "index.html"));
        app.MapGet("/dashboard/{file}", (HttpContext http, string file) => assets.Serve(http, file));
        app.MapGet(EventsPath, Events);
    }

    /// <summary>
    /// <c>event: hello</c> first (scope, node, watched job), then <c>job</c>, <c>task</c> (only with <c>?job=</c>, of
    /// that job), <c>workers</c> and <c>members</c> (admin tokens only), and <c>resync</c> when updates were dropped.
    /// Needs a client or admin token, like get_jobs; refusals are the protocol's error envelopes.
    /// </summary>
    private static async Task Events(HttpContext http, ApiCall api, ActorSystem system,
        IRequiredActor<DashboardFeedActor> feed, IHostApplicationLifetime lifetime, FeedAdmission admission)
    {
        if (api.Authorize(http, TokenScope.Client) is { } denied)
        {
            await ApiCall.Fail(denied).ExecuteAsync(http);
            return;
        }
        var jobId = http.Request.Query["job"].ToString();
        if (jobId.Length > 128)
        {
            await ApiCall.Fail(ErrorCode.InvalidValue, "job: longer than 128 characters").ExecuteAsync(http);
            return;
        }
        var (lease, refused) = admission.TryOpen(ApiCall.PresentedToken(http)!);
        if (refused is not null)
        {
            await ApiCall.Fail(refused).ExecuteAsync(http);
            return;
        }
        using var held = lease;
        var admin = api.ScopeOf(http) == TokenScope.Admin;
        var client = new FeedClient(admin, jobId.Length == 0 ? null : jobId);
        var id = Guid.NewGuid();
        // An open stream must not hold up the node's shutdown (Kestrel would wait for it to end).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        try
        {
            // Connected before hello: whatever the page loads after hello, later changes reach it.
            await feed.ActorRef.Ask<FeedClientConnected>(new ConnectFeedClient(id, client), EndpointTimeouts.Actor, stop.Token);
        }
        catch (AskTimeoutException)
        {
            await ApiCall.Fail(ErrorCode.Unavailable, "the live feed did not answer in time; retry later").ExecuteAsync(http);
            return;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            feed.ActorRef.Tell(new DisconnectFeedClient(id));
            return;
        }

        try
        {
            http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = "text/event-stream; charset=utf-8";
            http.Response.Headers.CacheControl = "no-cache, no-store";
            http.Response.Headers["X-Accel-Buffering"] = "no";
            var hello = new Hello(admin ? "admin" : "client", Akka.Cluster.Cluster.Get(system).SelfAddress.ToString(), client.JobId);
            await Write(http, FeedFrame.Create("hello", "hello", DashboardFormatter.Json(hello)).Text, stop.Token);
            while (true)
            {
                IReadOnlyList<string>? frames;
                using (var idle = CancellationTokenSource.CreateLinkedTokenSource(stop.Token))
                {
                    idle.CancelAfter(KeepAlive);
                    try { frames = await client.TakeAsync(idle.Token); }
                    catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                    {
                        await Write(http, ": keep-alive\n\n", stop.Token);
                        continue;
                    }
                }
                if (frames is null) break; // the feed stopped
                foreach (var frame in frames) await http.Response.WriteAsync(frame, stop.Token);
                await http.Response.Body.FlushAsync(stop.Token);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // the browser went away or the node is stopping
        }
        catch (IOException)
        {
            // the connection broke while writing
        }
        finally
        {
            feed.ActorRef.Tell(new DisconnectFeedClient(id));
            client.Close();
        }
    }

    private static async Task Write(HttpContext http, string text, CancellationToken ct)
    {
        await http.Response.WriteAsync(text, ct);
        await http.Response.Body.FlushAsync(ct);
    }

    private sealed record Hello(string Scope, string Node, string? JobId);
}
