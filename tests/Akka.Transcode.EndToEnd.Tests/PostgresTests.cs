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

    private static int DoneTasks(System.Text.Json.JsonElement job) =>
        Tasks(job).Count(t => t.GetProperty("state").GetInt32() == TaskDone);
}
