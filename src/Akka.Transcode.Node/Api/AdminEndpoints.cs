using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Transcode.Actors.Hosting;
using Akka.Transcode.Actors.Workers;
using Akka.Transcode.Domain;
using Akka.Transcode.Protocol.Auth;
using Akka.Transcode.Protocol.Responses;

namespace Akka.Transcode.Node.Api;

/// <summary>
/// Cluster inspection and control for operators (admin scope): members, leader, leave and down, shard placement
/// and workers, read from the live cluster (Cluster.State, GetClusterShardingStats, the worker registry) on every
/// call, never from a copy.
/// </summary>
public static class AdminEndpoints
{

    public static void MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/admin/cluster/show", ["GET", "POST"], (HttpContext http, ApiCall api, ActorSystem system) =>
            Admin(http, api, () => ApiCall.Ok(Show(Akka.Cluster.Cluster.Get(system)))));
        app.MapMethods("/admin/cluster/status", ["GET", "POST"], (HttpContext http, ApiCall api, ActorSystem system) =>
            Admin(http, api, () =>
            {
                var cluster = Akka.Cluster.Cluster.Get(system);
                var state = cluster.State;
                return ApiCall.Ok(new ClusterStatusResponse(cluster.SelfAddress.ToString(), cluster.SelfMember.Status.ToString(),
                    state.Leader?.ToString(), state.Members.Count, state.Members.Count(m => m.Status == MemberStatus.Up),
                    state.Unreachable.Count));
            }));
        app.MapMethods("/admin/cluster/leader", ["GET", "POST"], (HttpContext http, ApiCall api, ActorSystem system) =>
            Admin(http, api, () => ApiCall.Ok(new ClusterLeaderResponse(Akka.Cluster.Cluster.Get(system).State.Leader?.ToString()))));
        app.MapPost("/admin/cluster/leave", (HttpContext http, ApiCall api, ActorSystem system) =>
            Control(http, api, system, (cluster, address) => cluster.Leave(address)));
        app.MapPost("/admin/cluster/down", (HttpContext http, ApiCall api, ActorSystem system) =>
            Control(http, api, system, (cluster, address) => cluster.Down(address)));
        app.MapPost("/admin/cluster/down-unreachable", (HttpContext http, ApiCall api, ActorSystem system) =>
            Admin(http, api, () =>
            {
                var cluster = Akka.Cluster.Cluster.Get(system);
                var downed = cluster.State.Unreachable.Select(m => m.Address).ToList();
                foreach (var a in downed) cluster.Down(a);
                return ApiCall.Ok(new DownedResponse(downed.Select(a => a.ToString()).ToList()));
            }));
        app.MapMethods("/admin/sharding/regions", ["GET", "POST"], (HttpContext http, ApiCall api) =>
            Admin(http, api, () => ApiCall.Ok(new ShardRegionsResponse([TranscodeHosting.JobTypeName, TranscodeHosting.TaskTypeName]))));
        app.MapMethods("/admin/sharding/region-stats", ["GET", "POST"], RegionStats);
        app.MapMethods("/admin/workers", ["GET", "POST"], Workers);
    }

    private static IResult Admin(HttpContext http, ApiCall api, Func<IResult> body) =>
        api.Authorize(http, TokenScope.Admin) is { } denied ? ApiCall.Fail(denied) : body();

    /// <summary>The answer of /admin/workers; the dashboard's live workers events carry the same shape.</summary>
    public static WorkersResponse ToResponse(WorkersSnapshot snapshot)
    {
        var workers = snapshot.Workers.Select(w => new WorkerDto(w.WorkerId,
            w.HttpEndpoint ?? w.Key.Replace("akka:", ""),
            w.QuarantinedUntil is not null ? "quarantined" : w.Running.Count >= w.Slots ? "busy" : "idle", w.Slots,
            w.Running.Select(r => $"{r.TaskId}#{r.Attempt}").ToList(), w.LastHeartbeat, w.ConsecutiveFailures,
            w.QuarantinedUntil)).ToList();
        return new WorkersResponse(workers.Count, snapshot.QueueLength, workers);
    }

    /// <summary>The answer of /admin/cluster/show; the dashboard's live members events carry the same shape.</summary>
    public static ClusterShowResponse Show(Akka.Cluster.Cluster cluster)
    {
        var state = cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var members = state.Members.Concat(state.Unreachable.Where(u => !state.Members.Contains(u)))
            .OrderBy(m => m.Address.ToString())
            .Select(m => new MemberDto(m.Address.ToString(), m.Roles.Order().ToList(), m.Status.ToString(),
                unreachable.Contains(m.Address) ? "unreachable" : "reachable", m.AppVersion.ToString()))
            .ToList();
        return new ClusterShowResponse(cluster.SelfAddress.ToString(), state.Leader?.ToString(), members.Count, members);
    }

    /// <summary>leave / down: <c>{"address":"akka.tcp://transcode@host:port"}</c>, a member of this cluster.</summary>
    private static async Task<IResult> Control(HttpContext http, ApiCall api, ActorSystem system, Action<Akka.Cluster.Cluster, Address> act)
    {
        if (api.Authorize(http, TokenScope.Admin) is { } denied) return ApiCall.Fail(denied);
        var (body, tooLarge) = await api.ReadBodyAsync(http.Request, http.RequestAborted);
        if (tooLarge is not null) return tooLarge;
        string text;
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(body!);
            if (doc.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object)
                return ApiCall.Fail(ErrorCode.InvalidRequest, $"body: expected a JSON object, got {Kind(doc.RootElement.ValueKind)}");
            if (!doc.RootElement.TryGetProperty("address", out var a))
                return ApiCall.Fail(ErrorCode.InvalidRequest, "address: required string is missing");
            if (a.ValueKind != System.Text.Json.JsonValueKind.String)
                return ApiCall.Fail(ErrorCode.InvalidRequest, $"address: expected a string, got {Kind(a.ValueKind)}");
            text = a.GetString()!;
        }
        catch (System.Text.Json.JsonException e)
        {
            return ApiCall.Fail(ErrorCode.InvalidJson, $"invalid JSON: {e.Message}");
        }
        Address address;
        try { address = Address.Parse(text); }
        catch (Exception) { return ApiCall.Fail(ErrorCode.InvalidValue, $"address: '{text}' is not an Akka address (akka.tcp://transcode@host:port)"); }
        var cluster = Akka.Cluster.Cluster.Get(system);
        if (!cluster.State.Members.Any(m => m.Address.Equals(address)))
            return ApiCall.Fail(ErrorCode.NotFound, $"address: {text} is not a member of this cluster");
        act(cluster, address);
        return ApiCall.Ok();
    }

    private static string Kind(System.Text.Json.JsonValueKind kind) => kind.ToString().ToLowerInvariant();

    private static async Task<IResult> RegionStats(HttpContext http, ApiCall api, IRequiredActor<JobRegion> jobs,
        IRequiredActor<TaskRegion> tasks, CancellationToken ct)
    {
        if (api.Authorize(http, TokenScope.Admin) is { } denied) return ApiCall.Fail(denied);
        var type = http.Request.Query["type"].ToString();
        if (type.Length == 0) type = TranscodeHosting.JobTypeName;
        var region = type switch
        {
            TranscodeHosting.JobTypeName => jobs.ActorRef,
            TranscodeHosting.TaskTypeName => tasks.ActorRef,
            _ => null,
        };
        if (region is null) return ApiCall.Fail(ErrorCode.InvalidValue, $"type: '{type}' is not a shard type (job, task)");
        try
        {
            var stats = await region.Ask<ClusterShardingStats>(new GetClusterShardingStats(EndpointTimeouts.Actor), EndpointTimeouts.Actor + TimeSpan.FromSeconds(1), ct);
            var regions = stats.Regions.OrderBy(r => r.Key.ToString())
                .Select(r => new RegionStatsDto(r.Key.ToString(), r.Value.Stats.Count, r.Value.Stats.Values.Sum())).ToList();
            var failed = stats.Regions.SelectMany(r => r.Value.Failed).Distinct().ToList();
            return ApiCall.Ok(new RegionStatsResponse(type, regions, failed.Count == 0 ? null : failed));
        }
        catch (AskTimeoutException)
        {
            return ApiCall.Fail(ErrorCode.Unavailable, "the shard coordinator did not answer in time; retry later");
        }
    }

    private static async Task<IResult> Workers(HttpContext http, ApiCall api, IRequiredActor<WorkerRegistryProxy> registry,
        CancellationToken ct)
    {
        if (api.Authorize(http, TokenScope.Admin) is { } denied) return ApiCall.Fail(denied);
        try
        {
            var snapshot = await registry.ActorRef.Ask<WorkersSnapshot>(GetWorkers.Instance, EndpointTimeouts.Actor, ct);
            return ApiCall.Ok(ToResponse(snapshot));
        }
        catch (AskTimeoutException)
        {
            return ApiCall.Fail(ErrorCode.Unavailable, "the worker registry did not answer in time; retry later");
        }
    }
}
