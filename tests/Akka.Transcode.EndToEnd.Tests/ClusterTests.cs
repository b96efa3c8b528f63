using System.Diagnostics;
using System.Text.Json;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.TranscodeClient;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>Several node processes in one cluster on loopback, with separate roles and one shared media root.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class ClusterTests(MediaFixture media, ITestOutputHelper output)
{
    [Fact]
    public async Task A_worker_killed_mid_task_loses_the_task_to_another_worker_and_the_job_completes()
    {
        await using var master = await NodeProcess.StartAsync(
            ["--Transcode:Roles=api,master", "--Transcode:Planning:MaxTaskSeconds=10"],
            root => E2E.StockMediaRoot(media.Media, root));
        string[] workerArgs =
        [
            "--Transcode:Roles=worker", $"--Transcode:Cluster:Seeds:0=akka.tcp://transcode@127.0.0.1:{master.ClusterPort}",
            $"--Transcode:Media:Roots:0={master.MediaRoot}", "--Transcode:Worker:Slots=2", "--Transcode:Worker:ThreadsPerTask=1",
        ];
        await using var w1 = await NodeProcess.StartAsync(workerArgs);
        await using var w2 = await NodeProcess.StartAsync(workerArgs);
        var workers = new[] { w1, w2 }.ToDictionary(w => w.WorkerId);

        await E2E.WithNodeLog(master, output, async () =>
        {
            var client = master.Client;
            var id = await client.AddJobOkAsync(new
            {
                src_filename = E2E.Record, dst_dir = "cluster", dst_format = "mp4", video_codec = "h264",
            });

            // Work is spread over both worker nodes; pick a task that is running and making progress.
            var running = await client.WaitForJobStateAsync(id, j => Tasks(j).Any(t =>
                    t.GetProperty("state").GetInt32() == 1 && t.GetProperty("progress").GetDouble() > 0
                    && t.TryGetProperty("worker_id", out var w) && workers.ContainsKey(w.GetString()!)),
                TimeSpan.FromSeconds(120), detail: true, what: "a task running on a worker node");
            var victimTask = Tasks(running).First(t => t.GetProperty("state").GetInt32() == 1 && t.GetProperty("progress").GetDouble() > 0);
            var taskId = victimTask.GetProperty("id").GetString()!;
            var victimWorker = victimTask.GetProperty("worker_id").GetString()!;
            output.WriteLine($"killing worker {victimWorker} while it runs {taskId}:\n{running}");

            var clock = Stopwatch.StartNew();
            await workers[victimWorker].KillAsync();

            // The lost attempt goes back to the queue and runs again on the surviving worker.
            var rerun = await client.WaitForJobStateAsync(id, j => Tasks(j).Any(t =>
                    t.GetProperty("id").GetString() == taskId && t.GetProperty("attempts").GetInt32() >= 2
                    && t.GetProperty("state").GetInt32() >= 1 && t.GetProperty("worker_id").GetString() != victimWorker),
                TimeSpan.FromSeconds(60), detail: true, what: $"{taskId} running again on the other worker");
            var toRerun = clock.Elapsed;
            output.WriteLine($"kill to running again: {toRerun.TotalSeconds:0.0} s");
            Assert.True(toRerun < TimeSpan.FromSeconds(15), $"the task took {toRerun.TotalSeconds:0.0} s to run again");

            var job = await client.WaitForJobCompletedAsync(id, TimeSpan.FromSeconds(240));
            Assert.Equal(0, job.GetProperty("result").GetInt32());
            var survivor = workers.Keys.Single(w => w != victimWorker);
            Assert.Equal(survivor, Tasks(job).Single(t => t.GetProperty("id").GetString() == taskId).GetProperty("worker_id").GetString());

            var outFile = Path.Combine(master.MediaRoot, "cluster", "record.mp4");
            Assert.Equal(["record.mp4"], E2E.Entries(Path.GetDirectoryName(outFile)!));
            MediaAssert.Near(MediaSet.RecordSeconds * MediaSet.FrameRate, await MediaAssert.VideoFrameCountAsync(outFile), 1, "video frames");
            await MediaAssert.DecodesCleanlyAsync(outFile);
        });
    }
}
