using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Domain.Segments;
using Akka.Transcode.Domain.Tasks;

namespace Akka.Transcode.Actors.Tests.Support;

public static class Samples
{
    public const string SourcePath = "/media/in/movie.mp4";

    /// <summary>mp4 with video_codec h264: a 60 s source is chunked into video tasks plus a join.</summary>
    public static JobSpec H264Job(string dstDir, int priority = 0) => new()
    {
        SourcePath = SourcePath,
        DstDir = dstDir,
        DstFormat = "mp4",
        Priority = priority,
        Output = new OutputSettings { VideoCodec = "h264" },
    };

    public static TaskSpec VideoTask(string jobId, int index, string outputDir = "/tmp/none") => new()
    {
        TaskId = TaskPlanner.TaskId(jobId, index),
        JobId = jobId,
        Index = index,
        Kind = TaskKind.Video,
        SourcePath = SourcePath,
        // Positional: the field names of SourceCut are still moving.
        Cuts = [new SourceCut(index * 10, index * 10 + 10, Math.Max(0, index * 10 - 6), index * 10 - 0.02, index * 10, 250, 10)],
        OutputPath = Path.Combine(outputDir, $"video-{index:D4}.mkv"),
        Muxer = "matroska",
        Video = new VideoOp(StreamAction.Encode, "h264", 23, "veryfast"),
        Audio = AudioOp.Drop,
        Duration = 10,
        Weight = 10,
    };

    public static TimeRange Range(double from, double to) => new(from, to);
}
