using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Media;
using FFMpegCore;

namespace Akka.Transcode.Media.Probing;

/// <summary>Turns FFMpegCore's analysis into our <see cref="MediaInfo"/>, refusing what cannot be transcoded.</summary>
internal static class MediaAnalysisMapper
{
    public static Result<MediaInfo> ToMediaInfo(IMediaAnalysis analysis)
    {
        // Cover art in mp3/m4a is a one-picture "video" stream; treating it as video would plan a video encode.
        var video = analysis.VideoStreams.Where(v => !IsAttachedPicture(v)).OrderBy(v => v.Index).FirstOrDefault();
        var audio = analysis.AudioStreams.OrderBy(a => a.Index).FirstOrDefault();
        if (video is null && audio is null)
            return Result<MediaInfo>.Fail(ErrorCode.SourceUnusable, "no audio or video stream");

        // A file cut short after its headers still names its streams, but with no frame size or no sample rate
        // ffmpeg cannot even open an output for them: refuse it here, as a bad source, rather than as a failed encode.
        if (video is not null && (video.Width is not > 0 || video.Height is not > 0))
            return Result<MediaInfo>.Fail(ErrorCode.SourceUnusable, "the video stream has no frame size (truncated or damaged file?)");
        if (audio is not null && (audio.SampleRateHz is not > 0 || audio.Channels is not > 0))
            return Result<MediaInfo>.Fail(ErrorCode.SourceUnusable, "the audio stream has no sample rate or channels (truncated or damaged file?)");

        var duration = Duration(analysis, video, audio);
        if (!(duration > 0))
            return Result<MediaInfo>.Fail(ErrorCode.SourceUnusable, "zero duration");

        return Result<MediaInfo>.Ok(new MediaInfo(
            analysis.Format.FormatName ?? string.Empty,
            duration,
            video is null ? null : new VideoStreamInfo(
                video.CodecName ?? string.Empty, video.Width ?? 0, video.Height ?? 0, FrameRate(video), video.PixelFormat,
                StartOffset(analysis, video), video.Duration.TotalSeconds > 0 ? video.Duration.TotalSeconds : null,
                SampleAspect(video), video.Rotation % 360),
            audio is null ? null : new AudioStreamInfo(audio.CodecName ?? string.Empty, audio.SampleRateHz ?? 0, audio.Channels ?? 0),
            ContainerStart(analysis)));
    }

    private static double ContainerStart(IMediaAnalysis analysis)
    {
        var start = analysis.Format.StartTime.TotalSeconds;
        return double.IsFinite(start) && start > 0 ? start : 0;
    }

    // MPEG-TS starts video a few tens of milliseconds after the container; cut points are container-relative.
    private static double StartOffset(IMediaAnalysis analysis, VideoStream video)
    {
        var offset = (video.StartTime - analysis.Format.StartTime).TotalSeconds;
        return double.IsFinite(offset) && offset is > 0 and < 10 ? offset : 0;
    }

    // Real streams use 1 and the broadcast and HDV shapes (about 0.7 to 2); a file that claims 1000:1 would make a
    // "displayed" picture thousands of pixels wide, so anything outside a generous range counts as square.
    private static double SampleAspect(VideoStream video)
    {
        var (w, h) = video.SampleAspectRatio;
        if (w <= 0 || h <= 0) return 1;
        var sar = (double)w / h;
        return sar is >= 0.25 and <= 4 ? sar : 1;
    }

    private static bool IsAttachedPicture(VideoStream stream) =>
        stream.Disposition is not null && stream.Disposition.TryGetValue("attached_pic", out var attached) && attached;

    // Some containers (raw streams, some TS captures) carry no format duration; the longest stream is the best estimate.
    private static double Duration(IMediaAnalysis analysis, VideoStream? video, AudioStream? audio)
    {
        var format = analysis.Format.Duration.TotalSeconds;
        if (format > 0) return format;
        return Math.Max(video?.Duration.TotalSeconds ?? 0, audio?.Duration.TotalSeconds ?? 0);
    }

    // avg_frame_rate is what players show; it is 0/0 (NaN) for some streams, where r_frame_rate still says something.
    private static double FrameRate(VideoStream video) =>
        IsUsable(video.AverageFrameRate) ? video.AverageFrameRate
        : IsUsable(video.RealFrameRate) ? video.RealFrameRate
        : 0;

    private static bool IsUsable(double rate) => double.IsFinite(rate) && rate > 0;
}
