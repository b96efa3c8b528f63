using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure;

/// <summary>Several node processes of one test; disposed (stopped) last one first.</summary>
public sealed class NodeSet : IAsyncDisposable
{
    private readonly List<NodeProcess> _nodes = new();

    public IReadOnlyList<NodeProcess> Nodes => _nodes;

    public NodeProcess this[int i] => _nodes[i];

    public void Add(NodeProcess node) => _nodes.Add(node);

    /// <summary>
    /// Three master-capable nodes (api, master and worker, one slot of one ffmpeg thread each) on one PostgreSQL
    /// database, each listing all three as seeds, sharing the first node's media root (stocked with the test media).
    /// The first seed starts first and founds the cluster; the other two join it together.
    /// </summary>
    public static async Task<NodeSet> StartThreeMastersAsync(MediaSet media, string database, params string[] extraArgs)
    {
        var ports = NodeProcess.FreePorts(3);
        string[] Args(string? mediaRoot) =>
        [
            "--Transcode:Roles=api,master,worker",
            "--Transcode:Storage:Provider=postgres", $"--Transcode:Storage:ConnectionString={database}",
            "--Transcode:Worker:Slots=1", "--Transcode:Worker:ThreadsPerTask=1",
            .. ports.Select((p, i) => $"--Transcode:Cluster:Seeds:{i}={NodeProcess.AddressFor(p)}"),
            .. mediaRoot is null ? Array.Empty<string>() : [$"--Transcode:Media:Roots:0={mediaRoot}"],
            .. extraArgs,
        ];
        var set = new NodeSet();
        try
        {
            var first = await NodeProcess.StartAsync(Args(null), root => E2E.StockMediaRoot(media, root), ports[0]);
            set.Add(first);
            var rest = new[]
            {
                NodeProcess.StartAsync(Args(first.MediaRoot), clusterPort: ports[1]),
                NodeProcess.StartAsync(Args(first.MediaRoot), clusterPort: ports[2]),
            };
            try { await Task.WhenAll(rest); }
            finally
            {
                foreach (var t in rest)
                    if (t.IsCompletedSuccessfully) set.Add(t.Result);
            }
            return set;
        }
        catch
        {
            await set.DisposeAsync();
            throw;
        }
    }

    private static readonly Regex Hosting = new(@"job (\S+) (?:accepted|recovered) on this node", RegexOptions.Compiled);

    /// <summary>
    /// Which running node hosts each job entity now: the node whose log (in its current run) last said that the job
    /// was accepted or recovered on it. Job entities log one of the two whenever they start on a node.
    /// </summary>
    public IReadOnlyDictionary<string, NodeProcess> CurrentHosts()
    {
        var latest = new Dictionary<string, (DateTime At, NodeProcess Node)>();
        foreach (var n in _nodes.Where(n => n.IsRunning))
        foreach (var (at, line) in n.LinesSince(n.StartedAt))
        {
            var m = Hosting.Match(line);
            if (!m.Success) continue;
            var id = m.Groups[1].Value;
            if (!latest.TryGetValue(id, out var seen) || seen.At <= at) latest[id] = (at, n);
        }
        return latest.ToDictionary(kv => kv.Key, kv => kv.Value.Node);
    }

    /// <summary>Whether <paramref name="node"/> logged, at or after <paramref name="since"/>, that it recovered the job.</summary>
    public static bool RecoveredOn(NodeProcess node, string jobId, DateTime since) =>
        node.LinesSince(since).Any(l => l.Line.Contains($"job {jobId} recovered on this node", StringComparison.Ordinal));

    /// <summary>Runs a test body; if it fails, every node's log goes to the test output.</summary>
    public async Task WithLogs(ITestOutputHelper output, Func<Task> body)
    {
        try
        {
            await body();
        }
        catch
        {
            for (var i = 0; i < _nodes.Count; i++)
            {
                output.WriteLine($"----- node {i + 1} ({_nodes[i].ClusterAddress}, {_nodes[i].LogPath}) -----");
                output.WriteLine(_nodes[i].LogSince(0, 400));
            }
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _nodes.Count - 1; i >= 0; i--) await _nodes[i].DisposeAsync();
    }
}
