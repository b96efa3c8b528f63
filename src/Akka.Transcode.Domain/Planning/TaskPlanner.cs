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

    /// <summary>
    /// Seconds decoded before a cut and thrown away. MPEG-TS seeking (no index) was measured landing up to 1.5 s
    /// late with 2 s GOPs; 6 s covers GOPs up to about that long at the cost of decoding 6 s more per cut.
    /// </summary>
    public const double SeekPreroll = 6;

    public static Result<JobPlan> Plan(string jobId, JobSpec spec, MediaInfo media, PlanningOptions options)
    {
        if (spec.IsOutputGroup) return OutputGroupPlanner.Plan(jobId, spec, media, options);
        return PlanFile(jobId, spec, media, options, temp: null, WorkDirOf(jobId, spec.DstDir), partPrefix: "");
    }

    /// <summary>The job's parts (chunks, audio, still streams), beside its output; removed when the job ends.</summary>
    public static string WorkDirOf(string jobId, string dstDir) => Path.Combine(dstDir, $".transcode-{jobId}");

    private static string TempPathOf(string jobId, JobSpec spec) =>
        Path.Combine(spec.DstDir, $".{Path.GetFileName(spec.OutputPath())}.{jobId}.tmp");

    /// <summary>
    /// One file of <see cref="JobSpec.DstFormat"/>: a classic job, or a <c>file</c> entry of an output group (which
    /// writes into the group's temp dir, and prefixes its part names with its own name so outputs never clash).
    /// </summary>
    /// <param name="temp">Where the last task writes; null: next to the classic job's output.</param>
    internal static Result<JobPlan> PlanFile(string jobId, JobSpec spec, MediaInfo media, PlanningOptions options,
        string? temp, string workDir, string partPrefix)
    {
        var container = ContainerFormats.Find(spec.DstFormat);
        if (container is null)
            return Result<JobPlan>.Fail(ErrorCode.InvalidValue, $"unsupported dst_format '{spec.DstFormat}'");
        temp ??= TempPathOf(jobId, spec);
        if (media.Duration <= 0)
            return Result<JobPlan>.Fail(ErrorCode.SourceUnusable, "source has zero duration");

        var ranges = ClampRanges(spec.Segments, media.Duration);
        if (!ranges.IsOk) return ranges.Error!;
        var hasCuts = spec.Segments.Count > 0;

        var video = ChooseVideo(spec, container, media, hasCuts);
        if (!video.IsOk) return video.Error!;
        var notes = new List<string>();
        // Audio can be copied through cuts only when video is copied too (key-frame cuts); exact cuts decode it.
        var audio = ChooseAudio(spec, container, media, hasCuts, exactCuts: hasCuts && video.Value!.Action != StreamAction.Copy, notes);
        if (!audio.IsOk) return audio.Error!;
        if (video.Value!.Action == StreamAction.Drop && audio.Value!.Action == StreamAction.Drop)
            return Result<JobPlan>.Fail(ErrorCode.SourceUnusable,
                $"nothing to write: the source has no stream that {container.Name} can hold");

        var keyframeCuts = hasCuts && video.Value.Action == StreamAction.Copy;
        if (keyframeCuts)
            notes.Add("video_codec copy with segments: cuts snap to the nearest earlier key frame, not to the exact time");

        var grid = video.Value.Action == StreamAction.Drop ? null : FrameGrid.For(media);
        var cuts = hasCuts
            ? ranges.Value!.Select(r => MakeCut(r.From, r.To, keyframeCuts ? null : grid, media.StartTime)).ToList()
            : [];
        if (cuts.Any(c => c.Frames == 0))
            return Result<JobPlan>.Fail(ErrorCode.InvalidValue, "a segment holds no video frame of the source");
        var outputDuration = hasCuts ? cuts.Sum(c => c.Duration) : media.Duration;

        // Chunks are whole frames of video, so the video's length decides whether and how to chunk. A whole source's
        // length is the container's, which the audio can make a little longer: a 60 s recording probes as 60.02 s,
        // and with 60 s tasks that planned one 60 s chunk plus a join instead of one task.
        var videoDuration = !hasCuts && grid is not null ? grid.Count / grid.Fps : outputDuration;
        var chunkSeconds = ChunkSeconds(videoDuration, options);
        // Maps (v360, remap) work frame by frame, so a mapped job chunks like any other re-encode.
        var chunkable = video.Value.Action == StreamAction.Encode && grid is not null
                        && videoDuration > chunkSeconds + Epsilon;

        IReadOnlyList<TaskSpec> tasks = keyframeCuts
            ? KeyframeParts(jobId, spec, container, audio.Value!, cuts, outputDuration, workDir, temp, partPrefix)
            : chunkable
                ? Chunked(jobId, spec, container, media, video.Value, audio.Value!, cuts, grid!, chunkSeconds,
                    options, outputDuration, workDir, temp, partPrefix)
                :
                [
                    new TaskSpec
                    {
                        TaskId = TaskId(jobId, 0), JobId = jobId, Index = 0, Kind = TaskKind.Transcode,
                        SourcePath = spec.SourcePath, Cuts = cuts, OutputPath = temp, Muxer = container.Muxer,
                        Video = video.Value, Audio = audio.Value!, Duration = outputDuration, Weight = outputDuration,
                        MapPath = spec.MapPath, MapTables = spec.MapTables,
                    },
                ];
        return Result<JobPlan>.Ok(new JobPlan(tasks, outputDuration, temp, workDir, notes));
    }

    public static string TaskId(string jobId, int index) => $"{jobId}-t{index}";

    /// <summary>
    /// Whether the job may re-encode video, decided before the probe: only such a job can be chunked, so only such a
    /// job needs the source's key frames (<see cref="MediaInfo.Keyframes"/>). An "auto" job that changes nothing is
    /// counted out: it copies whenever the container can hold the source's codec.
    /// </summary>
    public static bool MayEncodeVideo(JobSpec spec)
    {
        if (spec.IsOutputGroup) return OutputGroupPlanner.MayEncodeVideo(spec);
        var container = ContainerFormats.Find(spec.DstFormat);
        if (container is null || container.AudioOnly || spec.Output.VideoCodec == "copy") return false;
        return spec.Output.VideoCodec != "auto" || spec.Segments.Count > 0 || ChangesPicture(spec);
    }

    /// <summary>The job asks for a picture other than the source's: "auto" then re-encodes rather than copies.</summary>
    private static bool ChangesPicture(JobSpec spec)
    {
        var o = spec.Output;
        return o.Crf is not null || o.Preset is not null || o.VideoBitrate is not null
               || o.Width is not null || o.Height is not null || spec.MapPath is not null;
    }

    /// <summary>The job a task id (<see cref="TaskId"/>) belongs to; an id not of that form is returned as it is.</summary>
    public static string JobIdOf(string taskId)
    {
        var cut = taskId.LastIndexOf("-t", StringComparison.Ordinal);
        return cut > 0 && cut + 2 < taskId.Length && taskId[(cut + 2)..].All(char.IsAsciiDigit)
            ? taskId[..cut]
            : taskId;
    }

    /// <summary>Chunk length: the work split over the slots, never longer than the cap nor shorter than the floor.</summary>
    public static double ChunkSeconds(double outputDuration, PlanningOptions o)
    {
        var perSlot = outputDuration / Math.Max(1, o.WorkerSlots);
        return Math.Min(o.MaxTaskSeconds, Math.Max(o.MinTaskSeconds, perSlot));
    }

    /// <summary>
    /// First frame of each of <paramref name="pieces"/> chunks of a range. A chunk that starts mid-source also
    /// decodes the frames from the key frame before it (<see cref="SeekMap"/>; up to <see cref="SeekPreroll"/>
    /// seconds when the key frames are not known) and throws them away, so it gets fewer frames than one that starts
    /// at the source's beginning: parallel chunks then finish together instead of the last one holding up the join.
    /// No chunk grows past <paramref name="capSeconds"/> by this.
    /// </summary>
    private static int[] ChunkStarts(int first, int total, int pieces, FrameGrid grid, double capSeconds, double prerollCost,
        SeekMap seeks)
    {
        var sizes = Enumerable.Repeat((double)total / pieces, pieces).ToArray();
        if (prerollCost > 0 && pieces > 1)
        {
            // The pre-roll depends on where a chunk starts, which depends on the sizes: a few rounds settle it (with
            // key frames the pre-roll jumps from one GOP to none as a start crosses a key frame).
            for (var round = 0; round < 3; round++)
                sizes = Balance(total, Prerolls(first, sizes, grid, seeks), prerollCost, Math.Max(1, capSeconds * grid.Fps));
        }
        var starts = new int[pieces];
        var at = 0.0;
        for (var p = 0; p < pieces; p++)
        {
            starts[p] = first + Math.Clamp((int)Math.Round(at), p, total - (pieces - p));
            at += sizes[p];
        }
        return starts;
    }

    private static double[] Prerolls(int first, double[] sizes, FrameGrid grid, SeekMap seeks)
    {
        var prerolls = new double[sizes.Length];
        var at = (double)first;
        for (var p = 0; p < sizes.Length; p++)
        {
            var start = grid.TimeOf((int)Math.Round(at));
            prerolls[p] = seeks.For(start).Decoded * grid.Fps;
            at += sizes[p];
        }
        return prerolls;
    }

    /// <summary>Sizes with equal work (frames plus the pre-roll's decode share), each at most the cap.</summary>
    private static double[] Balance(int total, double[] prerolls, double cost, double capFrames)
    {
        var sizes = new double[prerolls.Length];
        var capped = new bool[prerolls.Length];
        while (true)
        {
            var free = Enumerable.Range(0, sizes.Length).Where(i => !capped[i]).ToList();
            var left = total - capped.Select((c, i) => c ? sizes[i] : 0).Sum();
            var work = (left + cost * free.Sum(i => prerolls[i])) / free.Count;
            foreach (var i in free) sizes[i] = Math.Max(1, work - cost * prerolls[i]);
            var over = free.Where(i => sizes[i] > capFrames).ToList();
            if (over.Count == 0 || over.Count == free.Count) return sizes;
            foreach (var i in over) (sizes[i], capped[i]) = (capFrames, true);
        }
    }

    private static List<TaskSpec> Chunked(string jobId, JobSpec spec, ContainerFormat container, MediaInfo media,
        VideoOp video, AudioOp audio, IReadOnlyList<SourceCut> cuts, FrameGrid grid, double chunkSeconds,
        PlanningOptions options, double outputDuration, string workDir, string temp, string partPrefix)
    {
        // The whole source is one range when there are no segments.
        var ranges = cuts.Count > 0 ? cuts : [MakeCut(0, media.Duration, grid, media.StartTime)];
        var seeks = SeekMap.For(media, grid);
        var tasks = new List<TaskSpec>();
        var parts = new List<string>();
        foreach (var range in ranges)
        {
            var first = grid.FirstFrameAt(range.From);
            var total = range.Frames!.Value;
            var pieces = Math.Max(1, (int)Math.Ceiling(total / grid.Fps / chunkSeconds - Epsilon));
            var starts = ChunkStarts(first, total, pieces, grid, options.MaxTaskSeconds, options.PrerollDecodeCost, seeks);
            for (var p = 0; p < pieces; p++)
            {
                // Frame-exact boundaries: the chunks together hold exactly the range's frames, once each.
                var start = starts[p];
                var end = p + 1 < pieces ? starts[p + 1] : first + total;
                var cut = FrameCut(start, end - start, grid);
                // A video chunk starts decoding on the key frame before it. (The audio task and single-task cuts keep
                // the blind pre-roll: their audio must start before the cut, which a seek to a video key frame in an
                // indexed container does not promise.)
                cut = cut with { Seek = seeks.For(cut.From).Seek };
                var index = tasks.Count;
                var part = Path.Combine(workDir, $"{partPrefix}video-{index:D4}.mkv");
                parts.Add(part);
                tasks.Add(new TaskSpec
                {
                    TaskId = TaskId(jobId, index), JobId = jobId, Index = index, Kind = TaskKind.Video,
                    SourcePath = spec.SourcePath, Cuts = [cut], OutputPath = part, Muxer = "matroska",
                    Video = video, Audio = AudioOp.Drop, Duration = cut.Duration, Weight = cut.Duration,
                    MapPath = spec.MapPath, MapTables = spec.MapTables,
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
            audioPart = Path.Combine(workDir, partPrefix + "audio.flac");
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

    /// <summary>
    /// Copy with segments: each range is copied into its own part starting at the key frame before it (with
    /// timestamps from zero), then the parts are joined. One concat-demuxer pass with inpoints instead leaves
    /// overlapping timestamps where ranges meet when the source has B-frames.
    /// </summary>
    private static List<TaskSpec> KeyframeParts(string jobId, JobSpec spec, ContainerFormat container, AudioOp audio,
        IReadOnlyList<SourceCut> cuts, double outputDuration, string workDir, string temp, string partPrefix)
    {
        var partAudio = audio.Action == StreamAction.Drop ? AudioOp.Drop : AudioOp.Copy;
        var tasks = cuts.Select((cut, i) => new TaskSpec
        {
            TaskId = TaskId(jobId, i), JobId = jobId, Index = i, Kind = TaskKind.Video, KeyframeCuts = true,
            SourcePath = spec.SourcePath, Cuts = [cut], OutputPath = Path.Combine(workDir, $"{partPrefix}copy-{i:D4}.mkv"),
            Muxer = "matroska", Video = VideoOp.Copy, Audio = partAudio, Duration = cut.Duration,
            Weight = cut.Duration * 0.1,
        }).ToList();
        var join = tasks.Count;
        tasks.Add(new TaskSpec
        {
            TaskId = TaskId(jobId, join), JobId = jobId, Index = join, Kind = TaskKind.Join, KeyframeCuts = true,
            SourcePath = spec.SourcePath, VideoParts = tasks.Select(t => t.OutputPath).ToList(), OutputPath = temp,
            Muxer = container.Muxer, Video = VideoOp.Copy, Audio = audio, Duration = outputDuration,
            Weight = outputDuration * 0.05, DependsOn = Enumerable.Range(0, join).ToList(),
        });
        return tasks;
    }

    internal static Result<IReadOnlyList<TimeRange>> ClampRanges(IReadOnlyList<TimeRange> ranges, double duration)
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

    /// <summary>A cut of the source; exact to the frame when the frame grid is known.</summary>
    public static SourceCut MakeCut(double from, double to, FrameGrid? grid, double containerStart = 0)
    {
        if (grid is null)
        {
            return new SourceCut(from, to, SeekFor(from), containerStart + from, containerStart + from, null, to - from);
        }
        var first = grid.FirstFrameAt(from);
        var end = grid.FirstFrameAt(to);
        return FrameCut(first, end - first, grid);
    }

    /// <summary>Where ffmpeg seeks for a cut starting at <paramref name="start"/>: the pre-roll before it.</summary>
    private static double SeekFor(double start) => Math.Max(0, start - SeekPreroll);

    internal static SourceCut FrameCut(int first, int frames, FrameGrid grid)
    {
        frames = Math.Max(0, frames);
        var start = grid.TimeOf(first);
        var stamp = grid.ContainerStart + start;
        return new SourceCut(start, grid.TimeOf(first + frames), SeekFor(start), stamp - 0.5 / grid.Fps, stamp, frames,
            frames / grid.Fps);
    }

    private static Result<VideoOp> ChooseVideo(JobSpec spec, ContainerFormat container, MediaInfo media, bool hasCuts)
    {
        var o = spec.Output;
        if (spec.MapPath is not null)
        {
            // A map changes every picture: without a picture to change, or with the picture copied, it would be
            // dropped without a word.
            if (container.AudioOnly)
                return Result<VideoOp>.Fail(ErrorCode.InvalidValue,
                    $"map_filename: {container.Name} holds no video, so a stitching map cannot apply");
            if (media.Video is null)
                return Result<VideoOp>.Fail(ErrorCode.InvalidValue,
                    "map_filename: the source has no video stream for the stitching map to remap");
            if (o.VideoCodec == "copy")
                return Result<VideoOp>.Fail(ErrorCode.InvalidValue,
                    "video_codec copy cannot apply a stitching map: a mapped picture must be re-encoded");
        }
        if (container.AudioOnly || media.Video is null) return Result<VideoOp>.Ok(VideoOp.Drop);
        if (o.VideoCodec == "copy")
        {
            if (!container.CopyableVideoCodecs.Contains(media.Video.Codec))
                return Result<VideoOp>.Fail(ErrorCode.InvalidValue,
                    $"video_codec copy: the source's {media.Video.Codec} video cannot be stored in {container.Name}");
            return Result<VideoOp>.Ok(VideoOp.Copy);
        }
        if (o.VideoCodec == "auto" && !hasCuts && !ChangesPicture(spec)
            && container.CopyableVideoCodecs.Contains(media.Video.Codec))
            return Result<VideoOp>.Ok(VideoOp.Copy);

        var codec = o.VideoCodec == "auto" ? container.DefaultVideoCodec! : o.VideoCodec;
        if (!container.AllowedVideoCodecs.Contains(codec))
            return Result<VideoOp>.Fail(ErrorCode.InvalidValue,
                $"video_codec {codec} does not fit {container.Name} (allowed: {string.Join(", ", container.AllowedVideoCodecs)})");
        if (o.Preset is not null && codec is not ("h264" or "hevc"))
            return Result<VideoOp>.Fail(ErrorCode.InvalidValue, $"preset applies to h264 and hevc, not {codec}");
        return Result<VideoOp>.Ok(new VideoOp(StreamAction.Encode, codec, o.Crf, o.Preset, o.VideoBitrate, o.Width, o.Height,
            NoBFrames: container.Name == "flv"));
    }

    private static Result<AudioOp> ChooseAudio(JobSpec spec, ContainerFormat container, MediaInfo media, bool hasCuts,
        bool exactCuts, List<string> notes)
    {
        var o = spec.Output;
        if (o.AudioCodec == "none" || media.Audio is null) return Result<AudioOp>.Ok(AudioOp.Drop);
        if (o.AudioCodec == "copy")
        {
            if (!container.CopyableAudioCodecs.Contains(media.Audio.Codec))
                return Result<AudioOp>.Fail(ErrorCode.InvalidValue,
                    $"audio_codec copy: the source's {media.Audio.Codec} audio cannot be stored in {container.Name}");
            if (!exactCuts) return Result<AudioOp>.Ok(AudioOp.Copy);
            // Copied audio cannot be cut to the frame: keep its codec where the container allows, re-encoded.
            var same = container.AllowedAudioCodecs.Contains(media.Audio.Codec) ? media.Audio.Codec : container.DefaultAudioCodec;
            notes.Add($"audio_codec copy with segments: audio is re-encoded as {same} so it is cut with the video");
            return Result<AudioOp>.Ok(new AudioOp(StreamAction.Encode, same, o.AudioBitrate));
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
