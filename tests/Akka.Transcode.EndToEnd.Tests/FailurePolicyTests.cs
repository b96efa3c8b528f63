using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.TranscodeClient;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>
/// The failure policy with real nodes and ffmpeg: job timeouts, the bound on unfinished jobs, a worker whose ffmpeg
/// is broken (retries go elsewhere, its circuit breaker takes it out of rotation), and a full disk.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class FailurePolicyTests(MediaFixture media, ITestOutputHelper output)
{
    private static object LongEncode(string dir, int? timeout = null) => timeout is null
        ? new { src_filename = E2E.Record, dst_dir = dir, dst_format = "mp4", video_codec = "h264", audio_codec = "aac" }
        : new { src_filename = E2E.Record, dst_dir = dir, dst_format = "mp4", video_codec = "h264", audio_codec = "aac", timeout_seconds = timeout };

    [Fact]
    public async Task A_job_past_its_timeout_fails_cleanly_and_a_full_queue_answers_minus_10_until_there_is_room()
    {
        await using var node = await NodeProcess.StartAsync(
            ["--Transcode:Jobs:MaxQueued=2", "--Transcode:Worker:Slots=1", "--Transcode:Worker:ThreadsPerTask=1"],
            root => E2E.StockMediaRoot(media.Media, root));
        await E2E.WithNodeLog(node, output, async () =>
        {
            var clock = Stopwatch.StartNew();
            var timed = await node.Client.AddJobOkAsync(LongEncode("timeout", timeout: 3));
            var waiting = await node.Client.AddJobOkAsync(LongEncode("waiting"));

            // Two unfinished jobs: the third is refused, with the bound in the message.
            var (status, body) = await node.Client.AddJobAsync(LongEncode("third"));
            ErrorAssert.Is(-10, status, body, "add_job beyond Transcode:Jobs:MaxQueued");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Contains("queue is full", body.GetProperty("err_msg").GetString());

            var job = await node.Client.WaitForJobEndAsync(timed, TimeSpan.FromSeconds(30));
            output.WriteLine($"timed-out job ended after {clock.Elapsed.TotalSeconds:0.0} s: {job}");
            Assert.Equal(JobFailed, State(job));
            Assert.Equal(-10, job.GetProperty("err_code").GetInt32());
            Assert.Contains("timed out", job.GetProperty("err_msg").GetString());
            Assert.InRange(clock.Elapsed.TotalSeconds, 3, 15);
            Assert.True(await E2E.Eventually(() => E2E.Entries(Path.Combine(node.MediaRoot, "timeout")).Count == 0,
                TimeSpan.FromSeconds(10)), "the timed-out job left files: " + string.Join(", ", E2E.Entries(Path.Combine(node.MediaRoot, "timeout"))));

            // Room again once the job list has seen the failure.
            string? third = null;
            Assert.True(await E2E.Eventually(async () =>
            {
                var (s, b) = await node.Client.AddJobAsync(LongEncode("third"));
                if (ErrCode(b) == 0) third = b.GetProperty("job_id").GetString();
                else Assert.Equal(-10, ErrCode(b));
                return third is not null;
            }, TimeSpan.FromSeconds(10)), "add_job was still refused after a job ended");

            foreach (var id in new[] { waiting, third! })
            {
                var (cs, cb) = await node.Client.CancelJobAsync(id);
                AssertOk(cs, cb, "cancel_job");
            }
        });
    }

    [Fact]
    public async Task A_worker_with_a_broken_ffmpeg_is_quarantined_and_every_task_is_retried_on_the_good_worker()
    {
        // The broken worker's ffmpeg exists and starts, then fails like a damaged install; ffprobe still works.
        var broken = Directory.CreateTempSubdirectory("akka-transcode-broken-ffmpeg-").FullName;
        var script = Path.Combine(broken, "ffmpeg");
        await File.WriteAllTextAsync(script, "#!/bin/sh\necho 'simulated broken ffmpeg: cannot load libavcodec' >&2\nexit 1\n");
        await Proc.RunCheckedAsync("chmod", ["+x", script]);
        File.CreateSymbolicLink(Path.Combine(broken, "ffprobe"), "/usr/bin/ffprobe");

        await using var master = await NodeProcess.StartAsync(
            ["--Transcode:Roles=api,master", "--Transcode:Planning:MaxTaskSeconds=2", "--Transcode:Tasks:RetryBackoffSeconds=0.2"],
            root => E2E.StockMediaRoot(media.Media, root));
        string[] Worker(string? ffmpeg, int slots) =>
        [
            "--Transcode:Roles=worker", $"--Transcode:Cluster:Seeds:0={master.ClusterAddress}",
            $"--Transcode:Media:Roots:0={master.MediaRoot}", $"--Transcode:Worker:Slots={slots}", "--Transcode:Worker:ThreadsPerTask=1",
            .. ffmpeg is null ? Array.Empty<string>() : [$"--Transcode:Worker:FfmpegPath={ffmpeg}"],
        ];
        await using var bad = await NodeProcess.StartAsync(Worker(script, 2));
        await using var good = await NodeProcess.StartAsync(Worker(null, 1));
        await E2E.WithNodeLog(master, output, async () =>
        {
            var badId = bad.WorkerId;
            var goodId = good.WorkerId;
            var id = await master.Client.AddJobOkAsync(new
            {
                src_filename = E2E.Short, dst_dir = "breaker", dst_format = "mp4", video_codec = "h264", audio_codec = "aac",
            });
            var job = await master.Client.WaitForJobCompletedAsync(id, TimeSpan.FromSeconds(120));
            var detail = await master.Client.GetJobAsync(id, detail: true);
            var tasks = Tasks(detail);
            output.WriteLine(string.Join("\n", tasks.Select(t => t.ToString())));
            Assert.All(tasks, t => Assert.Equal(goodId, t.GetProperty("worker_id").GetString()));
            Assert.Contains(tasks, t => t.GetProperty("attempts").GetInt32() >= 2); // some went to the broken one first
            MediaAssert.Near(MediaSet.ShortSeconds, await MediaAssert.DurationAsync(job.GetProperty("dst_path").GetString()!), 0.1,
                "duration of the output");

            var workers = await AdminWorkersAsync(master);
            var badInfo = workers.EnumerateArray().Single(w => w.GetProperty("worker_id").GetString() == badId);
            output.WriteLine($"broken worker in workers list: {badInfo}");
            Assert.Equal("quarantined", badInfo.GetProperty("state").GetString());
            Assert.True(badInfo.GetProperty("consecutive_failures").GetInt32() >= 3);
            Assert.True(badInfo.TryGetProperty("quarantined_until", out _));
            Assert.Equal("idle", workers.EnumerateArray().Single(w => w.GetProperty("worker_id").GetString() == goodId)
                .GetProperty("state").GetString());
        });
    }

    [Fact]
    public async Task A_full_disk_fails_the_job_with_ffmpegs_reason_and_leaves_no_partial_files()
    {
        await using var node = await NodeProcess.StartAsync(["--Transcode:Tasks:RetryBackoffSeconds=0.2"],
            root => E2E.StockMediaRoot(media.Media, root));
        await using var disk = await SmallDisk.MountAsync(Path.Combine(node.MediaRoot, "full"), megabytes: 2, output);
        await E2E.WithNodeLog(node, output, async () =>
        {
            // A stream copy of 10 s of 720p is about 8 MB: it cannot fit.
            var id = await node.Client.AddJobOkAsync(new
            {
                src_filename = E2E.Short, dst_dir = "full", dst_format = "ts", video_codec = "copy", audio_codec = "copy",
            });
            var job = await node.Client.WaitForJobEndAsync(id, TimeSpan.FromSeconds(60));
            output.WriteLine(job.ToString());
            Assert.Equal(JobFailed, State(job));
            var message = job.GetProperty("err_msg").GetString()!;
            Assert.Contains(disk.ExpectedError, message);
            Assert.DoesNotContain("Input #0", message);
            Assert.True(await E2E.Eventually(() => E2E.Entries(disk.Path).Count == 0, TimeSpan.FromSeconds(10)),
                "files left on the full disk: " + string.Join(", ", E2E.Entries(disk.Path)));
        });
    }

    private static async Task<JsonElement> AdminWorkersAsync(NodeProcess node)
    {
        var (status, body) = await node.Client.GetAsync("admin/workers", new Dictionary<string, string>(), NodeProcess.AdminToken);
        AssertOk(status, body, "admin/workers");
        return body.GetProperty("workers");
    }
}

/// <summary>
/// A directory that runs out of space: a 2 MB tmpfs when this process may mount one (root, as in CI), which gives
/// ffmpeg ENOSPC exactly as a full disk does. Elsewhere the test cannot make a real full disk, and says so.
/// </summary>
internal sealed class SmallDisk : IAsyncDisposable
{
    public string Path { get; }
    public string ExpectedError => "No space left on device";

    private SmallDisk(string path) => Path = path;

    public static async Task<SmallDisk> MountAsync(string path, int megabytes, ITestOutputHelper output)
    {
        Directory.CreateDirectory(path);
        var r = await Proc.RunAsync("mount", ["-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", path], TimeSpan.FromSeconds(10));
        if (r.ExitCode != 0)
            throw new InvalidOperationException(
                $"this test needs to mount a {megabytes} MB tmpfs (run the tests as root, as ./ops/test.sh does in CI): {r.StdErr}");
        output.WriteLine($"mounted a {megabytes} MB tmpfs at {path}");
        return new SmallDisk(path);
    }

    public async ValueTask DisposeAsync() => await Proc.RunAsync("umount", ["-l", Path], TimeSpan.FromSeconds(10));
}
