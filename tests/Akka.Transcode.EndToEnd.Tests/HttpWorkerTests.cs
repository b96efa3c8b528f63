using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.TranscodeClient;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>
/// Workers outside the cluster (Transcode:Worker:MasterUrl), each a real node process speaking the HTTP worker
/// protocol of docs/worker-protocol.md with a real master on loopback.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class HttpWorkerTests(MediaFixture media, ITestOutputHelper output)
{
    private Task<NodeProcess> StartMasterAsync(bool worker = false, double maxTaskSeconds = 5) =>
        NodeProcess.StartAsync(
            [$"--Transcode:Roles=api,master{(worker ? ",worker" : "")}", $"--Transcode:Planning:MaxTaskSeconds={maxTaskSeconds}",
             "--Transcode:Worker:ThreadsPerTask=1", NodeProcess.AllowLoopbackWorkers],
            root => E2E.StockMediaRoot(media.Media, root));

    /// <summary>An HTTP worker; with <paramref name="sharedStorage"/> it sees the master's media root, otherwise only
    /// its own empty one, so everything it reads and writes travels through /master/files.</summary>
    private static Task<NodeProcess> StartHttpWorkerAsync(NodeProcess master, bool sharedStorage, params string[] extra) =>
        NodeProcess.StartAsync(
        [
            "--Transcode:Roles=worker", $"--Transcode:Worker:MasterUrl={master.BaseUrl}", "--Transcode:Worker:ThreadsPerTask=1",
            .. sharedStorage ? new[] { $"--Transcode:Media:Roots:0={master.MediaRoot}" } : [],
            .. extra,
        ]);

    private static IEnumerable<string> WorkerIdsOf(JsonElement job) =>
        Tasks(job).Select(t => t.TryGetProperty("worker_id", out var w) ? w.GetString() : null).OfType<string>();

    [Fact]
    public async Task An_http_worker_registers_heartbeats_is_declared_dead_when_silent_and_registers_again()
    {
        await using var master = await StartMasterAsync();
        await using var worker = await StartHttpWorkerAsync(master, sharedStorage: true);
        var id = worker.HttpWorkerId;

        await E2E.WithNodeLog(master, output, async () =>
        {
            // Ready means registered: the master logged it under the id derived from ip:port.
            Assert.Contains(master.LinesSince(master.StartedAt), l => l.Line.Contains($"worker {id} registered from http:127.0.0.1:{worker.HttpPort}"));

            // The worker's own endpoints refuse callers without a worker token.
            var noToken = await worker.Client.PostRawAsync("/worker/add_task", "{\"type\":0,\"task\":{}}", token: "");
            ErrorAssert.Is(-5, HttpStatusCode.Unauthorized, noToken.Body, "add_task without a token");
            var clientToken = await worker.Client.PostRawAsync("/worker/cancel_task", "{\"type\":0,\"task_id\":\"t\"}");
            ErrorAssert.Is(-6, HttpStatusCode.Forbidden, clientToken.Body, "cancel_task with a client token");
            Assert.Equal(-6, clientToken.Body.GetProperty("error_code").GetInt32());

            // Frozen, it sends no heartbeat: the master declares it dead after the worker timeout (5 s).
            var frozenAt = DateTime.UtcNow;
            var clock = Stopwatch.StartNew();
            worker.Pause();
            try
            {
                Assert.True(await E2E.Eventually(() => master.LinesSince(frozenAt).Any(l => l.Line.Contains($"worker {id}") && l.Line.Contains("no heartbeat")),
                    TimeSpan.FromSeconds(15)), "the master did not declare the silent worker dead");
                output.WriteLine($"declared dead {clock.Elapsed.TotalSeconds:0.0} s after it froze");
            }
            finally
            {
                worker.Resume();
            }
            // Its next heartbeat is answered -7, and it registers again under the same id.
            Assert.True(await E2E.Eventually(() => master.LinesSince(frozenAt).Any(l => l.Line.Contains($"worker {id} registered")),
                TimeSpan.FromSeconds(15)), "the worker did not register again");
            Assert.Contains(worker.LinesSince(frozenAt), l => l.Line.Contains("registering again"));
        });
    }

    [Fact]
    public async Task A_chunked_job_runs_on_http_workers_only()
    {
        await using var master = await StartMasterAsync();
        await using var w1 = await StartHttpWorkerAsync(master, sharedStorage: true);
        await using var w2 = await StartHttpWorkerAsync(master, sharedStorage: true);

        await E2E.WithNodeLog(master, output, async () =>
        {
            var id = await master.Client.AddJobOkAsync(new { src_filename = E2E.Short, dst_dir = "http-only", dst_format = "mp4", video_codec = "h264" });
            var job = await master.Client.WaitForJobCompletedAsync(id, TimeSpan.FromSeconds(120));
            var done = await master.Client.GetJobAsync(id, detail: true);
            output.WriteLine(done.ToString());

            Assert.True(Tasks(done).Count(t => t.GetProperty("kind").GetString() == "video") >= 2, "the job was not split into chunks");
            var used = WorkerIdsOf(done).ToHashSet();
            Assert.Subset(new HashSet<string> { w1.HttpWorkerId, w2.HttpWorkerId }, used);
            Assert.Equal(2, used.Count);
            var outputPath = job.GetProperty("dst_path").GetString()!;
            Assert.Equal((long)(MediaSet.ShortSeconds * MediaSet.FrameRate), await MediaAssert.VideoFrameCountAsync(outputPath));
            await MediaAssert.DecodesCleanlyAsync(outputPath);
        });
    }

    [Fact]
    public async Task A_copy_job_with_segments_runs_on_an_http_worker_through_its_key_frame_join()
    {
        // video_codec copy with segments: key-frame copies of each range, then a join with keyframe_cuts and no cuts
        // of its own, which the worker's task parser refused (-4) before issue 16.
        await using var master = await StartMasterAsync();
        await using var worker = await StartHttpWorkerAsync(master, sharedStorage: true);

        await E2E.WithNodeLog(master, output, async () =>
        {
            var id = await master.Client.AddJobOkAsync(new { src_filename = E2E.Short, dst_dir = "http-copy", dst_format = "mkv", video_codec = "copy", segments = "1-3:5-7" });
            var job = await master.Client.WaitForJobCompletedAsync(id, TimeSpan.FromSeconds(120));
            var done = await master.Client.GetJobAsync(id, detail: true);

            Assert.Contains(Tasks(done), t => t.GetProperty("kind").GetString() == "join");
            Assert.All(Tasks(done), t => Assert.Equal(worker.HttpWorkerId, t.GetProperty("worker_id").GetString()));
            await MediaAssert.DecodesCleanlyAsync(job.GetProperty("dst_path").GetString()!);
        });
    }

    [Fact]
    public async Task An_output_group_runs_wholly_on_a_worker_without_shared_storage()
    {
        await using var master = await StartMasterAsync();
        await using var worker = await StartHttpWorkerAsync(master, sharedStorage: false);

        await E2E.WithNodeLog(master, output, async () =>
        {
            // Every new task kind: ladder chunks with two tracks, their joins into fMP4, AAC into fMP4, stills, sprite.
            var id = await master.Client.AddJobOkAsync(new
            {
                src_filename = E2E.Short, dst_dir = "remote-group",
                outputs = new object[]
                {
                    new
                    {
                        type = "hls", name = "abr", segment_seconds = 2,
                        renditions = new[] { new { height = 360, video_bitrate = "600k" }, new { height = 180, video_bitrate = "200k" } },
                    },
                    new { type = "thumbnails", interval_seconds = 2, width = 160, sprite = true, sprite_columns = 5 },
                },
            });
            var job = await master.Client.WaitForJobCompletedAsync(id, TimeSpan.FromSeconds(180));
            var done = await master.Client.GetJobAsync(id, detail: true);
            Assert.All(Tasks(done), t => Assert.Equal(worker.HttpWorkerId, t.GetProperty("worker_id").GetString()));
            Assert.Contains(Tasks(done), t => t.GetProperty("kind").GetString() == "sprite");

            var group = job.GetProperty("dst_path").GetString()!;
            // Published whole: the group directory alone, no temporary directory or parts beside it.
            Assert.Equal(Path.Combine(master.MediaRoot, "remote-group", "short"), group);
            Assert.Equal(["short"], E2E.Entries(Path.GetDirectoryName(group)!));
            foreach (var rendition in new[] { "360p", "180p" })
            {
                var dir = Path.Combine(group, "abr", rendition);
                var whole = LadderAssert.Joined(dir, LadderAssert.Segments(dir), Path.Combine(master.RootDir, $"{rendition}.mp4"));
                await MediaAssert.DecodesCleanlyAsync(whole);
                Assert.Equal((long)(MediaSet.ShortSeconds * MediaSet.FrameRate), await MediaAssert.VideoFrameCountAsync(whole));
            }
            Assert.Equal(2, LadderAssert.Variants(Path.Combine(group, "abr", "master.m3u8")).Count);
            Assert.Equal(5, Directory.GetFiles(Path.Combine(group, "thumbs"), "thumb-*.jpg").Length);
            Assert.Equal((5 * 160, 90), await LadderAssert.SizeAsync(Path.Combine(group, "thumbs", "sprite.jpg")));
            // The worker kept nothing of the job.
            Assert.Empty(E2E.Entries(Path.Combine(worker.DataDir, "transfer", "stage")));
            Assert.Empty(E2E.Entries(worker.MediaRoot));
        });
    }

    [Fact]
    public async Task A_worker_without_shared_storage_fetches_the_source_by_id_and_sends_its_outputs_back()
    {
        await using var master = await StartMasterAsync();
        await using var worker = await StartHttpWorkerAsync(master, sharedStorage: false);

        await E2E.WithNodeLog(master, output, async () =>
        {
            var id = await master.Client.AddJobOkAsync(new { src_filename = E2E.Short, dst_dir = "remote", dst_format = "flv", segments = "1-4:5-9.5" });
            var job = await master.Client.WaitForJobCompletedAsync(id, TimeSpan.FromSeconds(120));
            var done = await master.Client.GetJobAsync(id, detail: true);
            Assert.All(Tasks(done), t => Assert.Equal(worker.HttpWorkerId, t.GetProperty("worker_id").GetString()));

            // The output is on the master, complete; the segments were cut and joined by the remote worker.
            var outputPath = job.GetProperty("dst_path").GetString()!;
            Assert.StartsWith(master.MediaRoot, outputPath);
            MediaAssert.Near(7.5, await MediaAssert.DurationAsync(outputPath), 0.1, "output duration");
            await MediaAssert.DecodesCleanlyAsync(outputPath);

            // The worker fetched the source once, by its MD5, into its cache; it kept nothing else.
            var sourceId = Convert.ToHexStringLower(MD5.HashData(await File.ReadAllBytesAsync(Path.Combine(master.MediaRoot, E2E.Short))));
            var transfer = Path.Combine(worker.DataDir, "transfer");
            Assert.Equal([sourceId], E2E.Entries(Path.Combine(transfer, "cache")));
            Assert.Empty(E2E.Entries(Path.Combine(transfer, "stage")));
            Assert.Empty(E2E.Entries(worker.MediaRoot));
            Assert.Equal([Path.GetFileName(outputPath)], E2E.Entries(Path.GetDirectoryName(outputPath)!));
        });
    }

    [Fact]
    public async Task Map_jobs_of_both_kinds_run_on_a_worker_without_shared_storage()
    {
        await using var master = await StartMasterAsync();
        await using var worker = await StartHttpWorkerAsync(master, sharedStorage: false);
        string InMaster(string relative) => Path.Combine(master.MediaRoot, relative);
        await MapMedia.MakeDualFisheyeAsync(InMaster("cam/cam.bin"), 640, 320, 3);
        File.WriteAllText(InMaster("cam/v360.json"),
            """{"kind":"v360","input":"dfisheye","output":"equirect","ih_fov":180,"iv_fov":180,"w":480,"h":240}""");
        // The tables sit in a subdirectory: a worker that fetches them must rebuild the layout the map names.
        MapMedia.WriteTable(InMaster("cam/luts/mirror.x.pgm"), 320, 160, (x, _) => 160 + 319 - x);
        MapMedia.WriteTable(InMaster("cam/luts/mirror.y.pgm"), 320, 160, (_, y) => 80 + y);
        File.WriteAllText(InMaster("cam/remap.json"), """{"kind":"remap","xmap":"luts/mirror.x.pgm","ymap":"luts/mirror.y.pgm"}""");

        await E2E.WithNodeLog(master, output, async () =>
        {
            foreach (var (map, dst, size) in new[] { ("cam/v360.json", "out-v360", (480, 240)), ("cam/remap.json", "out-remap", (320, 160)) })
            {
                var id = await master.Client.AddJobOkAsync(new { src_filename = "cam/cam.bin", dst_dir = dst, dst_format = "mp4", map_filename = map });
                var job = await master.Client.WaitForJobCompletedAsync(id, TimeSpan.FromSeconds(90));
                Assert.All(Tasks(job), t => Assert.Equal(worker.HttpWorkerId, t.GetProperty("worker_id").GetString()));
                var path = job.GetProperty("dst_path").GetString()!;
                Assert.Equal(size, await MapMedia.VideoSizeAsync(path));
                MediaAssert.Near(90, await MediaAssert.VideoFrameCountAsync(path), 1, $"{map}: video frames");
                await MediaAssert.DecodesCleanlyAsync(path);
            }
            Assert.Empty(E2E.Entries(Path.Combine(worker.DataDir, "transfer", "stage")));
            Assert.Empty(E2E.Entries(worker.MediaRoot));
        });
    }

    [Fact]
    public async Task A_source_changed_after_the_job_was_accepted_fails_the_job_with_minus_9()
    {
        await using var master = await StartMasterAsync();
        MediaSet.CopyInto(media.Media.Short, master.MediaRoot, "changing.bin");

        await E2E.WithNodeLog(master, output, async () =>
        {
            // No worker yet: the job is planned (its source hashed) and waits.
            var id = await master.Client.AddJobOkAsync(new { src_filename = "changing.bin", dst_dir = "changed", dst_format = "mp4", video_codec = "h264" });
            await master.Client.WaitForJobStateAsync(id, j => State(j) == JobReady, TimeSpan.FromSeconds(30));
            MediaSet.CopyInto(media.Media.Record, master.MediaRoot, "changing.bin");

            await using var worker = await StartHttpWorkerAsync(master, sharedStorage: true);
            var job = await master.Client.WaitForJobEndAsync(id, TimeSpan.FromSeconds(60));
            Assert.Equal(JobFailed, State(job));
            Assert.Equal(-9, job.GetProperty("err_code").GetInt32());
            Assert.Contains("does not match its file id", job.GetProperty("err_msg").GetString());
            Assert.Empty(E2E.Entries(Path.Combine(master.MediaRoot, "changed")));
        });
    }

    [Fact]
    public async Task A_mixed_fleet_completes_jobs_together_and_a_killed_http_worker_loses_its_task()
    {
        await using var master = await StartMasterAsync(worker: true, maxTaskSeconds: 10);
        await using var http = await StartHttpWorkerAsync(master, sharedStorage: true);

        await E2E.WithNodeLog(master, output, async () =>
        {
            var client = master.Client;
            var first = await client.AddJobOkAsync(new { src_filename = E2E.Short, dst_dir = "mixed", dst_format = "mp4", video_codec = "h264" });
            var firstDone = await client.WaitForJobCompletedAsync(first, TimeSpan.FromSeconds(120));
            var used = WorkerIdsOf(await client.GetJobAsync(first, detail: true)).ToHashSet();
            Assert.Equal(new HashSet<string> { master.WorkerId, http.HttpWorkerId }, used);
            await MediaAssert.DecodesCleanlyAsync(firstDone.GetProperty("dst_path").GetString()!);

            var second = await client.AddJobOkAsync(new { src_filename = E2E.Record, dst_dir = "mixed-kill", dst_format = "mp4", video_codec = "h264" });
            var running = await client.WaitForJobStateAsync(second, j => Tasks(j).Any(t => t.GetProperty("state").GetInt32() == TaskRunning
                    && t.GetProperty("progress").GetDouble() > 0 && t.GetProperty("worker_id").GetString() == http.HttpWorkerId),
                TimeSpan.FromSeconds(120), detail: true);
            var taskId = Tasks(running).First(t => t.GetProperty("state").GetInt32() == TaskRunning
                                                   && t.GetProperty("worker_id").GetString() == http.HttpWorkerId).GetProperty("id").GetString()!;
            var clock = Stopwatch.StartNew();
            await http.KillAsync();

            await client.WaitForJobStateAsync(second, j => Tasks(j).Any(t => t.GetProperty("id").GetString() == taskId
                    && t.GetProperty("attempts").GetInt32() >= 2 && t.GetProperty("worker_id").GetString() == master.WorkerId),
                TimeSpan.FromSeconds(60), detail: true);
            output.WriteLine($"kill to running again on the cluster worker: {clock.Elapsed.TotalSeconds:0.0} s");
            var job = await client.WaitForJobCompletedAsync(second, TimeSpan.FromSeconds(240));
            var path = job.GetProperty("dst_path").GetString()!;
            Assert.Equal((long)(MediaSet.RecordSeconds * MediaSet.FrameRate), await MediaAssert.VideoFrameCountAsync(path));
            await MediaAssert.DecodesCleanlyAsync(path);
        });
    }

    [Fact]
    public async Task Cancel_reaches_an_http_worker_whose_ffmpeg_stops_within_5_s_leaving_no_partial_file()
    {
        await using var master = await StartMasterAsync(maxTaskSeconds: 600);
        await using var worker = await StartHttpWorkerAsync(master, sharedStorage: false);

        await E2E.WithNodeLog(master, output, async () =>
        {
            var id = await master.Client.AddJobOkAsync(new
            {
                src_filename = E2E.Record, dst_dir = "cancel-http", dst_format = "mp4", video_codec = "h264", preset = "medium",
            });
            await master.Client.WaitForJobStateAsync(id, j => Tasks(j).Any(t => t.GetProperty("progress").GetDouble() > 0),
                TimeSpan.FromSeconds(60), detail: true);
            Assert.NotEmpty(E2E.FfmpegMentioning(id));

            var clock = Stopwatch.StartNew();
            var (status, body) = await master.Client.CancelJobAsync(id);
            AssertOk(status, body, "cancel_job");
            Assert.True(await E2E.Eventually(() => E2E.FfmpegMentioning(id).Count == 0, TimeSpan.FromSeconds(5)),
                $"ffmpeg still runs {clock.Elapsed.TotalSeconds:0.0} s after the cancel: {string.Join('\n', E2E.FfmpegMentioning(id))}");
            output.WriteLine($"ffmpeg gone {clock.Elapsed.TotalSeconds:0.0} s after cancel_job");

            Assert.Equal(JobCanceled, State(await master.Client.GetJobAsync(id)));
            Assert.True(await E2E.Eventually(() => E2E.Entries(Path.Combine(worker.DataDir, "transfer", "stage")).Count == 0, TimeSpan.FromSeconds(5)),
                "the worker kept staged files of the canceled task");
            Assert.Empty(E2E.Entries(Path.Combine(master.MediaRoot, "cancel-http")));
        });
    }
}
