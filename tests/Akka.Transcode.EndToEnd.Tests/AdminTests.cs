using System.Net;
using System.Text.Json;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>Cluster inspection and control through an api node's admin endpoints, against two real node processes.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class AdminTests(MediaFixture media, ITestOutputHelper output)
{
    private static Task<(HttpStatusCode Status, JsonElement Body)> Admin(NodeProcess node, string path, object? body = null,
        Dictionary<string, string>? query = null) =>
        body is null
            ? node.Client.GetAsync(path, query ?? new Dictionary<string, string>(), token: NodeProcess.AdminToken)
            : node.Client.PostAsync(path, body, token: NodeProcess.AdminToken);

    private static async Task<JsonElement> AdminOk(NodeProcess node, string path, object? body = null,
        Dictionary<string, string>? query = null)
    {
        var (status, json) = await Admin(node, path, body, query);
        TranscodeClient.AssertOk(status, json, path);
        return json;
    }

    [Fact]
    public async Task Members_shards_and_workers_are_read_from_the_live_cluster_and_a_member_can_be_made_to_leave()
    {
        await using var master = await NodeProcess.StartAsync([], root => E2E.StockMediaRoot(media.Media, root));
        await using var worker = await NodeProcess.StartAsync(
        [
            "--Transcode:Roles=worker", $"--Transcode:Cluster:Seeds:0={master.ClusterAddress}",
            $"--Transcode:Media:Roots:0={master.MediaRoot}",
        ]);

        await E2E.WithNodeLog(master, output, async () =>
        {
            var show = await AdminOk(master, "admin/cluster/show");
            output.WriteLine(show.ToString());
            Assert.Equal(2, show.GetProperty("count").GetInt32());
            var members = show.GetProperty("members").EnumerateArray().ToDictionary(m => m.GetProperty("address").GetString()!);
            Assert.All(members.Values, m => Assert.Equal(("Up", "reachable"), (m.GetProperty("status").GetString(), m.GetProperty("reachability").GetString())));
            Assert.Equal(["api", "master", "worker"], members[master.ClusterAddress].GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
            Assert.Equal(["worker"], members[worker.ClusterAddress].GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
            // Akka's leader is the first Up member by address order, not necessarily the first started.
            Assert.Contains((await AdminOk(master, "admin/cluster/leader")).GetProperty("leader").GetString()!, members.Keys);

            // A worker registers with the registry a moment after it is Up (docs/operations.md: "within about a
            // second of /readyz"), so the list is awaited, not read once.
            var expected = new[] { master.WorkerId, worker.WorkerId }.Order().ToList();
            List<string> registered = [];
            await E2E.Eventually(async () =>
            {
                var workers = await AdminOk(master, "admin/workers");
                registered = workers.GetProperty("workers").EnumerateArray().Select(w => w.GetProperty("worker_id").GetString()!).Order().ToList();
                return registered.SequenceEqual(expected);
            }, TimeSpan.FromSeconds(10));
            Assert.Equal(expected, registered);

            // A job entity lives on the only master: its shard shows there (once the job starter has started it, a
            // moment after add_job answered).
            await master.Client.AddJobOkAsync(new { src_filename = E2E.Short, dst_dir = "admin", dst_format = "mkv" });
            JsonElement stats = default;
            Assert.True(await E2E.Eventually(async () =>
            {
                stats = await AdminOk(master, "admin/sharding/region-stats", query: new() { ["type"] = "job" });
                return stats.GetProperty("regions").EnumerateArray().Sum(r => r.GetProperty("entities").GetInt32()) >= 1;
            }, TimeSpan.FromSeconds(10)), "the job's entity did not start");
            var region = Assert.Single(stats.GetProperty("regions").EnumerateArray());
            Assert.Equal(master.ClusterAddress, region.GetProperty("address").GetString());
            Assert.True(region.GetProperty("shards").GetInt32() >= 1, stats.ToString());

            // Control needs the admin scope.
            var (status, refused) = await master.Client.PostAsync("admin/cluster/leave", new { address = worker.ClusterAddress });
            ErrorAssert.Is(-6, status, refused, "leave with a client token");

            await AdminOk(master, "admin/cluster/leave", new { address = worker.ClusterAddress });
            Assert.True(await E2E.Eventually(() => !worker.IsRunning, TimeSpan.FromSeconds(20)), "the member did not leave and exit");
            Assert.True(await E2E.Eventually(async () =>
                (await AdminOk(master, "admin/cluster/show")).GetProperty("count").GetInt32() == 1, TimeSpan.FromSeconds(20)));
            var (listStatus, list) = await master.Client.GetJobsAsync(new { type = 0, start_index = 0, limit = 10 });
            TranscodeClient.AssertOk(listStatus, list, "get_jobs after the leave");
        });
    }
}
