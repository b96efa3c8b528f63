using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.TranscodeClient;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>
/// The postgres storage provider against a real PostgreSQL: ops/test.sh starts a throwaway server and passes it in
/// TRANSCODE_TEST_PG; each test gets a database of its own.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class PostgresTests(MediaFixture media, ITestOutputHelper output)
{
    [Fact]
    public async Task Jobs_are_stored_in_postgres_and_survive_a_SIGKILL()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var node = await NodeProcess.StartAsync(
        [
            "--Transcode:Storage:Provider=postgres", $"--Transcode:Storage:ConnectionString={database}",
            "--Transcode:Planning:MaxTaskSeconds=5",
        ], root => E2E.StockMediaRoot(media.Media, root));
        await E2E.WithNodeLog(node, output, async () =>
        {
            var client = node.Client;
            // 10 s re-encoded in 5 s chunks: two video tasks, audio, join.
            var chunked = await client.AddJobOkAsync(new
            {
                src_filename = E2E.Short, dst_dir = "pg-chunked", dst_format = "mp4", video_codec = "h264", audio_codec = "aac",
            });
            var example = await client.AddJobOkAsync(new
            {
                src_filename = E2E.Short, dst_dir = "pg-example", dst_format = "flv", segments = "1-5:2-10",
            });
            await client.WaitForJobStateAsync(chunked, j => DoneTasks(j) >= 1 || State(j) >= JobCompleted,
                TimeSpan.FromSeconds(90), detail: true, what: "a finished task");

            await node.KillAsync();
            await node.RestartAsync();

            foreach (var id in new[] { chunked, example })
                Assert.Equal(0, (await client.WaitForJobCompletedAsync(id, TimeSpan.FromSeconds(120))).GetProperty("result").GetInt32());
            var listed = await E2E.Eventually(async () =>
            {
                var (_, body) = await client.GetJobsAsync(new { type = 0, start_index = 0, limit = 10, sortby = "time" });
                return ErrCode(body) == 0 && body.GetProperty("total").GetInt64() == 2;
            }, TimeSpan.FromSeconds(30));
            Assert.True(listed, "get_jobs over PostgreSQL does not list both jobs");

            var outFile = Path.Combine(node.MediaRoot, "pg-chunked", Path.GetFileNameWithoutExtension(E2E.Short) + ".mp4");
            MediaAssert.Near(MediaSet.ShortSeconds * MediaSet.FrameRate, await MediaAssert.VideoFrameCountAsync(outFile), 1, "video frames");
            await MediaAssert.DecodesCleanlyAsync(outFile);

            // The journal and the job list really are in PostgreSQL.
            await using var c = new NpgsqlConnection(database);
            await c.OpenAsync();
            await using var events = new NpgsqlCommand("SELECT COUNT(*) FROM journal WHERE persistence_id LIKE 'job-%'", c);
            Assert.True((long)(await events.ExecuteScalarAsync())! >= 8, "job events are missing from the PostgreSQL journal");
            await using var rows = new NpgsqlCommand("SELECT COUNT(*) FROM job_list WHERE state = 3", c);
            Assert.Equal(2L, (long)(await rows.ExecuteScalarAsync())!);
        });
    }

    /// <summary>
    /// Three api,master,worker nodes started at the same moment on one empty database, as docker/compose.yaml and the
    /// Kubernetes StatefulSet start them: every node creates the tables at the same moment. Each must become ready (none
    /// crashed on another's CREATE TABLE: 23505 on pg_type before) and the cluster must run a job.
    /// </summary>
    [Fact]
    public async Task Three_masters_started_together_on_an_empty_database_all_become_ready_and_run_a_job()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        var shared = Directory.CreateTempSubdirectory("akka-transcode-e2e-shared-media-").FullName;
        E2E.StockMediaRoot(media.Media, shared);
        var ports = NodeProcess.FreePorts(3);
        string[] args =
        [
            "--Transcode:Roles=api,master,worker",
            "--Transcode:Storage:Provider=postgres", $"--Transcode:Storage:ConnectionString={database}",
            "--Transcode:Worker:Slots=1", "--Transcode:Worker:ThreadsPerTask=1",
            .. ports.Select((p, i) => $"--Transcode:Cluster:Seeds:{i}={NodeProcess.AddressFor(p)}"),
            $"--Transcode:Media:Roots:0={shared}",
        ];
        await using var nodes = new NodeSet();
        // Processes started together still reach the database a second or so apart. A starting gate lines them up:
        // this session holds pg_type so that no table can be created, until every node waits on a lock (at its first
        // CREATE TABLE, or behind another node's schema step); then all go at once, as on a real fresh start.
        await using var gate = new NpgsqlConnection(database);
        await gate.OpenAsync();
        var hold = await gate.BeginTransactionAsync();
        await using (var lockTypes = new NpgsqlCommand("LOCK TABLE pg_catalog.pg_type IN SHARE MODE", gate, hold))
            await lockTypes.ExecuteNonQueryAsync();
        // Watched from a session of its own: pg_stat_activity stays as first read for the rest of a transaction.
        await using var watch = new NpgsqlConnection(database);
        await watch.OpenAsync();
        var starts = ports.Select(p => NodeProcess.StartAsync(args, clusterPort: p)).ToList();
        try
        {
            var lined = await E2E.Eventually(async () =>
            {
                if (starts.Any(t => t.IsCompleted)) return true; // one crashed (or got past the gate): stop waiting
                await using var waiting = new NpgsqlCommand(
                    "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", watch);
                return (long)(await waiting.ExecuteScalarAsync())! >= ports.Length;
            }, TimeSpan.FromSeconds(50));
            if (!lined)
            {
                await using var activity = new NpgsqlCommand(
                    "SELECT state || ' ' || COALESCE(wait_event_type, '-') || ' ' || COALESCE(wait_event, '-') || ': ' || query " +
                    "FROM pg_stat_activity WHERE datname = current_database()", watch);
                var sessions = new List<string>();
                await using (var r = await activity.ExecuteReaderAsync())
                    while (await r.ReadAsync()) sessions.Add(r.GetString(0));
                Assert.Fail("the nodes did not all reach their schema step; sessions:\n" + string.Join("\n", sessions));
            }
            await hold.CommitAsync();
            await Task.WhenAll(starts);
        }
        finally
        {
            foreach (var t in starts)
                if (t.IsCompletedSuccessfully) nodes.Add(await t);
        }
        try
        {
            foreach (var node in nodes.Nodes)
                Assert.DoesNotContain("duplicate key value", node.LogSince(0, maxLines: 100_000));
            var client = nodes[2].Client;
            // A cluster this fresh may still be placing its first shards: -10 says retry, and the client's job_id keeps
            // a retried submission one job.
            var id = "together-" + Guid.NewGuid().ToString("N")[..8];
            var job = new { job_id = id, src_filename = E2E.Short, dst_dir = "together", dst_format = "mp4" };
            var accepted = await E2E.Eventually(async () =>
            {
                var (status, body) = await client.AddJobAsync(job);
                if (ErrCode(body) == -10) return false;
                Assert.True(ErrCode(body) == 0, $"add_job failed: HTTP {(int)status} {body}");
                return true;
            }, TimeSpan.FromSeconds(60));
            Assert.True(accepted, "add_job kept answering -10 on the fresh cluster");
            var done = await client.WaitForJobCompletedAsync(id, TimeSpan.FromSeconds(120));
            Assert.Equal(0, done.GetProperty("result").GetInt32());
            Assert.True(File.Exists(Path.Combine(shared, "together", Path.GetFileNameWithoutExtension(E2E.Short) + ".mp4")));
        }
        catch
        {
            foreach (var node in nodes.Nodes) output.WriteLine(node.LogTail());
            throw;
        }
        finally
        {
            try { Directory.Delete(shared, recursive: true); } catch (IOException) { }
        }
    }

    private static int DoneTasks(System.Text.Json.JsonElement job) =>
        Tasks(job).Count(t => t.GetProperty("state").GetInt32() == TaskDone);
}
