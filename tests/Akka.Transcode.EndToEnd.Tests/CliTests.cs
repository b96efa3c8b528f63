using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>The akka-transcode command line, run as a process against real nodes.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class CliTests(MediaFixture media, ITestOutputHelper output)
{
    private static readonly string CliDll =
        typeof(CliTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "CliDll").Value!;

    private async Task<Proc.Result> Cli(NodeProcess node, string token, params string[] args)
    {
        var r = await Proc.RunAsync("dotnet", [CliDll, "--url", node.BaseUrl.ToString(), "--token", token, .. args], TimeSpan.FromMinutes(2));
        output.WriteLine($"$ akka-transcode {string.Join(' ', args)}  (exit {r.ExitCode})\n{r.StdOut}{r.StdErr}");
        return r;
    }

    private async Task<Proc.Result> Bare(params string[] args)
    {
        var r = await Proc.RunAsync("dotnet", [CliDll, .. args], TimeSpan.FromMinutes(1));
        output.WriteLine($"$ akka-transcode {string.Join(' ', args)}  (exit {r.ExitCode})\n{r.StdOut}{r.StdErr}");
        return r;
    }

    /// <summary>Every command of the README's "Command line", with the scope its token needs.</summary>
    private static readonly (string Command, string Scope)[] Commands =
    [
        ("cluster show", "admin"), ("cluster status", "admin"), ("cluster leader", "admin"), ("cluster leave <address>", "admin"),
        ("cluster down <address>", "admin"), ("cluster down-unreachable", "admin"), ("cluster-sharding regions", "admin"),
        ("cluster-sharding region-stats <type>", "admin"), ("workers list", "admin"), ("job add", "client or admin"),
        ("job get <id>", "client or admin"), ("job list", "client or admin"), ("job cancel <id>", "client or admin"),
        ("job watch <id>", "client or admin"),
    ];

    [Fact]
    public async Task Help_needs_no_token_lists_every_command_with_its_token_scope_and_exits_0()
    {
        foreach (var top in new[] { new[] { "--help" }, ["help"] })
        {
            var help = await Bare(top);
            Assert.Equal(0, help.ExitCode);
            Assert.Equal("", help.StdErr);
            var lines = help.StdOut.Split('\n');
            foreach (var (command, scope) in Commands)
                Assert.Contains(lines, l => Regex.IsMatch(l, $@"^  {Regex.Escape(command)} +{Regex.Escape(scope)} +\S"));
        }

        // Each command's own help names its scope; the three ways of asking take turns.
        foreach (var ((command, scope), i) in Commands.Select((c, i) => (c, i)))
        {
            var words = command.Split(' ').Where(w => !w.StartsWith('<')).ToArray();
            string[] args = (i % 3) switch { 0 => [.. words, "--help"], 1 => ["--help", .. words], _ => ["help", .. words] };
            var help = await Bare(args);
            Assert.Equal(0, help.ExitCode);
            Assert.StartsWith($"usage: akka-transcode [--url URL] [--token TOKEN] [--json] {command}", help.StdOut);
            Assert.Contains($"Token: {scope} scope.", help.StdOut);
        }
        var add = await Bare("job", "add", "--help");
        foreach (var option in new[] { "--src FILE", "--dst-dir DIR", "--format FMT", "--segments", "--wait", "--callback-url" })
            Assert.Contains($"\n  {option}", add.StdOut);

        // A group alone lists its commands only.
        var group = await Bare("cluster-sharding", "--help");
        Assert.Equal(0, group.ExitCode);
        Assert.Contains("cluster-sharding region-stats <type>", group.StdOut);
        Assert.DoesNotContain("job add", group.StdOut);

        // Without a command, or with one that does not exist or lacks its argument: usage on stderr, exit 2.
        foreach (var (args, reason) in new (string[], string)[]
                 {
                     ([], "missing command"), (["cluster", "bogus"], "unknown command: cluster bogus"),
                     (["job", "get"], "unknown command: job get"),
                 })
        {
            var bad = await Bare(args);
            Assert.Equal(2, bad.ExitCode);
            Assert.Equal("", bad.StdOut);
            Assert.StartsWith(reason, bad.StdErr);
            Assert.Contains("usage: akka-transcode", bad.StdErr);
        }

        // A real command without a token says which scope it needs.
        var noToken = await Proc.RunAsync("dotnet", [CliDll, "workers", "list"], TimeSpan.FromMinutes(1),
            environment: new Dictionary<string, string> { ["TRANSCODE_TOKEN"] = "" });
        Assert.Equal(2, noToken.ExitCode);
        Assert.Contains("(admin scope)", noToken.StdErr);
    }

    [Fact]
    public async Task Cluster_inspection_and_the_job_palette_work_against_a_two_node_cluster()
    {
        await using var master = await NodeProcess.StartAsync([], root => E2E.StockMediaRoot(media.Media, root));
        await using var worker = await NodeProcess.StartAsync(
            ["--Transcode:Roles=worker", $"--Transcode:Cluster:Seeds:0={master.ClusterAddress}", $"--Transcode:Media:Roots:0={master.MediaRoot}"]);
        const string admin = NodeProcess.AdminToken, client = NodeProcess.ClientToken;

        var show = await Cli(master, admin, "cluster", "show");
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("2 member(s)", show.StdOut);
        Assert.Contains(show.StdOut.Split('\n'), l => l.StartsWith(worker.ClusterAddress) && l.Contains(" worker ") && l.Contains("Up"));
        Assert.Contains(show.StdOut.Split('\n'), l => l.StartsWith(master.ClusterAddress) && l.Contains("api,master,worker"));

        var json = await Cli(master, admin, "--json", "workers", "list");
        Assert.Equal(2, JsonDocument.Parse(json.StdOut).RootElement.GetProperty("count").GetInt32());

        var refused = await Cli(master, client, "cluster", "leave", worker.ClusterAddress);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("error -6", refused.StdErr);

        // A job added and watched to its end; the progress lines rise to 100 %.
        var added = await Cli(master, client, "job", "add", "--src", E2E.Short, "--dst-dir", "cli", "--format", "mp4",
            "--video-codec", "h264", "--wait");
        Assert.Equal(0, added.ExitCode);
        var bars = added.StdOut.Split('\n').Where(l => l.StartsWith('[')).ToList();
        Assert.NotEmpty(bars);
        Assert.Contains("100.0 %", bars[^1]);
        Assert.Contains("completed: ", added.StdOut);
        var id = added.StdOut.Split('\n')[0].Trim();

        // job list reads the job list projection, which follows the journal a moment behind.
        Assert.True(await E2E.Eventually(async () => (await Cli(master, client, "job", "list")).StdOut.Split('\n')
            .Any(l => l.StartsWith(id) && l.Contains("COMPLETED")), TimeSpan.FromSeconds(10)), "job list never showed the job COMPLETED");
        var got = await Cli(master, client, "job", "get", id, "--detail");
        Assert.Contains("state: COMPLETED", got.StdOut);

        // A job that fails makes --wait exit 3.
        var failed = await Cli(master, client, "job", "add", "--src", E2E.Short, "--dst-dir", "cli-bad", "--format", "mp4",
            "--segments", "100-200", "--wait");
        Assert.Equal(3, failed.ExitCode);
        Assert.Contains("failed: error -4", failed.StdErr);

        var stats = await Cli(master, admin, "cluster-sharding", "region-stats", "job");
        Assert.Equal(0, stats.ExitCode);
        Assert.Contains(stats.StdOut.Split('\n'), l => l.StartsWith(master.ClusterAddress));

        var leave = await Cli(master, admin, "cluster", "leave", worker.ClusterAddress);
        Assert.Equal(0, leave.ExitCode);
        Assert.True(await E2E.Eventually(() => !worker.IsRunning, TimeSpan.FromSeconds(20)), "the worker did not leave");
    }
}
