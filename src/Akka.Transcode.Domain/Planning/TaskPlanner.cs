using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Segments;
using Akka.Transcode.Domain.Tasks;

namespace Akka.Transcode.Domain.Planning;

/// <summary>
/// Turns a job and its probed source into tasks. Pure: the same inputs always give the same plan, so a recovering
/// job entity can trust the plan it persisted.
/// </summary>
public static class TaskPlanner
{
    private const double Epsilon = 1e-6;

    public static Result<JobPlan> Plan(string jobId, JobSpec spec, MediaInfo media, PlanningOptions options)
    {
        var container = ContainerFormats.Find(spec.DstFormat);
        if (container is null)
            return Result<JobPlan>.Fail(ErrorCode.InvalidValue, $"unsupported dst_format '{spec.DstFormat}'");
        if (media.Duration <= 0)
            return Result<JobPlan>.Fail(ErrorCode.SourceUnusable, "source has zero duration");

        var ranges = ClampRanges(spec.Segments, media.Duration);
        if (!ranges.IsOk) return ranges.Error!;
        var hasCuts = spec.Segments.Count > 0;

        var video = ChooseVideo(spec, container, media, hasCuts);
        if (!video.IsOk) return video.Error!;
        var audio = ChooseAudio(spec, container, media, hasCuts);
        if (!audio.IsOk) return audio.Error!;
        if (video.Value!.Action == StreamAction.Drop && audio.Value!.Action == StreamAction.Drop)
            return Result<JobPlan>.Fail(ErrorCode.SourceUnusable,
                $"nothing to write: the source has no stream that {container.Name} can hold");

        var notes = new List<string>();
        var keyframeCuts = hasCuts && video.Value.Action == StreamAction.Copy;
        if (keyframeCuts)
            notes.Add("video_codec copy with segments: cuts snap to the nearest earlier key frame, not to the exact time");

        double? fps = video.Value.Action == StreamAction.Drop ? null : UsableFrameRate(media.Video);
        var cuts = hasCuts
            ? ranges.Value!.Select(r => MakeCut(r.From, r.To, keyframeCuts ? null : fps)).ToList()
            : [];
        var outputDuration = hasCuts ? cuts.Sum(c => c.Duration) : media.Duration;

        var workDir = Path.Combine(spec.DstDir, $".transcode-{jobId}");
        var temp = Path.Combine(spec.DstDir, $".{Path.GetFileName(spec.OutputPath())}.{jobId}.tmp");

        var chunkSeconds = ChunkSeconds(outputDuration, options);
        var chunkable = video.Value.Action == StreamAction.Encode && fps is not null && spec.MapPath is null
                        && outputDuration > chunkSeconds + Epsilon;

        IReadOnlyList<TaskSpec> tasks = chunkable
            ? Chunked(jobId, spec, container, media, video.Value, audio.Value, cuts, fps!.Value, chunkSeconds,
                outputDuration, workDir, temp)
            :
            [
                new TaskSpec
                {
                    TaskId = TaskId(jobId, 0), JobId = jobId, Index = 0, Kind = TaskKind.Transcode,
                    SourcePath = spec.SourcePath, Cuts = cuts, KeyframeCuts = keyframeCuts,
                    OutputPath = temp, Muxer = container.Muxer, Video = video.Value, Audio = audio.Value,
                    Duration = outputDuration, Weight = outputDuration, MapPath = spec.MapPath,
                },
            ];
        return Result<JobPlan>.Ok(new JobPlan(tasks, outputDuration, temp, workDir, notes));
    }

    public static string TaskId(string jobId, int index) => $"{jobId}-t{index}";

    /// <summary>Chunk length: the work split over the slots, never longer than the cap nor shorter than the floor.</summary>
    public static double ChunkSeconds(double outputDuration, PlanningOptions o)
    {
        var perSlot = outputDuration / Math.Max(1, o.WorkerSlots);
        return Math.Min(o.MaxTaskSeconds, Math.Max(o.MinTaskSeconds, perSlot));
    }

    private static List<TaskSpec> Chunked(string jobId, JobSpec spec, ContainerFormat container, MediaInfo media,
        VideoOp video, AudioOp audio, IReadOnlyList<SourceCut> cuts, double fps, double chunkSeconds,
        double outputDuration, string workDir, string temp)
    {
        // The whole source is one range when there are no segments.
        var ranges = cuts.Count > 0 ? cuts : [MakeCut(0, media.Duration, fps)];
        var tasks = new List<TaskSpec>();
        var parts = new List<string>();
        foreach (var range in ranges)
        {
            var first = FirstFrame(range.From, fps);
            var total = range.Frames!.Value;
            var pieces = Math.Max(1, (int)Math.Ceiling(total / fps / chunkSeconds - Epsilon));
            for (var p = 0; p < pieces; p++)
            {
                // Frame-exact boundaries: the chunks together hold exactly the range's frames, once each.
                var start = first + (int)((long)total * p / pieces);
                var end = first + (int)((long)total * (p + 1) / pieces);
                var cut = FrameCut(start, end, fps);
                var index = tasks.Count;
                var part = Path.Combine(workDir, $"video-{index:D4}.mkv");
                parts.Add(part);
                tasks.Add(new TaskSpec
                {
                    TaskId = TaskId(jobId, index), JobId = jobId, Index = index, Kind = TaskKind.Video,
                    SourcePath = spec.SourcePath, Cuts = [cut], OutputPath = part, Muxer = "matroska",
                    Video = video, Audio = AudioOp.Drop, Duration = cut.Duration, Weight = cut.Duration,
                });
            }
        }

        string? audioPart = null;
        var joinAudio = audio;
        if (audio.Action == StreamAction.Encode)
        {
            // Audio is encoded once for the whole edit list: per-chunk AAC would put priming gaps at every join.
            // The audio task keeps it lossless; the join encodes it once to the container's codec.
            var index = tasks.Count;
            audioPart = Path.Combine(workDir, "audio.flac");
            tasks.Add(new TaskSpec
            {
                TaskId = TaskId(jobId, index), JobId = jobId, Index = index, Kind = TaskKind.Audio,
                SourcePath = spec.SourcePath, Cuts = ranges, OutputPath = audioPart, Muxer = "flac",
                Video = VideoOp.Drop, Audio = new AudioOp(StreamAction.Encode, "flac"),
                Duration = outputDuration, Weight = outputDuration * 0.1,
            });
        }

        var joinIndex = tasks.Count;
        tasks.Add(new TaskSpec
        {
            TaskId = TaskId(jobId, joinIndex), JobId = jobId, Index = joinIndex, Kind = TaskKind.Join,
            SourcePath = spec.SourcePath, VideoParts = parts, AudioPart = audioPart, OutputPath = temp,
            Muxer = container.Muxer, Video = VideoOp.Copy, Audio = joinAudio,
            Duration = outputDuration, Weight = outputDuration * 0.05,
            DependsOn = Enumerable.Range(0, joinIndex).ToList(),
        });
        return tasks;
    }

    private static Result<IReadOnlyList<TimeRange>> ClampRanges(IReadOnlyList<TimeRange> ranges, double duration)
    {
        var result = new List<TimeRange>(ranges.Count);
        foreach (var r in ranges)
        {
            if (r.From >= duration - Epsilon)
                return Result<IReadOnlyList<TimeRange>>.Fail(ErrorCode.InvalidValue,
                    $"segment {r} starts at or after the end of the source ({duration.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} s)");
            result.Add(r with { To = Math.Min(r.To, duration) });
        }
        return Result<IReadOnlyList<TimeRange>>.Ok(result);
    }

    private static int FirstFrame(double t, double fps) => (int)Math.Ceiling(t * fps - Epsilon);

    /// <summary>A cut of the source; exact to the frame when the frame rate is known.</summary>
    public static SourceCut MakeCut(double from, double to, double? fps)
    {
        if (fps is not { } f) return new SourceCut(from, to, from, null, 0, to - from);
        var cut = FrameCut(FirstFrame(from, f), FirstFrame(to, f), f);
        return cut with { From = from, To = to };
    }

    private static SourceCut FrameCut(int start, int end, double fps)
    {
        var frames = Math.Max(1, end - start);
        var seek = start == 0 ? 0 : (start - 0.5) / fps;
        var audioOffset = start / fps - seek;
        return new SourceCut(start / fps, end / fps, seek, frames, audioOffset, frames / fps);
    }

    /// <summary>Frame-exact cutting needs a constant, plausible rate; otherwise cuts fall back to times.</summary>
    private static double? UsableFrameRate(VideoStreamInfo? v) =>
        v is { FrameRate: > 1 and < 500 } ? v.FrameRate : null;

    private static Result<VideoOp> ChooseVideo(JobSpec spec, ContainerFormat container, MediaInfo media, bool hasCuts)
    {
        var o = spec.Output;
        if (container.AudioOnly || media.Video is null) return Result<VideoOp>.Ok(VideoOp.Drop);
        if (o.VideoCodec == "copy")
        {
            if (!container.CopyableVideoCodecs.Contains(media.Video.Codec))
                return Result<VideoOp>.Fail(ErrorCode.InvalidValue,
                    $"video_codec copy: the source's {media.Video.Codec} video cannot be stored in {container.Name}");
            return Result<VideoOp>.Ok(VideoOp.Copy);
        }
        var changesPicture = o.Crf is not null || o.Preset is not null || o.VideoBitrate is not null
                             || o.Width is not null || o.Height is not null || spec.MapPath is not null;
        if (o.VideoCodec == "auto" && !hasCuts && !changesPicture
            && container.CopyableVideoCodecs.Contains(media.Video.Codec))
            return Result<VideoOp>.Ok(VideoOp.Copy);

        var codec = o.VideoCodec == "auto" ? container.DefaultVideoCodec! : o.VideoCodec;
        if (!container.AllowedVideoCodecs.Contains(codec))
            return Result<VideoOp>.Fail(ErrorCode.InvalidValue,
                $"video_codec {codec} does not fit {container.Name} (allowed: {string.Join(", ", container.AllowedVideoCodecs)})");
        if (o.Preset is not null && codec is not ("h264" or "hevc"))
            return Result<VideoOp>.Fail(ErrorCode.InvalidValue, $"preset applies to h264 and hevc, not {codec}");
        return Result<VideoOp>.Ok(new VideoOp(StreamAction.Encode, codec, o.Crf, o.Preset, o.VideoBitrate, o.Width, o.Height));
    }

    private static Result<AudioOp> ChooseAudio(JobSpec spec, ContainerFormat container, MediaInfo media, bool hasCuts)
    {
        var o = spec.Output;
        if (o.AudioCodec == "none" || media.Audio is null) return Result<AudioOp>.Ok(AudioOp.Drop);
        if (o.AudioCodec == "copy")
        {
            if (!container.CopyableAudioCodecs.Contains(media.Audio.Codec))
                return Result<AudioOp>.Fail(ErrorCode.InvalidValue,
                    $"audio_codec copy: the source's {media.Audio.Codec} audio cannot be stored in {container.Name}");
            return Result<AudioOp>.Ok(AudioOp.Copy);
        }
        if (o.AudioCodec == "auto" && !hasCuts && o.AudioBitrate is null
            && container.CopyableAudioCodecs.Contains(media.Audio.Codec))
            return Result<AudioOp>.Ok(AudioOp.Copy);
        var codec = o.AudioCodec == "auto" ? container.DefaultAudioCodec : o.AudioCodec;
        if (!container.AllowedAudioCodecs.Contains(codec))
            return Result<AudioOp>.Fail(ErrorCode.InvalidValue,
                $"audio_codec {codec} does not fit {container.Name} (allowed: {string.Join(", ", container.AllowedAudioCodecs)})");
        return Result<AudioOp>.Ok(new AudioOp(StreamAction.Encode, codec, o.AudioBitrate));
    }
}
