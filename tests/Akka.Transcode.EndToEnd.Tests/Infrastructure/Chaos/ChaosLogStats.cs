using System.Globalization;
using System.Text.RegularExpressions;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure.Chaos;

/// <summary>What the nodes' logs (every run of every node) say the cluster did about the chaos.</summary>
/// <param name="OrphansStopped">ffmpeg processes of a killed node stopped by its restart (the node's own process was
/// killed alone and its ffmpeg lived on).</param>
/// <param name="CopiesStopped">Second copies of a running attempt, on another worker, that their task stopped.</param>
/// <param name="JobsRecovered">Times a job entity started again from the journal on a node (after a kill or a hand-off).</param>
/// <param name="DownAll">Times the split-brain resolver found the cluster unstable for too long and downed every node.</param>
public sealed partial record ChaosLogStats(int OrphansStopped, int CopiesStopped, int JobsRecovered, int DownAll)
{
    [GeneratedRegex(@"stopped (\d+) ffmpeg process\(es\) left over from an earlier run")]
    private static partial Regex Reaped();

    public static ChaosLogStats Read(ChaosCluster cluster)
    {
        int orphans = 0, copies = 0, recovered = 0, downAll = 0;
        foreach (var node in cluster.Nodes)
        foreach (var line in ChaosDiagnostics.ReadLines(node.Process.LogPath))
        {
            if (Reaped().Match(line) is { Success: true } m) orphans += int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            else if (line.Contains("also started on worker", StringComparison.Ordinal)) copies++;
            else if (line.Contains("recovered on this node", StringComparison.Ordinal)) recovered++;
            else if (line.Contains("SBR took decision Akka.Cluster.SBR.DownAll", StringComparison.Ordinal)) downAll++;
        }
        return new ChaosLogStats(orphans, copies, recovered, downAll);
    }
}
