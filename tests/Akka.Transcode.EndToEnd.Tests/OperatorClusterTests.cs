using System.Reflection;
using System.Text.Json;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.TranscodeClient;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>
/// The operator's view of the three-node cluster that docs/operations.md ("Three nodes") and docker/compose.yaml
/// describe: api+master, master+worker and worker on one PostgreSQL database, both masters as seeds. Everything
/// is read through the akka-transcode CLI, as an operator would.
/// </summary>
[Collection(BesideEndToEndCollection.Name)]
public sealed class OperatorClusterTests(MediaFixture media, ITestOutputHelper output)
{
    private static readonly string CliDll =
        typeof(OperatorClusterTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "CliDll").Value!;

    private async Task<Proc.Result> Cli(NodeProcess node, params string[] args)
    {
        var r = await Proc.RunAsync("dotnet", [CliDll, "--url", node.BaseUrl.ToString(), "--token", NodeProcess.AdminToken, .. args],
            TimeSpan.FromMinutes(1));
        output.WriteLine($"$ akka-transcode {string.Join(' ', args)}  (exit {r.ExitCode})\n{r.StdOut}{r.StdErr}");
        Assert.True(r.ExitCode == 0, $"akka-transcode {string.Join(' ', args)} exited {r.ExitCode}: {r.StdErr}");
        return r;
    }

    private static async Task<string> AddRemuxAsync(TranscodeClient client, string dir) =>
        await client.AddJobOkAsync(new
        {
            src_filename = E2E.Short, dst_dir = dir, dst_format = "flv", video_codec = "copy", audio_codec = "copy",
        });

    [Fact]
    public async Task Three_nodes_show_up_with_their_roles_spread_job_shards_over_both_masters_and_survive_a_leave()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var ports = NodeProcess.FreePorts(3);
        string[] Common(string roles, string? mediaRoot) =>
        [
            $"--Transcode:Roles={roles}",
            "--Transcode:Storage:Provider=postgres", $"--Transcode:Storage:ConnectionString={database}",
            $"--Transcode:Cluster:Seeds:0={NodeProcess.AddressFor(ports[0])}",
            $"--Transcode:Cluster:Seeds:1={NodeProcess.AddressFor(ports[1])}",
            "--Transcode:Worker:Slots=2", "--Transcode:Worker:ThreadsPerTask=1",
            .. mediaRoot is null ? Array.Empty<string>() : [$"--Transcode:Media:Roots:0={mediaRoot}"],
        ];

        await using var set = new NodeSet();
        var api = await NodeProcess.StartAsync(Common("api,master", null), root => E2E.StockMediaRoot(media.Media, root), ports[0]);
        set.Add(api);
        var rest = await Task.WhenAll(
            NodeProcess.StartAsync(Common("master,worker", api.MediaRoot), clusterPort: ports[1]),
            NodeProcess.StartAsync(Common("worker", api.MediaRoot), clusterPort: ports[2]));
        set.Add(rest[0]);
        set.Add(rest[1]);
        var (masterWorker, worker) = (rest[0], rest[1]);

        await set.WithLogs(output, async () =>
        {
            // cluster show: three Up members, each with the roles it was started with.
            var expectedRoles = new Dictionary<string, string>
            {
                [api.ClusterAddress] = "api,master", [masterWorker.ClusterAddress] = "master,worker", [worker.ClusterAddress] = "worker",
            };
            Assert.True(await E2E.Eventually(async () =>
            {
                var show = JsonDocument.Parse((await Cli(api, "--json", "cluster", "show")).StdOut).RootElement;
                return show.GetProperty("count").GetInt32() == 3 && show.GetProperty("members").EnumerateArray().All(m =>
                    m.GetProperty("status").GetString() == "Up" &&
                    expectedRoles.TryGetValue(m.GetProperty("address").GetString()!, out var roles) &&
                    roles == string.Join(',', m.GetProperty("roles").EnumerateArray().Select(r => r.GetString())));
            }, TimeSpan.FromSeconds(20)), "cluster show never listed the three members Up with their roles");
            var table = await Cli(api, "cluster", "show");
            Assert.Contains("3 member(s)", table.StdOut);
            foreach (var (address, roles) in expectedRoles)
                Assert.Contains(table.StdOut.Split('\n'), l => l.StartsWith(address) && l.Contains($" {roles} ") && l.Contains("Up"));

            // Jobs land in shards allocated to the region with the fewest: both masters get some, the worker none.
            // Their entities start when the job starter takes them from the queue, a moment after add_job answered.
            var jobs = new List<string>();
            for (var i = 0; i < 12; i++) jobs.Add(await AddRemuxAsync(api.Client, $"ops/j{i}"));
            var regions = new Dictionary<string, (int Shards, int Entities)>();
            Assert.True(await E2E.Eventually(async () =>
            {
                var stats = JsonDocument.Parse((await Cli(api, "--json", "cluster-sharding", "region-stats", "job")).StdOut).RootElement;
                regions = stats.GetProperty("regions").EnumerateArray()
                    .ToDictionary(r => r.GetProperty("address").GetString()!, r => (Shards: r.GetProperty("shards").GetInt32(), Entities: r.GetProperty("entities").GetInt32()));
                return regions.Values.Sum(r => r.Entities) >= jobs.Count;
            }, TimeSpan.FromSeconds(20)), "the job entities did not all start");
            output.WriteLine("job shards: " + string.Join(", ", regions.Select(r => $"{r.Key} {r.Value.Shards} shards, {r.Value.Entities} entities")));
            Assert.Equal(new[] { api.ClusterAddress, masterWorker.ClusterAddress }.Order(), regions.Keys.Order());
            Assert.All(regions.Values, r => Assert.True(r.Shards > 0, "a master node holds no job shard"));
            Assert.Equal(jobs.Count, regions.Values.Sum(r => r.Entities));
            var tableStats = await Cli(api, "cluster-sharding", "region-stats", "job");
            Assert.Contains(tableStats.StdOut.Split('\n'), l => l.StartsWith(masterWorker.ClusterAddress));

            foreach (var id in jobs) await api.Client.WaitForJobCompletedAsync(id, TimeSpan.FromSeconds(90));

            // The master+worker node leaves: its shards move to the api node, and the cluster keeps serving old jobs
            // and running new ones on the remaining worker.
            await Cli(api, "cluster", "leave", masterWorker.ClusterAddress);
            Assert.True(await E2E.Eventually(() => !masterWorker.IsRunning, TimeSpan.FromSeconds(30)), "the node did not leave and exit");
            Assert.True(await E2E.Eventually(async () =>
            {
                var show = JsonDocument.Parse((await Cli(api, "--json", "cluster", "show")).StdOut).RootElement;
                return show.GetProperty("count").GetInt32() == 2;
            }, TimeSpan.FromSeconds(20)), "cluster show still lists the node that left");
            foreach (var id in jobs) Assert.Equal(JobCompleted, State(await api.Client.GetJobAsync(id)));
            var after = await AddRemuxAsync(api.Client, "ops/after-leave");
            await api.Client.WaitForJobCompletedAsync(after, TimeSpan.FromSeconds(60));
            var statsAfter = JsonDocument.Parse((await Cli(api, "--json", "cluster-sharding", "region-stats", "job")).StdOut).RootElement;
            var only = Assert.Single(statsAfter.GetProperty("regions").EnumerateArray());
            Assert.Equal(api.ClusterAddress, only.GetProperty("address").GetString());
        });
    }
}
