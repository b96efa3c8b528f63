using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.TranscodeClient;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>Jobs through to the output file, checked with ffprobe and a full decode.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class JobOutputTests(SharedNodeFixture shared, ITestOutputHelper output)
{
    private NodeProcess Node => shared.Node;
    private TranscodeClient Client => shared.Node.Client;

    [Fact]
    public Task The_documented_example_cuts_and_joins_two_ranges_into_an_flv() => E2E.WithNodeLog(Node, output, async () =>
    {
        var id = await Client.AddJobOkAsync(new
        {
            src_filename = E2E.Record, dst_dir = "out", dst_format = "flv", segments = "1-5:2-10",
        });

        var job = await Client.WaitForJobCompletedAsync(id, TimeSpan.FromSeconds(120));
        Assert.Equal(0, job.GetProperty("result").GetInt32());
        Assert.Equal(100, job.GetProperty("progress").GetDouble());

        var dstDir = Path.Combine(Node.MediaRoot, "out");
        var outFile = Path.Combine(dstDir, "record.flv");
        Assert.Equal(outFile, job.GetProperty("dst_path").GetString());
        Assert.Equal(Path.Combine(Node.MediaRoot, E2E.Record), job.GetProperty("srt_path").GetString());
        Assert.True(File.Exists(outFile), $"{outFile} does not exist");
        Assert.Equal(["record.flv"], E2E.Entries(dstDir));

        Assert.Equal("flv", await MediaAssert.FormatNameAsync(outFile));
        Assert.Equal(["aac", "h264"], (await MediaAssert.CodecNamesAsync(outFile)).Order());
        // 1-5 gives 4 s and 2-10 gives 8 s: 12 s, 360 frames at 30 fps, cut frame-accurately.
        var summary = await MediaAssert.SummaryAsync(outFile);
        output.WriteLine(summary);
        MediaAssert.Near(12.0, await MediaAssert.DurationAsync(outFile), E2E.OneFrame, $"duration ({summary})");
        MediaAssert.Near(360, await MediaAssert.VideoFrameCountAsync(outFile), 1, $"video frames ({summary})");
        await MediaAssert.DecodesCleanlyAsync(outFile);
    });

    [Fact]
    public Task A_whole_file_whose_codecs_fit_the_container_is_stream_copied_in_one_task() => E2E.WithNodeLog(Node, output, async () =>
    {
        var id = await Client.AddJobOkAsync(new { src_filename = E2E.Record, dst_dir = "copy", dst_format = "mp4" });

        var job = await Client.WaitForJobCompletedAsync(id, TimeSpan.FromSeconds(120));
        Assert.Equal(0, job.GetProperty("result").GetInt32());

        var tasks = Tasks(job);
        Assert.True(tasks.Count == 1, $"expected one task, got {tasks.Count}:\n{job}");
        Assert.Equal("transcode", tasks[0].GetProperty("kind").GetString());
        Assert.Equal(TaskDone, tasks[0].GetProperty("state").GetInt32());

        var outFile = Path.Combine(Node.MediaRoot, "copy", "record.mp4");
        Assert.Equal(outFile, job.GetProperty("dst_path").GetString());
        Assert.Equal(["record.mp4"], E2E.Entries(Path.GetDirectoryName(outFile)!));
        Assert.Equal(["aac", "h264"], (await MediaAssert.CodecNamesAsync(outFile)).Order());
        var summary = await MediaAssert.SummaryAsync(outFile);
        output.WriteLine(summary);
        MediaAssert.Near(MediaSet.RecordSeconds, await MediaAssert.DurationAsync(outFile), 0.1, $"duration ({summary})");
        await MediaAssert.DecodesCleanlyAsync(outFile);
    });
}
