using Akka.Transcode.Actors.Serialization;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Domain.Segments;

namespace Akka.Transcode.Actors.Tests;

/// <summary>The start-up warm-up's dry run must really reach what it is for: it swallows nothing here.</summary>
public sealed class DryRunTests
{
    [Theory]
    [InlineData("")]
    [InlineData("1-20:30-50")]
    public void A_chunked_job_runs_start_to_end_through_the_state_and_the_serializer(string segments)
    {
        var media = new MediaInfo("mpegts", 60, new VideoStreamInfo("h264", 1280, 720, 30, "yuv420p"),
            new AudioStreamInfo("aac", 48000, 2), 1.4, [1.4, 31.4]);
        var spec = new JobSpec
        {
            SourcePath = "/m/record.bin", DstDir = "/m", DstFormat = "mp4",
            Segments = SegmentParser.Parse(segments).Value ?? [], SegmentsText = segments,
            Output = new OutputSettings { VideoCodec = "h264", AudioCodec = "aac" },
        };
        var plan = TaskPlanner.Plan("j", spec, media, new PlanningOptions(WorkerSlots: 2)).Value!;
        Assert.True(plan.Tasks.Count > 2, "not chunked");

        DryRun.Job("j", spec, plan);
    }

    [Fact]
    public void Every_type_with_a_manifest_is_written_and_read_back_with_values()
    {
        var missed = DryRun.Messages();

        Assert.True(missed.Count == 0, "not warmed: " + string.Join(", ", missed.Select(t => t.Name)));
    }
}
