using System.Collections.Concurrent;
using System.Text.Json;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.TranscodeClient;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure.Chaos;

/// <summary>What the journal says about the run: events per persistence id, by event manifest.</summary>
public sealed record ChaosJournal(IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> ByManifest)
{
    public static readonly string[] Manifests =
    [
        "job.submitted.v1", "job.planned.v1", "job.completed.v1", "job.failed.v1", "job.canceled.v1",
        "task.created.v1", "task.attempt-started.v1", "task.attempt-lost.v1", "task.attempt-failed.v1",
        "task.succeeded.v1", "task.failed.v1", "task.canceled.v1",
    ];

    public static async Task<ChaosJournal> ReadAsync(string database)
    {
        var all = new Dictionary<string, IReadOnlyDictionary<string, long>>();
        foreach (var m in Manifests) all[m] = await TestPostgres.EventCountsAsync(database, m);
        return new ChaosJournal(all);
    }

    public IReadOnlyDictionary<string, long> this[string manifest] => ByManifest[manifest];

    public long Total(string manifest) => ByManifest[manifest].Values.Sum();
}

/// <summary>
/// The checks after the run; each adds what it finds wrong to <see cref="Problems"/>, so one run reports every
/// problem at once:
/// every job COMPLETED (a FAILED one with its err_msg) and listed so by get_jobs; each output alone in its dst_dir,
/// H.264 + AAC, of the expected duration and frame count, decoding without an error; nothing else under the media
/// root (no partial, temporary or work file) nor in the nodes' staging, no ffmpeg left running or tracked; and in
/// the journal every job submitted, planned and completed exactly once, every task of its plan created and succeeded
/// exactly once, nothing failed or cancelled.
/// </summary>
public sealed class ChaosChecks(ChaosCluster cluster, IReadOnlyList<ChaosJob> jobs, ClusterClient client)
{
    /// <summary>"Within a frame or two" (30 fps), plus a millisecond for containers that round to ms.</summary>
    public const double DurationTolerance = 2 / MediaSet.FrameRate + 0.001;

    private readonly ConcurrentQueue<string> _problems = new();

    public IReadOnlyList<string> Problems => _problems.ToList();

    private void Problem(string text) => _problems.Enqueue(text);

    public void JobsEnded()
    {
        foreach (var job in jobs)
        {
            if (job.Lost is not null) Problem($"{job.Id}: {job.Lost}");
            else if (!job.Ended) Problem($"{job.Id}: not ended; last seen {job.Last?.ToString() ?? "never answered"}");
            else if (job.State != JobCompleted)
                Problem($"{job.Id} ({job.Kind.Name}) ended in state {job.State}: err_code " +
                        $"{Field(job.Last!.Value, "err_code")}, err_msg {Field(job.Last.Value, "err_msg")}");
        }
    }

    /// <summary>The read model, fed from the journal by a singleton that moved with every master kill, lists each job once,
    /// COMPLETED.</summary>
    public async Task ListedAsync()
    {
        long total = 0;
        IReadOnlyList<JsonElement> listed = [];
        var ids = jobs.Select(j => j.Id).ToHashSet();
        var ok = await E2E.Eventually(async () =>
        {
            (total, listed) = await client.ListJobsAsync();
            var completed = listed.Where(j => State(j) == JobCompleted).Select(j => j.GetProperty("id").GetString()!).ToList();
            return total == jobs.Count && completed.Count == jobs.Count && ids.SetEquals(completed);
        }, TimeSpan.FromSeconds(30));
        if (!ok)
            Problem($"get_jobs lists {total} job(s) ({listed.Count(j => State(j) == JobCompleted)} COMPLETED), not the " +
                    $"{jobs.Count} COMPLETED jobs: " + string.Join(", ", listed.Where(j => State(j) != JobCompleted || !ids.Contains(j.GetProperty("id").GetString()!))
                        .Select(j => $"{j.GetProperty("id")} state {State(j)}")));
    }

    public async Task OutputsAsync()
    {
        var completed = jobs.Where(j => j.State == JobCompleted).ToList();
        await Parallel.ForEachAsync(completed, new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (job, _) =>
        {
            var last = job.Last!.Value;
            var tasks = Tasks(last);
            if (tasks.Count == 0) Problem($"{job.Id}: no task_list in its final get_job");
            foreach (var t in tasks.Where(t => t.GetProperty("state").GetInt32() != TaskDone))
                Problem($"{job.Id}: task {t.GetProperty("id")} ended in state {t.GetProperty("state")}");
            if (job.Kind.Chunked ? tasks.Count < 4 : tasks.Count != 1)
                Problem($"{job.Id} ({job.Kind.Name}) was planned into {tasks.Count} task(s)");

            var dir = Path.Combine(cluster.MediaRoot, job.DstDir);
            var file = Path.Combine(dir, job.OutputName);
            if (last.GetProperty("dst_path").GetString() != file) Problem($"{job.Id}: dst_path {last.GetProperty("dst_path")}, expected {file}");
            var entries = E2E.Entries(dir);
            if (entries.Count != 1 || entries[0] != job.OutputName)
                Problem($"{job.Id}: {job.DstDir} holds [{string.Join(", ", entries)}], expected only {job.OutputName}");
            if (!File.Exists(file)) return;
            try
            {
                var probe = await MediaAssert.ProbeAsync(file);
                var codecs = probe.GetProperty("streams").EnumerateArray().Select(s => s.GetProperty("codec_name").GetString()).Order().ToList();
                if (!codecs.SequenceEqual(["aac", "h264"])) Problem($"{job.Id}: streams {string.Join(", ", codecs)}, expected aac and h264");
                var duration = double.Parse(probe.GetProperty("format").GetProperty("duration").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
                if (Math.Abs(duration - job.Kind.ExpectedSeconds) > DurationTolerance)
                    Problem($"{job.Id} ({job.Kind.Name}): duration {duration:0.###} s, expected {job.Kind.ExpectedSeconds:0.###} ± {DurationTolerance:0.###} s");
                var frames = await MediaAssert.VideoFrameCountAsync(file);
                if (Math.Abs(frames - job.ExpectedFrames) > 1)
                    Problem($"{job.Id} ({job.Kind.Name}): {frames} video frames, expected {job.ExpectedFrames} ± 1");
                var decode = await Proc.RunAsync("ffmpeg", ["-nostdin", "-v", "error", "-i", file, "-f", "null", "-"]);
                if (decode.ExitCode != 0 || decode.StdErr.Trim().Length > 0)
                    Problem($"{job.Id}: decoding {file} was not clean (exit {decode.ExitCode}): {decode.StdErr.Trim()}");
            }
            catch (Exception e) when (e is InvalidOperationException or JsonException or FormatException)
            {
                Problem($"{job.Id}: {file} cannot be read: {e.Message}");
            }
        });
    }

    /// <summary>Nothing under the media root but the sources and one directory per job holding its output; nothing
    /// staged on any node; no ffmpeg running or tracked by a pid file once the cluster is idle.</summary>
    public async Task LeftoversAsync()
    {
        var expected = new HashSet<string>(StringComparer.Ordinal) { ChaosMedia.ShortName, ChaosMedia.LongName, "chaos" };
        foreach (var job in jobs)
        {
            expected.Add(job.DstDir);
            expected.Add(Path.Combine(job.DstDir, job.OutputName));
        }
        var root = cluster.MediaRoot;
        var extra = Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p)).Where(p => !expected.Contains(p)).Order().ToList();
        if (extra.Count > 0) Problem($"left under the media root: {string.Join(", ", extra)}");

        foreach (var node in cluster.Nodes)
        {
            var stage = Path.Combine(node.Process.DataDir, "transfer", "stage");
            if (Directory.Exists(stage) && Directory.EnumerateFileSystemEntries(stage).Any())
                Problem($"{node.Name}: left in its staging directory: {string.Join(", ", E2E.Entries(stage))}");
        }
        if (!await E2E.Eventually(() => cluster.Nodes.All(n => ChaosMonkey.FfmpegRuns(n.Process) == 0), TimeSpan.FromSeconds(15)))
            Problem("ffmpeg pid files left: " + string.Join(", ", cluster.Nodes.Where(n => ChaosMonkey.FfmpegRuns(n.Process) > 0)
                .Select(n => $"{n.Name}: {string.Join(' ', E2E.Entries(Path.Combine(n.Process.DataDir, "ffmpeg-pids")))}")));
        if (!await E2E.Eventually(() => E2E.FfmpegMentioning(root).Count == 0, TimeSpan.FromSeconds(15)))
            Problem("ffmpeg still running: " + string.Join("; ", E2E.FfmpegMentioning(root)));
    }

    /// <summary>No job ran to completion twice, and nothing was lost or repeated on the way.</summary>
    public void Journal(ChaosJournal journal)
    {
        var jobIds = jobs.Select(j => "job-" + j.Id).Order().ToList();
        foreach (var manifest in new[] { "job.submitted.v1", "job.planned.v1", "job.completed.v1" })
            ExactlyOnce(journal[manifest], jobIds, manifest);
        var taskIds = jobs.Where(j => j.Last is not null).SelectMany(j => Tasks(j.Last!.Value))
            .Select(t => "task-" + t.GetProperty("id").GetString()).Order().ToList();
        foreach (var manifest in new[] { "task.created.v1", "task.succeeded.v1" })
            ExactlyOnce(journal[manifest], taskIds, manifest);
        foreach (var manifest in new[] { "job.failed.v1", "job.canceled.v1", "task.failed.v1", "task.canceled.v1" })
            if (journal[manifest].Count > 0)
                Problem($"{manifest}: {string.Join(", ", journal[manifest].Keys.Order())}");
    }

    private void ExactlyOnce(IReadOnlyDictionary<string, long> counts, IReadOnlyList<string> ids, string manifest)
    {
        var missing = ids.Where(id => !counts.ContainsKey(id)).ToList();
        var stray = counts.Keys.Where(id => !ids.Contains(id)).Order().ToList();
        var repeated = counts.Where(kv => kv.Value != 1).Select(kv => $"{kv.Key} ×{kv.Value}").Order().ToList();
        if (missing.Count > 0) Problem($"{manifest} missing for {string.Join(", ", missing)}");
        if (stray.Count > 0) Problem($"{manifest} for ids outside the run: {string.Join(", ", stray)}");
        if (repeated.Count > 0) Problem($"{manifest} more than once: {string.Join(", ", repeated)}");
    }

    private static string Field(JsonElement job, string name) => job.TryGetProperty(name, out var v) ? v.ToString() : "n/a";
}
