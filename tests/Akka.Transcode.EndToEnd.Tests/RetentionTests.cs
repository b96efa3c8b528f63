using System.Globalization;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;
using Xunit.Abstractions;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.TranscodeClient;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>
/// History is bounded (Transcode:Jobs:RetentionDays): an ended job past its retention leaves get_job, get_jobs, the
/// per-state counts and /metrics, and its events and its tasks' leave the journal; a job that has not ended stays
/// however old, and one that ended a moment ago stays until its time comes. The node has no worker, so the jobs it
/// accepts wait READY until they are cancelled; retention is 8.64 s (0.0001 days), swept every second. On SQLite and
/// PostgreSQL (the journal's rows are checked in the database itself).
/// </summary>
[Collection(BesideEndToEndCollection.Name)]
public sealed class RetentionTests(MediaFixture media, ITestOutputHelper output)
{
    private const double RetentionDays = 0.0001;
    private static readonly TimeSpan Retention = TimeSpan.FromDays(RetentionDays);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Ended_jobs_past_their_retention_leave_the_list_the_counts_and_the_journal_and_the_rest_stay(string provider)
    {
        var pg = provider == "postgres" ? await TestPostgres.CreateDatabaseAsync() : null;
        string[] storage = pg is null ? [] : ["--Transcode:Storage:Provider=postgres", $"--Transcode:Storage:ConnectionString={pg}"];
        await using var node = await NodeProcess.StartAsync(["--Transcode:Roles=api,master",
            $"--Transcode:Jobs:RetentionDays={RetentionDays.ToString(CultureInfo.InvariantCulture)}",
            "--Transcode:Jobs:RetentionSweepSeconds=1", .. storage], root => E2E.StockMediaRoot(media.Media, root));
        Func<string, long> scalar = pg is null ? sql => SqliteScalar(node, sql) : sql => PostgresScalar(pg, sql);
        await E2E.WithNodeLog(node, output, async () =>
        {
            var client = node.Client;
            async Task<(string Id, IReadOnlyList<string> Streams)> ReadyJob(string name)
            {
                var id = await client.AddJobOkAsync(new { src_filename = E2E.Short, dst_dir = name, dst_format = "mp4" });
                var job = await client.WaitForJobStateAsync(id, j => State(j) == JobReady && Tasks(j).Count > 0, Patience,
                    detail: true, what: "READY with its tasks");
                return (id, ["job-" + id, .. Tasks(job).Select(t => "task-" + t.GetProperty("id").GetString())]);
            }
            async Task Cancel(string id)
            {
                var (status, body) = await client.CancelJobAsync(id);
                AssertOk(status, body, "cancel_job");
                await client.WaitForJobStateAsync(id, j => State(j) == JobCanceled, Patience);
            }

            var a = await ReadyJob("a");
            var b = await ReadyJob("b");
            var kept = await ReadyJob("kept"); // never ends: stays however old
            await Cancel(a.Id);
            await Cancel(b.Id);
            Assert.All(a.Streams.Concat(b.Streams), s => Assert.True(JournalRows(scalar, s) > 0, $"{s} has no journal rows to begin with"));

            // Gone from get_job (-7) once past the retention, and from everything else with it.
            foreach (var id in new[] { a.Id, b.Id })
                Assert.True(await E2E.Eventually(async () => (await client.GetJobRawAsync(id)).Body.GetProperty("err_code").GetInt32() == -7,
                    Retention + Patience), $"job {id} is still there after its retention");
            var (status, body) = await client.GetJobRawAsync(a.Id, detail: true);
            ErrorAssert.Is(-7, status, body, "get_job of a forgotten job");
            Assert.All(a.Streams.Concat(b.Streams), s => Assert.Equal(0, JournalRows(scalar, s)));
            Assert.Equal(0, scalar($"SELECT COUNT(*) FROM job_list WHERE id IN ('{a.Id}', '{b.Id}')"));
            Assert.Equal(0, scalar($"SELECT COUNT(*) FROM job_queue WHERE id IN ('{a.Id}', '{b.Id}')"));

            // A job that ended a moment ago stays; the unfinished one, older than the retention by now, stays too.
            var recent = await ReadyJob("recent");
            await Cancel(recent.Id);
            Assert.Equal(JobCanceled, State(await client.GetJobAsync(recent.Id)));
            var keptJob = await client.GetJobAsync(kept.Id);
            Assert.Equal(JobReady, State(keptJob));
            Assert.True(DateTimeOffset.UtcNow - keptJob.GetProperty("created_at").GetDateTimeOffset() > Retention);
            Assert.All(kept.Streams, s => Assert.True(JournalRows(scalar, s) > 0, $"{s} of the unfinished job lost its rows"));
            await AssertCounts(node, client, scalar, new() { [JobReady] = 1, [JobCanceled] = 1 });

            // ... until its own time comes; the counts follow.
            Assert.True(await E2E.Eventually(async () => (await client.GetJobRawAsync(recent.Id)).Body.GetProperty("err_code").GetInt32() == -7,
                Retention + Patience), $"job {recent.Id} is still there after its retention");
            Assert.All(recent.Streams, s => Assert.Equal(0, JournalRows(scalar, s)));
            Assert.Equal(JobReady, State(await client.GetJobAsync(kept.Id)));
            await AssertCounts(node, client, scalar, new() { [JobReady] = 1 });
            var log = node.LogSince(0, maxLines: 5000);
            foreach (var line in log.Split('\n').Where(l => l.Contains("retention", StringComparison.Ordinal) || l.Contains("purg", StringComparison.Ordinal)))
                output.WriteLine(line);
            Assert.Contains("retention: forgot", log);
            // Deleting whole streams left no hole the job list had to wait for.
            Assert.DoesNotContain("stayed empty", log);
        });
    }

    /// <summary>get_jobs' totals (all, and per state), the count table and the transcode_jobs gauge agree with
    /// <paramref name="expected"/> (states not named: none).</summary>
    private static async Task AssertCounts(NodeProcess node, TranscodeClient client, Func<string, long> scalar, Dictionary<int, int> expected)
    {
        // The list follows the journal within about a second, and the gauge refreshes its counts every 2 s at most.
        string? mismatch = null;
        var agreed = await E2E.Eventually(async () => (mismatch = await CountsMismatch(node, client, scalar, expected)) is null,
            TimeSpan.FromSeconds(20));
        Assert.True(agreed, mismatch);
    }

    private static async Task<string?> CountsMismatch(NodeProcess node, TranscodeClient client, Func<string, long> scalar,
        Dictionary<int, int> expected)
    {
        var (status, body) = await client.GetJobsAsync(new { type = 0, start_index = 0, limit = 100 });
        AssertOk(status, body, "get_jobs");
        if (body.GetProperty("total").GetInt32() != expected.Values.Sum() || body.GetProperty("jobs").GetArrayLength() != expected.Values.Sum())
            return $"get_jobs: {body}";
        string[] names = ["init", "ready", "inprogress", "completed", "failed", "canceled"];
        using var http = new HttpClient { BaseAddress = node.BaseUrl };
        var metrics = PrometheusParser.Parse(await http.GetStringAsync("metrics"))["transcode_jobs"];
        for (var state = JobInit; state <= JobCanceled; state++)
        {
            (status, body) = await client.GetJobsAsync(new { type = 0, start_index = 0, limit = 100, state });
            AssertOk(status, body, $"get_jobs state {state}");
            var want = expected.GetValueOrDefault(state);
            if (body.GetProperty("total").GetInt32() != want) return $"get_jobs state {state}: {body}";
            if (scalar($"SELECT COALESCE(SUM(n), 0) FROM job_counts WHERE state = {state}") != want) return $"job_counts state {state}";
            if (metrics.Value(null, $"state={names[state]}") != want) return $"transcode_jobs{{state={names[state]}}}";
        }
        return null;
    }

    private static long JournalRows(Func<string, long> scalar, string persistenceId) =>
        scalar($"SELECT COUNT(*) FROM journal WHERE persistence_id = '{persistenceId}'");

    private static long PostgresScalar(string database, string sql)
    {
        using var c = new NpgsqlConnection(database);
        c.Open();
        using var cmd = new NpgsqlCommand(sql, c);
        return Convert.ToInt64(cmd.ExecuteScalar());
    }

    private static long SqliteScalar(NodeProcess node, string sql)
    {
        using var c = new SqliteConnection($"Data Source={Path.Combine(node.DataDir, "transcode.db")};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar());
    }
}
