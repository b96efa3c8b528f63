using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.TranscodeClient;

namespace Akka.Transcode.EndToEnd.Tests.Soak;

/// <summary>
/// The soak test (issue 6): many jobs accepted through the API on one node, every one completed, then all of them
/// paged through with get_jobs, while the node's memory is watched. The node runs its worker in instant mode
/// (Transcode:Worker:Executor=instant), so what is measured is the control plane: HTTP edge, job and task entities,
/// journal, projection and read model. Sized by <see cref="SoakSettings"/>: the suite runs a short form; ops/soak.sh
/// runs 100,000 jobs. Only robust things are asserted (every job completed, paging exact, entities passivated,
/// memory under a generous bound, no errors); the figures are printed, and are for benchmarks to judge.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class SoakTests(ITestOutputHelper output)
{
    private const string Source = "tiny.ts";
    private const int OutputDirs = 64;
    private static readonly TimeSpan HeapTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(30);
    private const int WarmUpJobs = 500;

    [Fact]
    public async Task Jobs_accepted_in_bulk_all_complete_page_exactly_and_memory_stays_bounded()
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture; // the report's numbers, whatever the locale
        var settings = SoakSettings.FromEnvironment();
        var storage = settings.Storage switch
        {
            "sqlite" => [],
            "postgres" => new[] { "--Transcode:Storage:Provider=postgres", $"--Transcode:Storage:ConnectionString={await TestPostgres.CreateDatabaseAsync()}" },
            _ => throw new InvalidOperationException($"TRANSCODE_SOAK_STORAGE must be sqlite or postgres (got '{settings.Storage}')"),
        };
        string[] args =
        [
            "--Transcode:Worker:Executor=instant", $"--Transcode:Worker:Slots={settings.Slots}",
            // The soak measures a backlog of every job at once (100,000 with ops/soak.sh): beyond the default bound.
            "--Transcode:Jobs:MaxQueued=0",
            .. settings.PassivationSeconds > 0 ? [$"--Transcode:Jobs:IdlePassivationSeconds={settings.PassivationSeconds}"] : Array.Empty<string>(),
            .. storage,
        ];
        var sourceBytes = await TinySourceAsync();
        await using var node = await NodeProcess.StartAsync(args, root => File.WriteAllBytes(Path.Combine(root, Source), sourceBytes));
        await E2E.WithNodeLog(node, output, async () =>
        {
            Assert.Contains("Transcode:Worker:Executor=instant", node.LogSince(0));
            await using var report = new SoakReport(output, settings.ReportPath, node.Pid,
                TimeSpan.FromSeconds(settings.Jobs >= 20_000 ? 5 : 1));
            report.Line($"soak: {settings.Jobs} jobs, {settings.Concurrency} concurrent clients, {settings.Storage}, " +
                        $"{settings.Slots} instant worker slots, idle passivation {settings.EffectivePassivationSeconds} s, " +
                        $"{Environment.ProcessorCount} cores");
            var rssStart = ProcessMemory.RssMb(node.Pid);
            var heapStart = await LiveHeap.MbAfterFullGcAsync(node.Pid, HeapTimeout);
            report.Line($"at start (ready, idle): RSS {rssStart:0} MB, live heap {heapStart:0.0} MB");

            // ---- submission --------------------------------------------------------------------------------------
            report.Phase = "submit";
            var submitted = await SubmitAsync(node.Client, settings, report);
            Assert.Equal(settings.Jobs, submitted.Ids.Count);
            Assert.Equal(settings.Jobs, submitted.Ids.Distinct().Count());
            var rssSubmitted = ProcessMemory.RssMb(node.Pid);
            var heapSubmitted = await LiveHeap.MbAfterFullGcAsync(node.Pid, HeapTimeout);
            report.Line($"after submission: RSS {rssSubmitted:0} MB, live heap {heapSubmitted:0.0} MB");

            // ---- completion: counted by the read model, never job by job ------------------------------------------
            report.Phase = "complete";
            var completion = Stopwatch.StartNew();
            var deadline = TimeSpan.FromSeconds(120 + settings.Jobs * 0.05);
            long completed = 0;
            var lastWord = Stopwatch.StartNew();
            var allDone = await E2E.Eventually(async () =>
            {
                completed = await TotalAsync(node.Client, TranscodeClient.JobCompleted);
                if (lastWord.Elapsed > ProgressEvery && completed < settings.Jobs)
                {
                    report.Line($"  ... {completed} COMPLETED, RSS {ProcessMemory.RssMb(node.Pid):0} MB");
                    lastWord.Restart();
                }
                return completed == settings.Jobs;
            }, deadline);
            var sinceStart = submitted.Started.Elapsed;
            Assert.True(allDone, $"only {completed} of {settings.Jobs} jobs COMPLETED within {deadline.TotalSeconds:0} s " +
                                 $"of the last add_job; failed: {await TotalAsync(node.Client, TranscodeClient.JobFailed)}");
            foreach (var state in new[] { JobInit, JobReady, JobInProgress, JobFailed, JobCanceled })
                Assert.Equal(0, await TotalAsync(node.Client, state));
            report.Line($"all {settings.Jobs} COMPLETED {sinceStart.TotalSeconds:0.0} s after the first add_job " +
                        $"({completion.Elapsed.TotalSeconds:0.0} s after the last): {settings.Jobs / sinceStart.TotalSeconds:0} jobs/s end to end");
            var rssCompleted = ProcessMemory.RssMb(node.Pid);
            var heapCompleted = await LiveHeap.MbAfterFullGcAsync(node.Pid, HeapTimeout);
            report.Line($"after completion: RSS {rssCompleted:0} MB, live heap {heapCompleted:0.0} MB");

            // Every job's output is in place: one output per directory (later jobs overwrote earlier ones), and no
            // temporary or partial file left behind.
            var outRoot = Path.Combine(node.MediaRoot, "soak");
            var leftovers = Directory.EnumerateFiles(outRoot, "*", SearchOption.AllDirectories)
                .Where(f => Path.GetFileName(f) != "tiny.ts").Take(5).ToList();
            Assert.True(leftovers.Count == 0, "files other than outputs are left: " + string.Join(", ", leftovers));
            Assert.Equal(Math.Min(OutputDirs, settings.Jobs), Directory.EnumerateDirectories(outRoot).Count());
            Assert.All(Directory.EnumerateDirectories(outRoot), d =>
                Assert.Equal(sourceBytes, File.ReadAllBytes(Path.Combine(d, "tiny.ts"))));

            // ---- paging ----------------------------------------------------------------------------------------------
            report.Phase = "page";
            var expected = submitted.Ids.ToHashSet();
            foreach (var limit in new[] { 10, 1000 })
                await PageThroughAsync(node.Client, limit, expected, report);

            // ---- get_job: entities passivated by now are read back from the journal, then answer warm ----------
            report.Phase = "get_job";
            var sample = submitted.Ids.Where((_, i) => i % Math.Max(1, settings.Jobs / 200) == 0).Take(200).ToList();
            var cold = new Latencies();
            var warm = new Latencies();
            foreach (var id in sample)
            {
                foreach (var lat in new[] { cold, warm })
                {
                    var sw = Stopwatch.StartNew();
                    var job = await node.Client.GetJobAsync(id);
                    lat.Add(sw.Elapsed);
                    Assert.Equal(JobCompleted, State(job));
                }
            }
            report.Line($"get_job, first call after the job's entity went idle: {cold.Summary()}");
            report.Line($"get_job, right after (entity in memory): {warm.Summary()}");

            // ---- passivation: every job and task entity leaves memory -------------------------------------------
            report.Phase = "idle";
            var idle = Stopwatch.StartNew();
            var passivateBy = TimeSpan.FromSeconds(settings.EffectivePassivationSeconds * 3 + 60);
            (int Jobs, int Tasks) live = (-1, -1);
            var passivated = await E2E.Eventually(async () =>
            {
                live = (await EntitiesAsync(node.Client, "job"), await EntitiesAsync(node.Client, "task"));
                return live == (0, 0);
            }, passivateBy);
            Assert.True(passivated, $"entities still in memory {passivateBy.TotalSeconds:0} s after the last call: " +
                                    $"{live.Jobs} job(s), {live.Tasks} task(s)");
            report.Line($"every job and task entity passivated {idle.Elapsed.TotalSeconds:0.0} s after the last get_job " +
                        $"(idle passivation {settings.EffectivePassivationSeconds} s)");
            var rssPassivated = ProcessMemory.RssMb(node.Pid);
            var peak = ProcessMemory.PeakRssMb(node.Pid);
            var heapPassivated = await LiveHeap.MbAfterFullGcAsync(node.Pid, HeapTimeout);
            report.Line($"after passivation: RSS {rssPassivated:0} MB (peak during the run {peak:0} MB), live heap {heapPassivated:0.0} MB");
            report.Line($"RSS start/submitted/completed/passivated: {rssStart:0}/{rssSubmitted:0}/{rssCompleted:0}/{rssPassivated:0} MB; " +
                        $"live heap {heapStart:0.0}/{heapSubmitted:0.0}/{heapCompleted:0.0}/{heapPassivated:0.0} MB");
            Assert.True(rssPassivated < settings.MaxRssMb,
                $"the node's RSS after passivation is {rssPassivated:0} MB, above the bound of {settings.MaxRssMb} MB");
            // What the node still holds once its entities are gone does not grow with the jobs it has seen.
            Assert.True(heapPassivated < heapStart + settings.MaxHeapGrowthMb,
                $"the node's live heap grew from {heapStart:0.0} MB to {heapPassivated:0.0} MB over {settings.Jobs} jobs " +
                $"(bound: {settings.MaxHeapGrowthMb} MB of growth)");

            // The node stayed healthy and logged no error throughout.
            var log = node.LogSince(0, int.MaxValue);
            var errors = log.Split('\n').Where(l => l.Contains("fail:") || l.Contains("[ERROR]") || l.Contains("crit:")).Take(5).ToList();
            Assert.True(errors.Count == 0, "the node logged errors:\n" + string.Join('\n', errors));
        });
    }

    private sealed record Submission(IReadOnlyList<string> Ids, Stopwatch Started);

    /// <summary>
    /// add_job for every job: the first ones (<see cref="WarmUpJobs"/>) from a few clients, because a fresh node starts
    /// its shards (100 for jobs, 100 for tasks) and compiles its hot code on them, then the rest from <see cref="SoakSettings.Concurrency"/> clients
    /// at once, each taking the next job number. Both count as jobs; their latencies are reported apart.
    /// </summary>
    private static async Task<Submission> SubmitAsync(TranscodeClient client, SoakSettings settings, SoakReport report)
    {
        var ids = new string?[settings.Jobs];
        var failures = new ConcurrentQueue<string>();
        var warmUp = Math.Min(WarmUpJobs, settings.Jobs / 10);
        var started = Stopwatch.StartNew();
        var warmLatencies = new Latencies();
        await SubmitRangeAsync(client, 0, warmUp, Math.Min(4, settings.Concurrency), ids, warmLatencies, failures, () => { });
        var warmElapsed = started.Elapsed;
        if (warmUp > 0)
            report.Line($"add_job warm-up: {warmUp} jobs from {Math.Min(4, settings.Concurrency)} clients in " +
                        $"{warmElapsed.TotalSeconds:0.0} s; latency {warmLatencies.Summary()}");

        var latencies = new Latencies();
        var calls = 0;
        var lastWord = Stopwatch.StartNew();
        var steady = Stopwatch.StartNew();
        await SubmitRangeAsync(client, warmUp, settings.Jobs, settings.Concurrency, ids, latencies, failures, () =>
        {
            var n = Interlocked.Increment(ref calls);
            if (n % 500 != 0 || lastWord.Elapsed < ProgressEvery) return;
            lock (lastWord)
            {
                if (lastWord.Elapsed < ProgressEvery) return;
                report.Line($"  ... {warmUp + n} add_job calls in {started.Elapsed.TotalSeconds:0} s, latency so far {latencies.Summary()}");
                lastWord.Restart();
            }
        });
        var elapsed = steady.Elapsed;
        var count = settings.Jobs - warmUp;
        report.Line($"add_job: {count} jobs from {settings.Concurrency} clients in {elapsed.TotalSeconds:0.0} s = " +
                    $"{count / elapsed.TotalSeconds:0} jobs/s; latency {latencies.Summary()}");
        Assert.True(failures.IsEmpty, $"{failures.Count} add_job call(s) failed, e.g.:\n{string.Join('\n', failures.Take(5))}");
        return new Submission(ids.Select(id => id!).ToList(), started);
    }

    private static async Task SubmitRangeAsync(TranscodeClient client, int from, int to, int concurrency, string?[] ids,
        Latencies latencies, ConcurrentQueue<string> failures, Action called)
    {
        var next = from - 1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < to)
            {
                var sw = Stopwatch.StartNew();
                var (status, body) = await client.AddJobAsync(new
                {
                    src_filename = Source, dst_dir = $"soak/{i % OutputDirs:D2}", dst_format = "ts", overwrite = true,
                });
                latencies.Add(sw.Elapsed);
                if (status == HttpStatusCode.OK && ErrCode(body) == 0) ids[i] = body.GetProperty("job_id").GetString();
                else failures.Enqueue($"job {i}: HTTP {(int)status} {body}");
                called();
            }
        })));
    }

    /// <summary>
    /// Pages newest first through every job; each page must say the same total and hold what it counts, in creation
    /// order, and every job must appear exactly once.
    /// </summary>
    private static async Task PageThroughAsync(TranscodeClient client, int limit, IReadOnlySet<string> expected, SoakReport report)
    {
        var seen = new HashSet<string>();
        var pages = new List<(int Start, TimeSpan Elapsed)>();
        string? previousCreated = null;
        var whole = Stopwatch.StartNew();
        for (var start = 0; start < expected.Count; start += limit)
        {
            var sw = Stopwatch.StartNew();
            var (status, body) = await client.GetJobsAsync(new { type = 0, start_index = start, limit, sortby = "time" });
            pages.Add((start, sw.Elapsed));
            AssertOk(status, body, $"get_jobs start_index {start} limit {limit}");
            Assert.Equal(expected.Count, body.GetProperty("total").GetInt64());
            Assert.Equal(start, body.GetProperty("start_index").GetInt32());
            var jobs = body.GetProperty("jobs").EnumerateArray().ToList();
            Assert.Equal(Math.Min(limit, expected.Count - start), jobs.Count);
            Assert.Equal(jobs.Count, body.GetProperty("num_jobs").GetInt32());
            foreach (var job in jobs)
            {
                var id = job.GetProperty("id").GetString()!;
                Assert.True(expected.Contains(id), $"get_jobs listed a job that was not submitted: {id}");
                Assert.True(seen.Add(id), $"job {id} is listed twice (start_index {start}, limit {limit})");
                var created = job.GetProperty("created_at").GetString()!;
                Assert.True(previousCreated is null || string.CompareOrdinal(created, previousCreated) <= 0,
                    $"not newest first at start_index {start}: {created} after {previousCreated}");
                previousCreated = created;
            }
        }
        Assert.Equal(expected.Count, seen.Count);
        var tenth = Math.Max(1, pages.Count / 10);
        var early = new Latencies();
        var deep = new Latencies();
        var all = new Latencies();
        foreach (var p in pages.Take(tenth)) early.Add(p.Elapsed);
        foreach (var p in pages.TakeLast(tenth)) deep.Add(p.Elapsed);
        foreach (var p in pages) all.Add(p.Elapsed);
        report.Line($"get_jobs limit {limit}: {pages.Count} pages in {whole.Elapsed.TotalSeconds:0.0} s, every job once; " +
                    $"all pages {all.Summary()}");
        report.Line($"get_jobs limit {limit}: first tenth of pages {early.Summary()}; last tenth (start_index >= {pages[^tenth].Start}) {deep.Summary()}");
    }

    private static async Task<long> TotalAsync(TranscodeClient client, int state)
    {
        var (status, body) = await client.GetJobsAsync(new { type = 0, start_index = 0, limit = 1, sortby = "time", state });
        AssertOk(status, body, $"get_jobs state {state}");
        return body.GetProperty("total").GetInt64();
    }

    /// <summary>Live entities of one type on the node, from the admin API's sharding statistics.</summary>
    private static async Task<int> EntitiesAsync(TranscodeClient client, string type)
    {
        var (status, body) = await client.GetAsync("admin/sharding/region-stats", new Dictionary<string, string> { ["type"] = type },
            NodeProcess.AdminToken);
        AssertOk(status, body, "region-stats");
        return body.GetProperty("regions").EnumerateArray().Sum(r => r.GetProperty("entities").GetInt32());
    }

    /// <summary>Half a second of 64x36 H.264 and AAC in MPEG-TS (about 5 KB): the copy a job makes costs nothing.</summary>
    private static async Task<byte[]> TinySourceAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), $"akka-transcode-soak-{Guid.NewGuid():N}.ts");
        try
        {
            await Proc.RunCheckedAsync("ffmpeg",
            [
                "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=64x36:rate=10:duration=0.5",
                "-f", "lavfi", "-i", "sine=frequency=440:duration=0.5", "-c:v", "libx264", "-preset", "ultrafast",
                "-c:a", "aac", "-f", "mpegts", path,
            ], TimeSpan.FromMinutes(1));
            return await File.ReadAllBytesAsync(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
