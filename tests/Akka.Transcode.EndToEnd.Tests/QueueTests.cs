using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.TranscodeClient;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>
/// The queue behind add_job with a real node and ffmpeg: with a start window of one job, the others wait as INIT
/// (polling them does not start them), survive a SIGKILL of the node, and start highest priority first.
/// </summary>
[Collection(BesideEndToEndCollection.Name)]
public sealed class QueueTests(MediaFixture media, ITestOutputHelper output)
{
    [Fact]
    public async Task Queued_jobs_wait_their_turn_in_priority_order_and_survive_a_SIGKILL()
    {
        await using var node = await NodeProcess.StartAsync(
            ["--Transcode:Jobs:StartWindow=1", "--Transcode:Jobs:StartWindowPerSlot=0", "--Transcode:Worker:Slots=1",
             "--Transcode:Worker:ThreadsPerTask=1"],
            root => E2E.StockMediaRoot(media.Media, root));
        await E2E.WithNodeLog(node, output, async () =>
        {
            var client = node.Client;
            // A re-encode of 12 s on one thread runs long enough to queue the rest behind it.
            var first = await client.AddJobOkAsync(new
            {
                src_filename = E2E.Record, dst_dir = "first", dst_format = "mp4", video_codec = "h264", segments = "0-12",
            });
            await client.WaitForJobStateAsync(first, j => State(j) == JobInProgress, TimeSpan.FromSeconds(60), what: "in progress");
            var low1 = await client.AddJobOkAsync(new { src_filename = E2E.Short, dst_dir = "low-1", dst_format = "mkv" });
            var low2 = await client.AddJobOkAsync(new { src_filename = E2E.Short, dst_dir = "low-2", dst_format = "mkv" });
            var high = await client.AddJobOkAsync(new { src_filename = E2E.Short, dst_dir = "high", dst_format = "mkv", priority = 5 });

            // The others wait, unplanned, however often they are looked at, from the moment add_job answered (before
            // the job list shows them, get_job reads them from the queue).
            for (var look = 0; look < 5; look++)
            foreach (var id in new[] { low1, low2, high })
            {
                var job = await client.GetJobAsync(id, detail: true);
                Assert.Equal(JobInit, State(job));
                Assert.Empty(Tasks(job));
            }
            Assert.Equal(JobInProgress, State(await client.GetJobAsync(first)));

            // The queue is in the database: a SIGKILL loses none of it.
            await node.KillAsync();
            await node.RestartAsync();
            foreach (var id in new[] { first, high, low1, low2 }) await client.WaitForJobCompletedAsync(id, TimeSpan.FromSeconds(120));

            // One at a time, and the later but more urgent job before the two that waited longer. A node takes a job
            // up when its entity first starts, and logs it.
            var taken = node.LinesSince(node.StartedAt).Select(l => l.Line).ToList();
            int TakenAt(string id) => taken.FindIndex(l => l.Contains($"job {id} accepted on this node", StringComparison.Ordinal));
            var order = new[] { high, low1, low2 }.Select(id => (Id: id, At: TakenAt(id))).ToList();
            output.WriteLine("taken up in this order after the restart: " + string.Join(", ", order.OrderBy(o => o.At).Select(o => o.Id)));
            Assert.All(order, o => Assert.True(o.At >= 0, $"job {o.Id} was not taken up after the restart"));
            Assert.True(order[0].At < order[1].At && order[0].At < order[2].At, "the priority 5 job did not start first");
            Assert.True(order[1].At < order[2].At, "equal priorities did not start oldest first");
        });
    }
}
