using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.TranscodeClient;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>
/// Paths are checked when they are used, not only at add_job: a real node, a job held in the queue behind a slow
/// one, and its dst_dir swapped for a symbolic link to a directory outside the media roots before it runs.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class PathSwapTests(MediaFixture media, ITestOutputHelper output)
{
    [Fact]
    public async Task A_dst_dir_swapped_for_a_link_out_after_add_job_fails_the_job_with_minus_6_and_nothing_is_written_outside()
    {
        await using var node = await NodeProcess.StartAsync(
            ["--Transcode:Jobs:StartWindow=1", "--Transcode:Jobs:StartWindowPerSlot=0", "--Transcode:Worker:Slots=1",
             "--Transcode:Worker:ThreadsPerTask=1"],
            root => E2E.StockMediaRoot(media.Media, root));
        var outside = Directory.CreateTempSubdirectory("akka-transcode-swap-outside-").FullName;
        try
        {
            await E2E.WithNodeLog(node, output, async () =>
            {
                var client = node.Client;
                // A re-encode on one thread holds the only start window while the next job waits, accepted and queued.
                var slow = await client.AddJobOkAsync(new
                {
                    src_filename = E2E.Record, dst_dir = "slow", dst_format = "mp4", video_codec = "h264", segments = "0-12",
                });
                await client.WaitForJobStateAsync(slow, j => State(j) == JobInProgress, TimeSpan.FromSeconds(60), what: "in progress");
                var held = await client.AddJobOkAsync(new { src_filename = E2E.Short, dst_dir = "swapped", dst_format = "mkv" });
                Assert.Equal(JobInit, State(await client.GetJobAsync(held)));

                // add_job made and checked the directory; now it becomes a link to a directory outside the roots.
                var dst = Path.Combine(node.MediaRoot, "swapped");
                Assert.True(Directory.Exists(dst), "add_job did not create dst_dir");
                Directory.Delete(dst, recursive: true);
                Directory.CreateSymbolicLink(dst, outside);
                var (status, body) = await client.CancelJobAsync(slow);
                AssertOk(status, body, "cancel_job of the slow job");

                var job = await client.WaitForJobStateAsync(held, j => State(j) >= JobCompleted, TimeSpan.FromSeconds(90),
                    what: "an end state");
                output.WriteLine($"job ended: {job}");
                Assert.Equal(JobFailed, State(job));
                Assert.Equal(-6, job.GetProperty("err_code").GetInt32());
                Assert.Contains("outside", job.GetProperty("err_msg").GetString());
                Assert.DoesNotContain(outside, job.GetProperty("err_msg").GetString()); // where the link leads is not told
                Assert.Empty(E2E.Entries(outside));
                Assert.NotNull(new FileInfo(dst).LinkTarget);
            });
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }
}
