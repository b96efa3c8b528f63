using System.Diagnostics;
using System.Text.Json;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.TranscodeClient;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>
/// Fail-over with real node processes on loopback: a master node killed with SIGKILL, nodes stopped with SIGTERM
/// while they work, a worker joining a running cluster, and every node restarted one after another. Jobs are 10 s
/// re-encodes in 5 s chunks (two video tasks, audio, join), so every job has work in flight on several nodes.
/// </summary>
[Collection(BesideEndToEndCollection.Name)]
public sealed class FailoverTests(MediaFixture media, ITestOutputHelper output)
{
    private const string Output = "short.mp4";
    private const string ChunkedPlanning = "--Transcode:Planning:MaxTaskSeconds=5";
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task A_master_node_killed_with_SIGKILL_hands_its_jobs_to_the_survivors_and_every_job_completes_once()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var cluster = await NodeSet.StartThreeMastersAsync(media.Media, database, ChunkedPlanning);
        var client = new ClusterClient(cluster.Nodes);
        await cluster.WithLogs(output, async () =>
        {
            var jobs = new Dictionary<string, string>();
            for (var i = 0; i < 6; i++)
            {
                var dir = $"sigkill/j{i}";
                jobs[await client.AddJobOkAsync(E2E.Short, dir)] = dir;
            }
            Assert.True(await E2E.Eventually(() => jobs.Keys.All(cluster.CurrentHosts().ContainsKey), TimeSpan.FromSeconds(15)),
                "not every job entity said where it runs");
            var spread = cluster.CurrentHosts();
            output.WriteLine("job entities per node: " + string.Join(", ",
                cluster.Nodes.Select((n, i) => $"node {i + 1}: {spread.Count(h => h.Value == n)}")));

            // The victim is the node hosting the most job entities; kill it once one of its jobs is in progress.
            var victim = cluster.Nodes.MaxBy(n => spread.Count(h => h.Value == n))!;
            var victimJobs = spread.Where(h => h.Value == victim).Select(h => h.Key).ToList();
            Assert.True(await E2E.Eventually(async () =>
            {
                foreach (var id in victimJobs)
                    if (State(await client.GetJobAsync(id)) == JobInProgress) return true;
                return false;
            }, TimeSpan.FromSeconds(60)), "none of the victim's jobs got going");
            var unfinished = new List<string>();
            foreach (var id in victimJobs)
                if (State(await client.GetJobAsync(id)) < JobCompleted) unfinished.Add(id);
            Assert.NotEmpty(unfinished);
            output.WriteLine($"SIGKILL {victim.ClusterAddress}: it hosts {victimJobs.Count} job(s), {unfinished.Count} unfinished");

            var killedAt = DateTime.UtcNow;
            var clock = Stopwatch.StartNew();
            await victim.KillAsync();
            var survivors = cluster.Nodes.Where(n => n != victim).ToList();

            // Its job entities start again from the journal on the survivors (remember-entities) ...
            Assert.True(await E2E.Eventually(
                    () => unfinished.All(id => survivors.Any(s => NodeSet.RecoveredOn(s, id, killedAt))), TimeSpan.FromSeconds(90)),
                "the killed node's unfinished jobs were not all recovered on a surviving node");
            var toRecovered = clock.Elapsed;
            // ... and answer again through the survivors' HTTP API.
            foreach (var id in unfinished) await client.GetJobAsync(id, detail: true, timeout: TimeSpan.FromSeconds(60));
            var toAnswering = clock.Elapsed;

            var finals = new Dictionary<string, JsonElement>();
            foreach (var id in jobs.Keys) finals[id] = await client.WaitForJobCompletedAsync(id, JobTimeout);
            var toAllDone = clock.Elapsed;
            output.WriteLine($"kill to the victim's jobs recovered on survivors: {toRecovered.TotalSeconds:0.0} s; " +
                             $"to answering get_job: {toAnswering.TotalSeconds:0.0} s; to all {jobs.Count} jobs completed: " +
                             $"{toAllDone.TotalSeconds:0.0} s; calls retried (-10 or refused): {client.Retries}");

            await AssertAllCompletedOnceAsync(client, database, cluster[0].MediaRoot, jobs, finals);
        });
    }

    [Fact]
    public async Task A_joining_worker_takes_work_within_seconds_and_a_worker_stopped_with_SIGTERM_loses_no_job()
    {
        var master = await NodeProcess.StartAsync(["--Transcode:Roles=api,master", ChunkedPlanning],
            root => E2E.StockMediaRoot(media.Media, root));
        string[] workerArgs =
        [
            "--Transcode:Roles=worker", $"--Transcode:Cluster:Seeds:0={master.ClusterAddress}",
            $"--Transcode:Media:Roots:0={master.MediaRoot}", "--Transcode:Worker:Slots=1", "--Transcode:Worker:ThreadsPerTask=1",
        ];
        await using var cluster = new NodeSet();
        cluster.Add(master);
        var w1 = await NodeProcess.StartAsync(workerArgs);
        cluster.Add(w1);
        var client = new ClusterClient([master]);
        await cluster.WithLogs(output, async () =>
        {
            var jobs = new Dictionary<string, string>();
            for (var i = 0; i < 4; i++)
            {
                var dir = $"join-leave/j{i}";
                jobs[await client.AddJobOkAsync(E2E.Short, dir)] = dir;
            }
            await FindTaskAsync(client, jobs.Keys, t => IsRunningOn(t, w1.WorkerId), TimeSpan.FromSeconds(60), "a task running on worker 1");

            // Rolling join: a second worker starts while work is queued and gets some of it within seconds.
            var w2 = await NodeProcess.StartAsync(workerArgs);
            cluster.Add(w2);
            var joined = Stopwatch.StartNew();
            var (firstJob, firstTask) = await FindTaskAsync(client, jobs.Keys, t => WorkerOf(t) == w2.WorkerId,
                TimeSpan.FromSeconds(30), $"a task given to the new worker {w2.WorkerId}");
            var toFirstTask = joined.Elapsed;
            output.WriteLine($"new worker ready to its first task ({firstTask.GetProperty("id")} of {firstJob}): {toFirstTask.TotalSeconds:0.0} s");
            Assert.True(toFirstTask < TimeSpan.FromSeconds(15), $"the new worker took {toFirstTask.TotalSeconds:0.0} s to get work");

            // Graceful leave: SIGTERM worker 1 while it encodes.
            var (jobId, victim) = await FindTaskAsync(client, jobs.Keys,
                t => IsRunningOn(t, w1.WorkerId) && t.GetProperty("progress").GetDouble() > 0,
                TimeSpan.FromSeconds(60), "a task making progress on worker 1");
            var taskId = victim.GetProperty("id").GetString()!;
            var clock = Stopwatch.StartNew();
            var exitCode = await w1.StopAsync();
            var toExit = clock.Elapsed;
            output.WriteLine($"SIGTERM worker 1 while it runs {taskId}: exited with {exitCode} after {toExit.TotalSeconds:0.0} s");
            Assert.Equal(0, exitCode);
            Assert.True(toExit < TimeSpan.FromSeconds(15), $"worker 1 took {toExit.TotalSeconds:0.0} s to exit");
            // It stopped its ffmpeg before it exited: a run's pid file goes only once its ffmpeg has ended.
            var leftover = LeftoverFfmpeg(w1);
            Assert.True(leftover.Count == 0, "worker 1 exited before its ffmpeg ended: " + string.Join("; ", leftover));

            // Its task finished before it left, or went back to the queue and runs on worker 2.
            var moved = await client.WaitForJobAsync(jobId, j => Tasks(j).Any(t => t.GetProperty("id").GetString() == taskId &&
                    (t.GetProperty("state").GetInt32() == TaskDone || (t.GetProperty("attempts").GetInt32() >= 2 && WorkerOf(t) == w2.WorkerId))),
                TimeSpan.FromSeconds(60), detail: true, what: $"{taskId} done or running again on worker 2");
            var toRequeued = clock.Elapsed;
            var after = Tasks(moved).Single(t => t.GetProperty("id").GetString() == taskId);
            output.WriteLine($"SIGTERM to {taskId} done or re-run: {toRequeued.TotalSeconds:0.0} s: {after}");
            Assert.True(after.GetProperty("attempts").GetInt32() == 1 ? WorkerOf(after) == w1.WorkerId : WorkerOf(after) == w2.WorkerId,
                $"{taskId} is neither finished by worker 1 nor re-run on worker 2: {after}");

            var finals = new Dictionary<string, JsonElement>();
            foreach (var id in jobs.Keys) finals[id] = await client.WaitForJobCompletedAsync(id, JobTimeout);
            var final = Tasks(finals[jobId]).Single(t => t.GetProperty("id").GetString() == taskId);
            Assert.True(final.GetProperty("attempts").GetInt32() == 1 ? WorkerOf(final) == w1.WorkerId : WorkerOf(final) == w2.WorkerId,
                $"{taskId} ended on the wrong worker: {final}");
            await AssertAllCompletedOnceAsync(client, null, master.MediaRoot, jobs, finals);
            // The stopped worker's ffmpeg went with it.
            Assert.True(await E2E.Eventually(() => E2E.FfmpegMentioning(master.MediaRoot).Count == 0, TimeSpan.FromSeconds(10)),
                "ffmpeg processes are still running: " + string.Join("\n", E2E.FfmpegMentioning(master.MediaRoot)));
        });
    }

    [Fact]
    public async Task Rolling_restart_of_every_node_with_SIGTERM_while_jobs_run_loses_no_job()
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var cluster = await NodeSet.StartThreeMastersAsync(media.Media, database, ChunkedPlanning);
        var client = new ClusterClient(cluster.Nodes);
        await cluster.WithLogs(output, async () =>
        {
            var jobs = new Dictionary<string, string>();
            async Task AddJob()
            {
                var dir = $"rolling/j{jobs.Count}";
                jobs[await client.AddJobOkAsync(E2E.Short, dir)] = dir;
            }
            await AddJob();
            await AddJob();

            // The first node is the oldest: stopping it also moves the worker registry and the job-list projection.
            for (var n = 0; n < cluster.Nodes.Count; n++)
            {
                var node = cluster[n];
                // SIGTERM a master mid-job: one of the jobs it hosts must be in progress. Add work until it has one.
                string? hosted = null;
                for (var extra = 0; hosted is null; extra++)
                {
                    Assert.True(extra < 6, $"node {n + 1} got no job entity in progress");
                    await AddJob();
                    var sw = Stopwatch.StartNew();
                    while (hosted is null && sw.Elapsed < TimeSpan.FromSeconds(5))
                    {
                        foreach (var id in cluster.CurrentHosts().Where(h => h.Value == node).Select(h => h.Key))
                            if (State(await client.GetJobAsync(id)) == JobInProgress) { hosted = id; break; }
                        if (hosted is null) await Task.Delay(200);
                    }
                }

                var others = cluster.Nodes.Where(o => o != node).ToList();
                var stoppedAt = DateTime.UtcNow;
                var clock = Stopwatch.StartNew();
                var exitCode = await node.StopAsync();
                var toExit = clock.Elapsed;
                Assert.Equal(0, exitCode);
                Assert.True(toExit < TimeSpan.FromSeconds(20), $"node {n + 1} took {toExit.TotalSeconds:0.0} s to exit");
                var leftover = LeftoverFfmpeg(node);
                Assert.True(leftover.Count == 0, $"node {n + 1} exited before its ffmpeg ended: " + string.Join("; ", leftover));
                // Hand-off: the job it hosted starts on another node and answers from there.
                Assert.True(await E2E.Eventually(() => others.Any(o => NodeSet.RecoveredOn(o, hosted, stoppedAt)), TimeSpan.FromSeconds(30)),
                    $"job {hosted} of node {n + 1} was not recovered on another node");
                var toHandedOff = clock.Elapsed;
                var job = await client.GetJobAsync(hosted, timeout: TimeSpan.FromSeconds(30));
                Assert.True(State(job) is JobReady or JobInProgress or JobCompleted, $"job {hosted} after the hand-off:\n{job}");

                clock.Restart();
                await node.RestartAsync();
                var toReady = clock.Elapsed;
                output.WriteLine($"node {n + 1} (hosting {hosted}, in progress): SIGTERM to exit {toExit.TotalSeconds:0.0} s (code {exitCode}), " +
                                 $"to its job recovered elsewhere {toHandedOff.TotalSeconds:0.0} s; restart to ready {toReady.TotalSeconds:0.0} s");
            }

            var clockAll = Stopwatch.StartNew();
            var finals = new Dictionary<string, JsonElement>();
            foreach (var id in jobs.Keys) finals[id] = await client.WaitForJobCompletedAsync(id, JobTimeout);
            output.WriteLine($"{jobs.Count} jobs; last restart to all completed: {clockAll.Elapsed.TotalSeconds:0.0} s; " +
                             $"calls retried (-10 or refused): {client.Retries}");
            await AssertAllCompletedOnceAsync(client, database, cluster[0].MediaRoot, jobs, finals);
        });
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    /// <summary>The pid files a stopped node left in its data directory (one per ffmpeg run that had not ended when
    /// it exited), with whether that process still runs.</summary>
    private static IReadOnlyList<string> LeftoverFfmpeg(NodeProcess node)
    {
        var pidDir = Path.Combine(node.DataDir, "ffmpeg-pids");
        if (!Directory.Exists(pidDir)) return [];
        return Directory.GetFiles(pidDir, "*.pid").Select(f =>
        {
            var pid = Path.GetFileNameWithoutExtension(f);
            var cmdline = Path.Combine("/proc", pid, "cmdline");
            return File.Exists(cmdline)
                ? $"ffmpeg {pid} still running: {File.ReadAllText(cmdline).Replace('\0', ' ')}"
                : $"pid file {Path.GetFileName(f)} left behind";
        }).ToList();
    }

    private static string? WorkerOf(JsonElement task) =>
        task.TryGetProperty("worker_id", out var w) && w.ValueKind == JsonValueKind.String ? w.GetString() : null;

    private static bool IsRunningOn(JsonElement task, string workerId) =>
        task.GetProperty("state").GetInt32() == TaskRunning && WorkerOf(task) == workerId;

    /// <summary>Polls the jobs' task lists until a task matches.</summary>
    private static async Task<(string JobId, JsonElement Task)> FindTaskAsync(ClusterClient client, IEnumerable<string> jobIds,
        Func<JsonElement, bool> predicate, TimeSpan timeout, string what)
    {
        var ids = jobIds.ToList();
        var sw = Stopwatch.StartNew();
        while (true)
        {
            foreach (var id in ids)
            {
                var job = await client.GetJobAsync(id, detail: true);
                Assert.True(State(job) is not (JobFailed or JobCanceled), $"job {id} ended in state {State(job)}:\n{job}");
                foreach (var t in Tasks(job))
                    if (predicate(t)) return (id, t);
            }
            if (sw.Elapsed > timeout) throw new TimeoutException($"{what}: not seen within {timeout.TotalSeconds} s\n{client.Diagnostics()}");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Every job is listed by get_jobs as COMPLETED; its output is whole (every frame, a clean decode) and alone in its
    /// dst_dir (no temporary, partial or duplicate file, no parts directory); every task is done. With the PostgreSQL
    /// journal: each job completed once and failed never, each task succeeded exactly once.
    /// </summary>
    private async Task AssertAllCompletedOnceAsync(ClusterClient client, string? database, string mediaRoot,
        IReadOnlyDictionary<string, string> jobs, IReadOnlyDictionary<string, JsonElement> finals)
    {
        IReadOnlyList<JsonElement> listed = [];
        long total = 0;
        var allListed = await E2E.Eventually(async () =>
        {
            (total, listed) = await client.ListJobsAsync();
            var completed = listed.Where(j => State(j) == JobCompleted).Select(j => j.GetProperty("id").GetString()!).ToHashSet();
            return total == jobs.Count && jobs.Keys.All(completed.Contains);
        }, TimeSpan.FromSeconds(30));
        Assert.True(allListed, $"get_jobs does not list all {jobs.Count} jobs as COMPLETED (total {total}):\n" +
                               string.Join("\n", listed.Select(j => $"{j.GetProperty("id")} state {State(j)}")));

        foreach (var (id, dir) in jobs)
        {
            var job = finals[id];
            Assert.Equal(0, job.GetProperty("result").GetInt32());
            Assert.All(Tasks(job), t => Assert.Equal(TaskDone, t.GetProperty("state").GetInt32()));
            Assert.True(Tasks(job).Count >= 3, $"job {id} was not chunked:\n{job}");
            var outDir = Path.Combine(mediaRoot, dir);
            Assert.Equal(Path.Combine(outDir, Output), job.GetProperty("dst_path").GetString());
            Assert.Equal([Output], E2E.Entries(outDir));
            var file = Path.Combine(outDir, Output);
            MediaAssert.Near(MediaSet.ShortSeconds * MediaSet.FrameRate, await MediaAssert.VideoFrameCountAsync(file), 1, $"video frames of {file}");
            await MediaAssert.DecodesCleanlyAsync(file);
        }
        // Nothing beside the jobs' own dst_dirs either.
        foreach (var parent in jobs.Values.GroupBy(d => Path.GetDirectoryName(d)!))
            Assert.Equal(parent.Select(d => Path.GetFileName(d)).Order(), E2E.Entries(Path.Combine(mediaRoot, parent.Key)));

        if (database is null) return;
        var jobCompleted = await TestPostgres.EventCountsAsync(database, "job.completed.v1");
        var jobFailed = await TestPostgres.EventCountsAsync(database, "job.failed.v1");
        var taskSucceeded = await TestPostgres.EventCountsAsync(database, "task.succeeded.v1");
        Assert.Empty(jobFailed);
        Assert.Equal(jobs.Keys.Select(id => "job-" + id).Order(), jobCompleted.Keys.Order());
        Assert.All(jobCompleted, kv => Assert.True(kv.Value == 1, $"{kv.Key} completed {kv.Value} times"));
        var taskIds = finals.Values.SelectMany(Tasks).Select(t => "task-" + t.GetProperty("id").GetString()).ToList();
        Assert.Equal(taskIds.Order(), taskSucceeded.Keys.Order());
        Assert.All(taskSucceeded, kv => Assert.True(kv.Value == 1, $"{kv.Key} succeeded {kv.Value} times"));
        output.WriteLine($"journal: {jobCompleted.Count} jobs completed once each, {taskSucceeded.Count} tasks succeeded once each");
    }
}
