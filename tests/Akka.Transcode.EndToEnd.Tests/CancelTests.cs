using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.TranscodeClient;

namespace Akka.Transcode.EndToEnd.Tests;

[Collection(EndToEndCollection.Name)]
public sealed class CancelTests(SharedNodeFixture shared, ITestOutputHelper output)
{
    private NodeProcess Node => shared.Node;
    private TranscodeClient Client => shared.Node.Client;

    [Fact]
    public Task Cancel_stops_ffmpeg_removes_partial_output_and_ends_the_job_canceled() => E2E.WithNodeLog(Node, output, async () =>
    {
        var dstDir = Path.Combine(Node.MediaRoot, "cancel");
        // A slow encode: the whole minute re-encoded at x264's medium preset.
        var id = await Client.AddJobOkAsync(new
        {
            src_filename = E2E.Record, dst_dir = "cancel", dst_format = "mp4", video_codec = "h264", preset = "medium",
        });
        await Client.WaitForJobStateAsync(id, j => State(j) >= JobInProgress, TimeSpan.FromSeconds(60), what: "INPROGRESS");
        Assert.Equal(JobInProgress, State(await Client.GetJobAsync(id)));

        // The check below means something only if ffmpeg was seen at work on this job first.
        var sawFfmpeg = await E2E.Eventually(() => E2E.FfmpegMentioning(dstDir).Count > 0, TimeSpan.FromSeconds(15));
        Assert.True(sawFfmpeg, $"no ffmpeg process writing into {dstDir} appeared while the job was in progress");

        var (status, body) = await Client.CancelJobAsync(id);
        AssertOk(status, body, "cancel_job");

        var job = await Client.WaitForJobStateAsync(id, j => State(j) >= JobCompleted, TimeSpan.FromSeconds(10),
            detail: true, what: "an end state after cancel_job");
        Assert.True(State(job) == JobCanceled, $"job {id} should be CANCELED:\n{job}");
        Assert.All(Tasks(job), t => Assert.NotEqual(TaskRunning, t.GetProperty("state").GetInt32()));

        var ffmpegGone = await E2E.Eventually(() => E2E.FfmpegMentioning(dstDir).Count == 0, TimeSpan.FromSeconds(5));
        Assert.True(ffmpegGone, "ffmpeg still runs after cancel:\n" + string.Join('\n', E2E.FfmpegMentioning(dstDir)));

        var clean = await E2E.Eventually(() => E2E.Entries(dstDir).Count == 0, TimeSpan.FromSeconds(5));
        Assert.True(clean, $"partial files left in {dstDir}: {string.Join(", ", E2E.Entries(dstDir))}");

        // Cancelling again is a conflict: the job already ended.
        var (againStatus, againBody) = await Client.CancelJobAsync(id);
        ErrorAssert.Is(-8, againStatus, againBody, "second cancel_job");
    });
}
