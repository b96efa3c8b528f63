namespace Akka.Transcode.Protocol.Responses;

// The admin calls' answers (cluster inspection, in the spirit of Petabridge.Cmd's pbm): read from the live cluster.

/// <param name="Reachability">reachable or unreachable, as the answering node sees it.</param>
public sealed record MemberDto(string Address, IReadOnlyList<string> Roles, string Status, string Reachability,
    string AppVersion);

public sealed record ClusterShowResponse(string SelfAddress, string? Leader, int Count, IReadOnlyList<MemberDto> Members);

public sealed record ClusterStatusResponse(string SelfAddress, string SelfStatus, string? Leader, int Members, int Up,
    int Unreachable);

public sealed record ClusterLeaderResponse(string? Leader);

/// <summary>/admin/cluster/down-unreachable: the members that were marked down.</summary>
public sealed record DownedResponse(IReadOnlyList<string> Downed);

public sealed record ShardRegionsResponse(IReadOnlyList<string> Types);

/// <param name="Address">A node hosting the type's region.</param>
public sealed record RegionStatsDto(string Address, int Shards, int Entities);

public sealed record RegionStatsResponse(string ShardType, IReadOnlyList<RegionStatsDto> Regions, IReadOnlyList<string>? Failed);

/// <param name="State">idle, busy, or quarantined (its circuit breaker keeps it out of rotation until
/// <paramref name="QuarantinedUntil"/>).</param>
public sealed record WorkerDto(string WorkerId, string Node, string State, int Slots, IReadOnlyList<string> Tasks,
    DateTimeOffset LastHeartbeat, int ConsecutiveFailures = 0, DateTimeOffset? QuarantinedUntil = null);

public sealed record WorkersResponse(int Count, int QueueLength, IReadOnlyList<WorkerDto> Workers);
