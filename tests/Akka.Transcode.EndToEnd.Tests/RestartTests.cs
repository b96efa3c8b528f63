using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.TranscodeClient;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>A node killed with SIGKILL in the middle of a job picks it up where it was after a restart.</summary>
[Collection(BesideEndToEndCollection.Name)]
public sealed class RestartTests(MediaFixture media, ITestOutputHelper output)
{
    [Fact]
    public async Task After_SIGKILL_and_restart_the_job_resumes_without_redoing_finished_tasks()
    {
        await using var node = await StartChunkingNodeAsync();
        await E2E.WithNodeLog(node, output, async () =>
        {
            var client = node.Client;
            // 60 s re-encoded in chunks of at most 10 s, one at a time: six video tasks, audio, join.
            var id = await client.AddJobOkAsync(new
            {
                src_filename = E2E.Record, dst_dir = "restart", dst_format = "mp4", video_codec = "h264",
            });
            var others = new[]
            {
                await client.AddJobOkAsync(new { src_filename = E2E.Short, dst_dir = "restart-other-1", dst_format = "ts" }),
                await client.AddJobOkAsync(new { src_filename = E2E.Short, dst_dir = "restart-other-2", dst_format = "mkv" }),
            };

            var (before, doneBefore) = await KillAndRestartAfterAsync(node, id, done: 2);
            Assert.True(Tasks(before).Count >= 3, $"expected the job to be split into several tasks:\n{before}");

            // Every job submitted before the kill is still listed (the list is eventually consistent).
            var all = new[] { id }.Concat(others).ToHashSet();
            var listed = await E2E.Eventually(async () =>
            {
                var (status, body) = await client.GetJobsAsync(new { type = 0, start_index = 0, limit = 100, sortby = "time" });
                return status == System.Net.HttpStatusCode.OK && ErrCode(body) == 0 &&
                       all.IsSubsetOf(body.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("id").GetString()!));
            }, TimeSpan.FromSeconds(30));
            Assert.True(listed, "get_jobs after the restart does not list every job submitted before the kill");

            var job = await client.WaitForJobCompletedAsync(id, TimeSpan.FromSeconds(180));
            Assert.Equal(0, job.GetProperty("result").GetInt32());
            AssertDoneOnce(job, doneBefore);

            var outFile = Path.Combine(node.MediaRoot, "restart", "record.mp4");
            Assert.Equal(["record.mp4"], E2E.Entries(Path.GetDirectoryName(outFile)!));
            Assert.Equal(["aac", "h264"], (await MediaAssert.CodecNamesAsync(outFile)).Order());
            var summary = await MediaAssert.SummaryAsync(outFile);
            output.WriteLine(summary);
            MediaAssert.Near(MediaSet.RecordSeconds, await MediaAssert.DurationAsync(outFile), E2E.OneFrame, $"duration ({summary})");
            MediaAssert.Near(MediaSet.RecordSeconds * MediaSet.FrameRate, await MediaAssert.VideoFrameCountAsync(outFile), 1,
                $"video frames ({summary})");
            await MediaAssert.DecodesCleanlyAsync(outFile);

            foreach (var other in others) await client.WaitForJobCompletedAsync(other, TimeSpan.FromSeconds(60));
        });
    }

    [Fact]
    public async Task An_output_group_killed_mid_job_resumes_only_its_unfinished_tasks_and_publishes_once()
    {
        await using var node = await StartChunkingNodeAsync();
        await E2E.WithNodeLog(node, output, async () =>
        {
            var client = node.Client;
            // Two small renditions in 10 s chunks (12 video tasks, 2 joins), one audio task, stills and a sprite.
            var id = await client.AddJobOkAsync(new
            {
                src_filename = E2E.Record, dst_dir = "restart-group",
                outputs = new object[]
                {
                    new
                    {
                        type = "hls", name = "abr", segment_seconds = 5,
                        renditions = new[] { new { height = 360, video_bitrate = "600k" }, new { height = 180, video_bitrate = "200k" } },
                    },
                    new { type = "thumbnails", interval_seconds = 10, width = 160, sprite = true },
                },
            });
            var (_, doneBefore) = await KillAndRestartAfterAsync(node, id, done: 3);

            AssertDoneOnce(await client.WaitForJobCompletedAsync(id, TimeSpan.FromSeconds(240)), doneBefore);

            // One published directory, nothing temporary beside it; every rendition whole and clean.
            var dstDir = Path.Combine(node.MediaRoot, "restart-group");
            Assert.Equal(["record"], E2E.Entries(dstDir));
            var ladder = Path.Combine(dstDir, "record", "abr");
            foreach (var rendition in new[] { "360p", "180p" })
            {
                var dir = Path.Combine(ladder, rendition);
                var whole = LadderAssert.Joined(dir, LadderAssert.Segments(dir), Path.Combine(node.MediaRoot, $"{rendition}.mp4"));
                await MediaAssert.DecodesCleanlyAsync(whole);
                Assert.Equal((long)(MediaSet.RecordSeconds * MediaSet.FrameRate), await MediaAssert.VideoFrameCountAsync(whole));
            }
            Assert.Equal(2, LadderAssert.Variants(Path.Combine(ladder, "master.m3u8")).Count);
            Assert.Equal(6, Directory.GetFiles(Path.Combine(dstDir, "record", "thumbs"), "thumb-*.jpg").Length);
        });
    }

    /// <summary>A node that plans 10 s tasks and runs one at a time, so a job is still part-done when it is killed.</summary>
    private Task<NodeProcess> StartChunkingNodeAsync() =>
        NodeProcess.StartAsync(["--Transcode:Planning:MaxTaskSeconds=10", "--Transcode:Worker:Slots=1"],
            root => E2E.StockMediaRoot(media.Media, root));

    /// <summary>SIGKILLs the node once <paramref name="done"/> of the job's tasks are done (and the job is not), then
    /// starts it again; returns the job as last seen and the tasks done by then.</summary>
    private async Task<(System.Text.Json.JsonElement Before, List<string> DoneBefore)> KillAndRestartAfterAsync(
        NodeProcess node, string id, int done)
    {
        var before = await node.Client.WaitForJobStateAsync(id,
            j => DoneTasks(j).Count >= done || State(j) >= JobCompleted,
            TimeSpan.FromSeconds(150), detail: true, what: $"{done} finished tasks");
        Assert.True(State(before) < JobCompleted,
            $"the job ended before {done} of its tasks were seen done, so there was nothing to interrupt:\n{before}");
        var doneBefore = DoneTasks(before);
        output.WriteLine($"killing the node with {doneBefore.Count} of {Tasks(before).Count} tasks done: {string.Join(", ", doneBefore)}");
        await node.KillAsync();
        await node.RestartAsync();
        return (before, doneBefore);
    }

    /// <summary>Every task of the ended job is done, and those done before the kill ran only that once.</summary>
    private static void AssertDoneOnce(System.Text.Json.JsonElement job, List<string> doneBefore)
    {
        var tasks = Tasks(job).ToDictionary(t => t.GetProperty("id").GetString()!);
        foreach (var taskId in doneBefore)
        {
            Assert.True(tasks.TryGetValue(taskId, out var t), $"task {taskId} is missing after the restart:\n{job}");
            Assert.True(t.GetProperty("attempts").GetInt32() == 1, $"task {taskId} was done before the kill but ran again:\n{t}");
        }
        Assert.All(tasks.Values, t => Assert.Equal(TaskDone, t.GetProperty("state").GetInt32()));
    }

    private static List<string> DoneTasks(System.Text.Json.JsonElement job) =>
        Tasks(job).Where(t => t.GetProperty("state").GetInt32() == TaskDone)
            .Select(t => t.GetProperty("id").GetString()!).ToList();
}
