using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Domain.Segments;
using Akka.Transcode.Domain.Tasks;

namespace Akka.Transcode.Domain.Tests.Planning;

/// <summary>Sources, specs and rule helpers shared by the planning, job and task tests.</summary>
internal static class PlanSamples
{
    public const double Fps = 30;
    public const double SourceSeconds = 60;
    public const string SourcePath = "/media/in/record.bin";
    public const string DstDir = "/media/out";

    /// <summary>60 s of H.264 1280x720 at 30 fps with AAC 48 kHz, as a probe would report it.</summary>
    public static MediaInfo Hd60(bool video = true, bool audio = true, string videoCodec = "h264", string audioCodec = "aac") =>
        new("mpegts", SourceSeconds,
            video ? new VideoStreamInfo(videoCodec, 1280, 720, Fps, "yuv420p") : null,
            audio ? new AudioStreamInfo(audioCodec, 48000, 2) : null);

    public static JobSpec Spec(string dstFormat, string? segments = null, OutputSettings? output = null,
        string sourcePath = SourcePath, string dstDir = DstDir)
    {
        var parsed = SegmentParser.Parse(segments);
        Assert.True(parsed.IsOk, parsed.Error?.Message);
        return new JobSpec
        {
            SourcePath = sourcePath, DstDir = dstDir, DstFormat = dstFormat, Segments = parsed.Value!,
            SegmentsText = segments, Output = output ?? OutputSettings.Default,
        };
    }

    public static JobPlan PlanOk(JobSpec spec, MediaInfo? media = null, PlanningOptions? options = null, string jobId = "job1")
    {
        var result = TaskPlanner.Plan(jobId, spec, media ?? Hd60(), options ?? new PlanningOptions());
        Assert.True(result.IsOk, result.Error?.Message);
        return result.Value!;
    }

    /// <summary>
    /// The frames a range holds by the cutting rule "frame k is in [from, to) when from &lt;= k/fps &lt; to", counted
    /// one by one rather than with the planner's arithmetic.
    /// </summary>
    public static (int First, int Count) FramesIn(double from, double to, double fps)
    {
        int? first = null;
        var count = 0;
        for (var k = 0; k <= (int)(to * fps) + 2; k++)
        {
            var t = k / fps;
            if (t < from || t >= to) continue;
            first ??= k;
            count++;
        }
        return (first ?? -1, count);
    }

    /// <summary>
    /// The source frame a frame-exact cut starts on: video is kept from the timestamp <see cref="SourceCut.VideoTrimStart"/>,
    /// so it is the first frame whose timestamp is not before it. The samples' frames sit at k / fps (container start 0).
    /// </summary>
    public static int FirstFrameOf(SourceCut cut, double fps)
    {
        var k = 0;
        while (k / fps < cut.VideoTrimStart) k++;
        // The trim point must sit clearly between two frames, so timestamp rounding cannot move the cut by a frame.
        Assert.True(k / fps - cut.VideoTrimStart >= 0.25 / fps, $"trim at {cut.VideoTrimStart} is too close to frame {k}");
        if (k > 0) Assert.True(cut.VideoTrimStart - (k - 1) / fps >= 0.25 / fps, $"trim at {cut.VideoTrimStart} is too close to frame {k - 1}");
        // ffmpeg seeks somewhere before that frame and decodes up to it.
        Assert.True(cut.Seek <= k / fps, $"seek {cut.Seek} after frame {k}");
        return k;
    }
}
