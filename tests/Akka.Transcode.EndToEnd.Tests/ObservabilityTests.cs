using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.TranscodeClient;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>
/// /metrics as Prometheus text and JSON logs, on a master (api, master and worker roles) and an HTTP worker: a real
/// job runs, both nodes are scraped and their output is read with a strict parser of the text format.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class ObservabilityTests(MediaFixture media, ITestOutputHelper output)
{
    private static readonly string[] JobStates = ["init", "ready", "inprogress", "completed", "failed", "canceled"];

    [Fact]
    public async Task Metrics_parse_as_prometheus_text_with_the_job_and_worker_families_and_json_logs_carry_the_ids()
    {
        await using var master = await NodeProcess.StartAsync(
            ["--Transcode:Logging:Format=json", "--Transcode:Metrics:RequireToken=true", NodeProcess.AllowLoopbackWorkers],
            root => E2E.StockMediaRoot(media.Media, root));
        await using var worker = await NodeProcess.StartAsync(
        [
            "--Transcode:Roles=worker", $"--Transcode:Worker:MasterUrl={master.BaseUrl}", "--Transcode:Logging:Format=json",
            $"--Transcode:Media:Roots:0={master.MediaRoot}",
        ]);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        await E2E.WithNodeLog(master, output, async () =>
        {
            // Transcode:Metrics:RequireToken: an admin token, like the admin calls.
            var (noToken, noTokenBody) = await GetAsync(http, new Uri(master.BaseUrl, "metrics"), null);
            ErrorAssert.Is(-5, noToken, JsonDocument.Parse(noTokenBody).RootElement, "/metrics without a token");
            var (client, clientBody) = await GetAsync(http, new Uri(master.BaseUrl, "metrics"), NodeProcess.ClientToken, inQuery: true);
            ErrorAssert.Is(-6, client, JsonDocument.Parse(clientBody).RootElement, "/metrics with a client token");

            var id = await master.Client.AddJobOkAsync(new { src_filename = E2E.Short, dst_dir = "observed", dst_format = "mp4", segments = "1-3" });
            await master.Client.WaitForJobCompletedAsync(id, TimeSpan.FromSeconds(120));
            // transcode_jobs counts the job list, which follows the journal within about a second.
            Assert.True(await E2E.Eventually(async () =>
            {
                var (_, page) = await master.Client.GetJobsAsync(new { type = 0, start_index = 0, limit = 10, state = JobCompleted });
                return page.GetProperty("total").GetInt64() >= 1;
            }, TimeSpan.FromSeconds(15)), "the job list did not show the completed job");

            var (status, text) = await GetAsync(http, new Uri(master.BaseUrl, "metrics"), NodeProcess.AdminToken);
            Assert.Equal(HttpStatusCode.OK, status);
            output.WriteLine(text);
            var m = PrometheusParser.Parse(text);

            foreach (var f in m.Values) Assert.False(string.IsNullOrEmpty(f.Help), $"{f.Name} has no HELP");
            Assert.Equal("gauge", m["transcode_jobs"].Type);
            Assert.Equal(JobStates.Order(), m["transcode_jobs"].Samples.Select(s => s.Label("state")).Order());
            Assert.True(m["transcode_jobs"].Value(null, "state=completed") >= 1);
            Assert.Equal(0, m["transcode_jobs"].Value(null, "state=failed"));

            Assert.Equal("histogram", m["transcode_job_duration_seconds"].Type);
            Assert.True(m["transcode_job_duration_seconds"].Count("state=completed") >= 1);
            Assert.True(m["transcode_job_duration_seconds"].Sum("transcode_job_duration_seconds_sum", "state=completed") > 0);
            Assert.True(m["transcode_task_duration_seconds"].Count("state=succeeded") >= 1);
            Assert.True(m["transcode_journal_write_seconds"].Count("entity=job") > 0);
            Assert.True(m["transcode_journal_write_seconds"].Count("entity=task") > 0);
            // This node hosts the worker registry and runs a cluster worker with one slot.
            Assert.Equal(0, m["transcode_tasks_queued"].Value());
            Assert.True(m["transcode_tasks_running"].Value() >= 0);
            Assert.Equal(1, m["transcode_worker_slots"].Value());
            Assert.InRange(m["transcode_worker_slots_busy"].Value(), 0, 1);

            // The HTTP worker serves its own /metrics (open: RequireToken is off there), without the job list.
            var (workerStatus, workerText) = await GetAsync(http, new Uri(worker.BaseUrl, "metrics"), null);
            Assert.Equal(HttpStatusCode.OK, workerStatus);
            output.WriteLine(workerText);
            var w = PrometheusParser.Parse(workerText);
            Assert.Equal(1, w["transcode_worker_slots"].Value());
            Assert.InRange(w["transcode_worker_slots_busy"].Value(), 0, 1);
            Assert.DoesNotContain("transcode_jobs", w.Keys);
            Assert.DoesNotContain("transcode_tasks_queued", w.Keys);
            // ffmpeg's speed was sampled on whichever worker ran the task.
            var speedSamples = new[] { m, w }.Sum(x => x.TryGetValue("transcode_encode_speed_ratio", out var f) ? f.Count() : 0);
            Assert.True(speedSamples >= 1, "no encode speed was recorded on either worker");

            var (ready, readyText) = await GetAsync(http, new Uri(worker.BaseUrl, "readyz"), null);
            Assert.Equal(HttpStatusCode.OK, ready);
            Assert.StartsWith($"ready: worker {worker.HttpWorkerId}, ", readyText);

            // JSON logs: every line the node wrote is one JSON object; the job's lines carry its id as a property.
            var lines = NodeLines(master);
            var json = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
            var jobLines = json.Where(j => j.TryGetProperty("State", out var s) && s.TryGetProperty("JobId", out var v) && v.GetString() == id).ToList();
            Assert.Contains(jobLines, j => j.GetProperty("Message").GetString() == $"job {id} accepted on this node"
                                           && j.GetProperty("Category").GetString() == "Akka.Transcode.Actors.Jobs.JobEntity");
            Assert.Contains(jobLines, j => j.GetProperty("Message").GetString()!.StartsWith($"job {id} completed: "));
            // The entity's actor path is a field of its own, not a prefix of the message.
            Assert.All(jobLines, j => Assert.StartsWith($"{master.ClusterAddress}/system/sharding/job/",
                j.GetProperty("State").GetProperty("LogSource").GetString()));
            Assert.All(json, j => Assert.True(j.TryGetProperty("Timestamp", out _) && j.TryGetProperty("LogLevel", out _)));
            foreach (var l in NodeLines(worker)) JsonDocument.Parse(l);

            // No token reaches a log, not even those sent in the query string above.
            foreach (var token in new[] { NodeProcess.ClientToken, NodeProcess.AdminToken, NodeProcess.WorkerToken })
            {
                Assert.DoesNotContain(lines, l => l.Contains(token, StringComparison.Ordinal));
                Assert.DoesNotContain(NodeLines(worker), l => l.Contains(token, StringComparison.Ordinal));
            }
        });
    }

    /// <summary>What the node process wrote (stdout and stderr), without the test harness' own "=====" lines.</summary>
    private static List<string> NodeLines(NodeProcess node) =>
        node.LinesSince(node.StartedAt).Select(l => l.Line).Where(l => !l.StartsWith("=====", StringComparison.Ordinal)).ToList();

    /// <summary>A GET with the token as Authorization: Bearer, or in the query string.</summary>
    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(HttpClient http, Uri url, string? token, bool inQuery = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, inQuery ? new Uri($"{url}?token={token}") : url);
        if (token is not null && !inQuery) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode == HttpStatusCode.OK && url.AbsolutePath == "/metrics")
            Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        return (response.StatusCode, body);
    }
}
