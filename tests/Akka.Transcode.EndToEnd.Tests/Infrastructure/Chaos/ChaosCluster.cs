namespace Akka.Transcode.EndToEnd.Tests.Infrastructure.Chaos;

/// <summary>One node of the chaos cluster, with its short name (m1..m3, w1, w2) for the report.</summary>
public sealed record ChaosNode(string Name, string Roles, NodeProcess Process)
{
    public bool IsMaster => Roles.Contains("master", StringComparison.Ordinal);
}

/// <summary>
/// The chaos topology: three api,master nodes, all of them seeds, and two worker-only nodes (two slots of one
/// ffmpeg thread each), on one PostgreSQL database and one media root (the first master's). Video longer than
/// <see cref="MaxTaskSeconds"/> is re-encoded in chunks, so chunk, audio and join tasks are in flight too.
/// </summary>
public sealed class ChaosCluster : IAsyncDisposable
{
    public const int MaxTaskSeconds = 5;
    public const int WorkerSlots = 2;

    public NodeSet Set { get; } = new();
    public IReadOnlyList<ChaosNode> Nodes { get; private set; } = [];
    public IReadOnlyList<NodeProcess> ApiNodes => Nodes.Where(n => n.IsMaster).Select(n => n.Process).ToList();
    public string MediaRoot => Nodes[0].Process.MediaRoot;

    public static async Task<ChaosCluster> StartAsync(string database, Action<string> stockMedia)
    {
        var ports = NodeProcess.FreePorts(5);
        string[] Args(string roles, string? mediaRoot) =>
        [
            $"--Transcode:Roles={roles}",
            "--Transcode:Storage:Provider=postgres", $"--Transcode:Storage:ConnectionString={database}",
            .. ports.Take(3).Select((p, i) => $"--Transcode:Cluster:Seeds:{i}={NodeProcess.AddressFor(p)}"),
            $"--Transcode:Planning:MaxTaskSeconds={MaxTaskSeconds}",
            $"--Transcode:Worker:Slots={WorkerSlots}", "--Transcode:Worker:ThreadsPerTask=1",
            .. mediaRoot is null ? Array.Empty<string>() : [$"--Transcode:Media:Roots:0={mediaRoot}"],
        ];
        var cluster = new ChaosCluster();
        var nodes = new List<ChaosNode>();
        try
        {
            // The first seed founds the cluster; the others join it together.
            var first = await NodeProcess.StartAsync(Args("api,master", null), stockMedia, ports[0]);
            cluster.Set.Add(first);
            nodes.Add(new ChaosNode("m1", "api,master", first));
            var rest = new (string Name, string Roles, Task<NodeProcess> Start)[]
            {
                ("m2", "api,master", NodeProcess.StartAsync(Args("api,master", first.MediaRoot), clusterPort: ports[1])),
                ("m3", "api,master", NodeProcess.StartAsync(Args("api,master", first.MediaRoot), clusterPort: ports[2])),
                ("w1", "worker", NodeProcess.StartAsync(Args("worker", first.MediaRoot), clusterPort: ports[3])),
                ("w2", "worker", NodeProcess.StartAsync(Args("worker", first.MediaRoot), clusterPort: ports[4])),
            };
            try { await Task.WhenAll(rest.Select(r => r.Start)); }
            finally
            {
                foreach (var r in rest)
                {
                    if (!r.Start.IsCompletedSuccessfully) continue;
                    cluster.Set.Add(r.Start.Result);
                    nodes.Add(new ChaosNode(r.Name, r.Roles, r.Start.Result));
                }
            }
            cluster.Nodes = nodes;
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => Set.DisposeAsync();
}
