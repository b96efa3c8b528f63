using System.Text;
using System.Text.RegularExpressions;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure.Chaos;

/// <summary>For a failed run: what every node logged (across all its restarts) about the jobs a problem names.</summary>
public static partial class ChaosDiagnostics
{
    // The kinds of ChaosJobKind.Mix, longest first so "chunked-segments" is not read as "chunked".
    [GeneratedRegex(@"chaos-[0-9a-f]{8}-\d{3}-(?:chunked-segments|chunked|remux|encode|segments)")]
    private static partial Regex JobId();

    public static string About(ChaosCluster cluster, IReadOnlyList<string> problems, int maxLinesPerJob = 60)
    {
        var ids = problems.SelectMany(p => JobId().Matches(p).Select(m => m.Value)).Distinct().Take(10).ToList();
        var sb = new StringBuilder();
        foreach (var id in ids)
        {
            sb.AppendLine($"----- log lines about {id} -----");
            var lines = cluster.Nodes.SelectMany(n => ReadLines(n.Process.LogPath)
                    .Where(l => l.Contains(id, StringComparison.Ordinal)).Select(l => $"{n.Name}: {l}"))
                .ToList();
            foreach (var l in lines.Count <= maxLinesPerJob ? lines : lines[^maxLinesPerJob..]) sb.AppendLine(l);
        }
        return sb.ToString();
    }

    /// <summary>The lines of a node's log, read while the node may still write to it.</summary>
    public static IEnumerable<string> ReadLines(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(fs);
        while (reader.ReadLine() is { } line) yield return line;
    }
}
