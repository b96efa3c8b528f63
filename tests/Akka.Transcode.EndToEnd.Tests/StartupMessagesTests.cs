using System.Net;
using System.Text.RegularExpressions;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>What an operator reads when a node starts: its console lines, and what it says about a setup that is not
/// right yet (docs/operations.md's walk-through, followed literally).</summary>
[Collection(BesideEndToEndCollection.Name)]
public sealed class StartupMessagesTests(ITestOutputHelper output)
{
    // "2026-12-07T09:30:19.067Z info: Category[0] rest": UTC time, level, category and event id, once.
    private static readonly Regex Prefix = new(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (trce|dbug|info|warn|fail|crit): [\w.]+\[\d+\] ");
    private static readonly Regex AkkaPrefix = new(@"\[(DEBUG|INFO|WARNING|ERROR)\]\[");

    [Fact]
    public async Task Each_console_line_has_one_prefix_and_akka_lines_show_their_actor_path_once()
    {
        await using var node = await NodeProcess.StartAsync([NodeProcess.WithWarmUp]);
        const string started = "Singleton manager started singleton actor [akka://transcode/user/worker-registry/";
        Assert.True(await E2E.Eventually(() => node.LinesSince(node.StartedAt).Any(l => l.Line.Contains(started)), TimeSpan.FromSeconds(10)),
            "the worker registry's singleton never said it started");
        var lines = node.LinesSince(node.StartedAt).Select(l => l.Line).Where(l => !l.StartsWith("=====")).ToList();
        output.WriteLine(string.Join('\n', lines.Take(40)));

        Assert.NotEmpty(lines);
        Assert.Contains(lines, l => l.Contains("warm-up took") && !l.Contains("journal"));
        Assert.Contains(lines, l => l.Contains("journal warm-up took"));
        Assert.All(lines, l =>
        {
            Assert.Matches(Prefix, l); // one line per entry: no continuation lines
            Assert.DoesNotMatch(AkkaPrefix, l); // and not Akka's own [LEVEL][time][thread][source] after it
        });
        // An actor's line: its path follows the prefix as a scope ("=> path"), and only there.
        var singleton = Assert.Single(lines, l => l.Contains(started));
        Assert.Contains($"info: Akka.Cluster.Tools.Singleton.ClusterSingletonManager[0] => {node.ClusterAddress}/user/worker-registry Singleton manager", singleton);
        Assert.Single(Regex.Matches(singleton, Regex.Escape($"{node.ClusterAddress}/user/worker-registry ")));
    }

    [Fact]
    public async Task A_node_that_cannot_join_says_so_in_readyz_and_warns_about_a_media_root_it_had_to_create()
    {
        // The only seed is a port where nothing listens, as when the first seed is down at a cluster's first start.
        var deadSeed = NodeProcess.AddressFor(NodeProcess.FreePorts(1)[0]);
        var missing = Path.Combine(Path.GetTempPath(), "e2e-missing-root-" + Guid.NewGuid().ToString("N"), "media");
        try
        {
            await using var node = await NodeProcess.StartAsync(
                ["--Transcode:Roles=worker", $"--Transcode:Cluster:Seeds:0={deadSeed}", $"--Transcode:Media:Roots:0={missing}"],
                awaitReady: false);

            Assert.True(Directory.Exists(missing));
            Assert.True(await E2E.Eventually(() => node.LinesSince(node.StartedAt).Any(l => l.Line.Contains("media root")), TimeSpan.FromSeconds(10)),
                "no word about the media root");
            var warning = Assert.Single(node.LinesSince(node.StartedAt), l => l.Line.Contains(" warn: ") && l.Line.Contains("media root")).Line;
            Assert.Contains($"media root {missing} did not exist and was created empty", warning);

            using var http = new HttpClient { BaseAddress = node.BaseUrl, Timeout = TimeSpan.FromSeconds(10) };
            using var ready = await http.GetAsync("readyz");
            var reason = await ready.Content.ReadAsStringAsync();
            output.WriteLine($"readyz: {(int)ready.StatusCode} {reason}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.StartsWith("not joined to a cluster yet: no seed node has let it in", reason);
            Assert.DoesNotContain("Removed", reason);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(missing)!, recursive: true);
        }
    }
}
