using System.Globalization;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Outputs;
using Akka.Transcode.Domain.Tasks;

namespace Akka.Transcode.Domain.Planning;

/// <summary>
/// Plans a job with <see cref="JobSpec.Outputs"/>: every output's tasks in one list, all writing under the group's
/// temp dir or the job's work dir, and the <see cref="PackagePlan"/> the master runs before the rename. Pure, like
/// <see cref="TaskPlanner"/>, which hands such jobs over to it.
/// <para>
/// Ladders and thumbnails work on the output timeline: the job's cuts (or the whole source) one after another, one
/// output frame per source frame. Segment boundary k is the first output frame at or after k x segment_seconds, the
/// same frame in every rendition; a ladder's chunks are runs of whole segments, each one task that encodes every
/// rendition of its frames into one track each, forcing key frames at the boundaries it holds; each rendition's join
/// copies its track out of every chunk, so the joined rendition has one fragment per segment.
/// </para>
/// </summary>
public static class OutputGroupPlanner
{
    private const double Epsilon = 1e-6;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// Weights per second of output, beside a ladder chunk's (its seconds x the sum of its renditions' shares of the
    /// source's pixels, so a source-size rendition weighs what a classic chunk does). Rough shares, not measurements: a join copies bytes, AAC is
    /// cheap, the still task decodes the whole timeline (decoding is about a fifth of decode plus encode, see
    /// <see cref="PlanningOptions.PrerollDecodeCost"/>) and encodes a few small pictures.
    /// </summary>
    private const double JoinWeight = 0.05, AudioWeight = 0.1, StillsWeight = 0.2, SpriteWeight = 0.01;

    public static Result<JobPlan> Plan(string jobId, JobSpec spec, MediaInfo media, PlanningOptions options)
    {
        if (!spec.IsOutputGroup) throw new ArgumentException("the job has no outputs: plan it with TaskPlanner", nameof(spec));
        if (media.Duration <= 0)
            return Result<JobPlan>.Fail(ErrorCode.SourceUnusable, "source has zero duration");
        var ranges = TaskPlanner.ClampRanges(spec.Segments, media.Duration);
        if (!ranges.IsOk) return ranges.Error!;

        var grid = media.Video is null ? null : FrameGrid.For(media);
        var hasCuts = spec.Segments.Count > 0;
        var jobCuts = hasCuts
            ? ranges.Value!.Select(r => TaskPlanner.MakeCut(r.From, r.To, grid, media.StartTime)).ToList()
            : [];
        var outputDuration = hasCuts ? jobCuts.Sum(c => c.Duration) : media.Duration;
        var ctx = new Context(jobId, spec, media, options, grid, jobCuts,
            OutputLayout.TempGroupDir(spec.DstDir, spec.SourcePath, jobId), TaskPlanner.WorkDirOf(jobId, spec.DstDir));

        foreach (var output in spec.Outputs)
        {
            var added = output.Kind switch
            {
                OutputKind.File => AddFile(ctx, output),
                OutputKind.Ladder => AddLadder(ctx, output),
                OutputKind.Thumbnails => AddThumbnails(ctx, output),
                _ => throw new ArgumentOutOfRangeException(nameof(spec), output.Kind, "unknown output kind"),
            };
            if (added is { } failure) return failure;
        }
        return Result<JobPlan>.Ok(new JobPlan(ctx.Tasks, outputDuration, ctx.TempDir, ctx.WorkDir, ctx.Notes,
            new PackagePlan(ctx.TempDir, ctx.Ladders, ctx.Stills)));
    }

    /// <summary>A ladder or thumbnails always decode and encode video; a file output as a classic job would.</summary>
    public static bool MayEncodeVideo(JobSpec spec) =>
        spec.Outputs.Any(o => o.Kind != OutputKind.File || TaskPlanner.MayEncodeVideo(FileSpec(spec, o.File!)));

    /// <summary>The classic job a <c>file</c> entry is: the group's cuts and map, the entry's container and codecs.</summary>
    private static JobSpec FileSpec(JobSpec spec, FileOutputSpec file) =>
        spec with { DstFormat = file.Format, Output = file.Settings, Outputs = [], OutputsPreset = null };

    private sealed class Context(string jobId, JobSpec spec, MediaInfo media, PlanningOptions options, FrameGrid? grid,
        IReadOnlyList<SourceCut> jobCuts, string tempDir, string workDir)
    {
        public string JobId { get; } = jobId;
        public JobSpec Spec { get; } = spec;
        public MediaInfo Media { get; } = media;
        public PlanningOptions Options { get; } = options;
        public string TempDir { get; } = tempDir;
        public string WorkDir { get; } = workDir;
        public List<TaskSpec> Tasks { get; } = [];
        public List<string> Notes { get; } = [];
        public List<LadderPackage> Ladders { get; } = [];
        public List<StillsPackage> Stills { get; } = [];
        private Result<Timeline>? _timeline;

        /// <summary>The video output timeline, made once for all outputs that need it.</summary>
        public Result<Timeline> Timeline(OutputSpec output)
        {
            if (Media.Video is null)
                return Result<Timeline>.Fail(ErrorCode.InvalidValue,
                    $"outputs '{output.Name}': a {KindName(output)} output needs a video stream, and the source has none");
            _timeline ??= Planning.Timeline.For(Media, grid, jobCuts);
            return _timeline.Value.IsOk
                ? _timeline.Value
                : Result<Timeline>.Fail(_timeline.Value.Error!.Code, $"outputs '{output.Name}': {_timeline.Value.Error.Message}");
        }

        /// <summary>Adds a task at the next index, with its id, job and output name filled in.</summary>
        public int Add(TaskSpec task, string outputName)
        {
            var index = Tasks.Count;
            Tasks.Add(task with { TaskId = TaskPlanner.TaskId(JobId, index), Index = index, OutputName = outputName });
            return index;
        }
    }

    private static string KindName(OutputSpec o) => o.Kind switch
    {
        OutputKind.Ladder => "ladder",
        OutputKind.Thumbnails => "thumbnails",
        _ => "file",
    };

    private static Failure? AddFile(Context ctx, OutputSpec output)
    {
        var planned = TaskPlanner.PlanFile(ctx.JobId, FileSpec(ctx.Spec, output.File!), ctx.Media, ctx.Options,
            Path.Combine(ctx.TempDir, OutputLayout.EntryOf(output)), ctx.WorkDir, partPrefix: output.Name + "-");
        if (!planned.IsOk)
            return new Failure(planned.Error!.Code, $"outputs '{output.Name}': {planned.Error.Message}");
        // The classic plan counts from 0: its indices and dependencies move up behind the outputs before it.
        var first = ctx.Tasks.Count;
        foreach (var task in planned.Value!.Tasks)
            ctx.Add(task with { DependsOn = task.DependsOn.Select(d => d + first).ToList() }, output.Name);
        ctx.Notes.AddRange(planned.Value.Notes.Select(n => $"{output.Name}: {n}"));
        return null;
    }

    private static Failure? AddLadder(Context ctx, OutputSpec output)
    {
        var ladder = output.Ladder!;
        Failure Invalid(string message) => new(ErrorCode.InvalidValue, $"outputs '{output.Name}': {message}");
        if (ladder.VideoCodec != "h264")
            return Invalid($"video_codec {ladder.VideoCodec}: a ladder is h264 only for now");
        if (ladder.Renditions.Count == 0) return Invalid("a ladder needs at least one rendition");
        var timeline = ctx.Timeline(output);
        if (!timeline.IsOk) return timeline.Error;
        var line = timeline.Value!;
        var fps = line.Grid.Fps;
        if (ladder.SegmentSeconds * fps < 1 - Epsilon)
            return Invalid($"segment_seconds {Num(ladder.SegmentSeconds)} is shorter than one frame of the source");

        var renditions = Renditions(output, ctx.Media.Video!, ladder, ctx.Notes);
        if (!renditions.IsOk) return renditions.Error;

        var boundaries = SegmentBoundaries(line.Frames, fps, ladder.SegmentSeconds);
        var chunks = ChunkEdges(boundaries, line.Frames, fps, ctx.Options);
        var ladderDir = Path.Combine(ctx.TempDir, output.Name);
        var sourcePixels = (double)ctx.Media.Video!.Width * ctx.Media.Video.Height;
        var hasAudio = ctx.Media.Audio is not null;
        var sized = renditions.Value!;
        var ops = sized.Select(r => new VideoOp(StreamAction.Encode, "h264", Crf: r.Spec.Crf,
            Bitrate: r.Spec.Crf is null ? r.Spec.VideoBitrate : null, Width: r.Width, Height: r.Height,
            MaxBitrate: r.Spec.MaxBitrate ?? r.Spec.VideoBitrate * 3 / 2)).ToList();
        // Each chunk is one task that decodes its frames once and encodes every rendition from them, as plain ffmpeg's
        // one-command ladder does: per-rendition tasks decoded the source once per rendition, and their 720p and
        // 360p chunks were very unequal tasks to balance.
        var pixelShare = sized.Sum(r => r.Width * (double)r.Height) / sourcePixels;
        var parts = new List<(int Index, string Path)>();
        for (var c = 0; c + 1 < chunks.Count; c++)
        {
            var (from, to) = (chunks[c], chunks[c + 1]);
            var seconds = (to - from) / fps;
            var path = Path.Combine(ctx.WorkDir, $"{output.Name}-{c:D4}.mkv");
            parts.Add((ctx.Add(new TaskSpec
            {
                TaskId = "", JobId = ctx.JobId, Index = 0, Kind = TaskKind.Video, SourcePath = ctx.Spec.SourcePath,
                Cuts = line.Slice(from, to), OutputPath = path, Muxer = "matroska", Video = ops[0], Renditions = ops,
                Audio = AudioOp.Drop,
                ForcedKeyframes = boundaries.Where(b => b >= from && b < to).Select(b => (b - from) / fps).ToList(),
                Duration = seconds, Weight = seconds * pixelShare,
                MapPath = ctx.Spec.MapPath, MapTables = ctx.Spec.MapTables,
            }, output.Name), path));
        }
        var video = new List<TrackPackage>();
        for (var i = 0; i < sized.Count; i++)
        {
            var r = sized[i];
            var joined = Path.Combine(ctx.WorkDir, $"{output.Name}-{r.Spec.Name}.mp4");
            ctx.Add(new TaskSpec
            {
                TaskId = "", JobId = ctx.JobId, Index = 0, Kind = TaskKind.Join, SourcePath = ctx.Spec.SourcePath,
                VideoParts = parts.Select(p => p.Path).ToList(), VideoTrack = i, OutputPath = joined, Muxer = "mp4",
                Video = VideoOp.Copy, Audio = AudioOp.Drop, FragmentSeconds = 0, Duration = line.Seconds,
                Weight = line.Seconds * JoinWeight, DependsOn = parts.Select(p => p.Index).ToList(),
            }, output.Name);
            video.Add(new TrackPackage(r.Spec.Name, joined, Path.Combine(ladderDir, r.Spec.Name), r.Width, r.Height, fps,
                r.Spec.VideoBitrate, hasAudio ? OutputLayout.AudioRendition(r.Spec.AudioBitrate) : null));
        }

        var audio = new List<TrackPackage>();
        if (hasAudio)
        {
            // One audio rendition per bitrate, encoded once for the whole edit list (per-chunk AAC would put priming
            // gaps at every chunk edge), in fragments of about a segment.
            foreach (var bitrate in sized.Select(r => r.Spec.AudioBitrate).Distinct())
            {
                var group = OutputLayout.AudioRendition(bitrate);
                var path = Path.Combine(ctx.WorkDir, $"{output.Name}-{group}.mp4");
                ctx.Add(new TaskSpec
                {
                    TaskId = "", JobId = ctx.JobId, Index = 0, Kind = TaskKind.Audio, SourcePath = ctx.Spec.SourcePath,
                    Cuts = line.AudioCuts, OutputPath = path, Muxer = "mp4", Video = VideoOp.Drop,
                    Audio = new AudioOp(StreamAction.Encode, "aac", bitrate), FragmentSeconds = ladder.SegmentSeconds,
                    Duration = line.AudioSeconds, Weight = line.AudioSeconds * AudioWeight,
                }, output.Name);
                audio.Add(new TrackPackage(group, path, Path.Combine(ladderDir, group), 0, 0, 0, bitrate, group));
            }
        }
        ctx.Ladders.Add(new LadderPackage(output.Name, ladderDir, ladder.Hls, ladder.Dash, ladder.SegmentSeconds, video, audio));
        return null;
    }

    private static Failure? AddThumbnails(Context ctx, OutputSpec output)
    {
        var spec = output.Thumbnails!;
        Failure Invalid(string message) => new(ErrorCode.InvalidValue, $"outputs '{output.Name}': {message}");
        if (spec.IntervalSeconds <= 0) return Invalid("interval_seconds must be more than 0");
        if (spec.Sprite && spec.SpriteColumns < 1) return Invalid("sprite_columns must be at least 1");
        var timeline = ctx.Timeline(output);
        if (!timeline.IsOk) return timeline.Error;
        var line = timeline.Value!;
        var source = ctx.Media.Video!;
        var shown = source.Displayed;
        var width = Even(spec.Width);
        var height = spec.Height is { } h ? Even(h) : Even(width * (double)shown.Height / shown.Width);
        if (width == 0 || height == 0)
            return Invalid($"a still of {spec.Width}x{spec.Height?.ToString(Inv) ?? "auto"} has no pixels (sizes are rounded to even numbers)");

        // A still at 0, I, 2I, ... strictly before the output's end.
        var count = Math.Max(1, (int)Math.Ceiling(line.Seconds / spec.IntervalSeconds - Epsilon));
        var columns = Math.Min(spec.SpriteColumns, count);
        var stills = new StillsOp(spec.IntervalSeconds, width, height, spec.Format, count, columns,
            (count + columns - 1) / columns);
        if (spec.Sprite && Math.Max((long)stills.Columns * width, (long)stills.Rows * height) > OutputLayout.MaxSpriteSide)
            return Invalid($"the sprite of {count} stills would be {stills.Columns * (long)width}x{stills.Rows * (long)height} pixels, " +
                           $"more than {OutputLayout.MaxSpriteSide} a side: raise interval_seconds or lower width or sprite_columns");
        var stream = Path.Combine(ctx.WorkDir, $"{output.Name}-stills.{OutputLayout.Extension(spec.Format)}");
        var picture = new VideoOp(StreamAction.Encode, spec.Format, Width: width, Height: height);
        var thumbnails = ctx.Add(new TaskSpec
        {
            TaskId = "", JobId = ctx.JobId, Index = 0, Kind = TaskKind.Thumbnails, SourcePath = ctx.Spec.SourcePath,
            Cuts = line.AudioCuts, OutputPath = stream, Muxer = "image2pipe", Video = picture, Audio = AudioOp.Drop,
            Stills = stills, Duration = line.Seconds, Weight = line.Seconds * StillsWeight,
            MapPath = ctx.Spec.MapPath, MapTables = ctx.Spec.MapTables,
        }, output.Name);
        var dir = Path.Combine(ctx.TempDir, output.Name);
        if (spec.Sprite)
        {
            ctx.Add(new TaskSpec
            {
                TaskId = "", JobId = ctx.JobId, Index = 0, Kind = TaskKind.Sprite, SourcePath = ctx.Spec.SourcePath,
                VideoParts = [stream], OutputPath = Path.Combine(dir, OutputLayout.Sprite(spec.Format)), Muxer = "image2",
                Video = picture, Audio = AudioOp.Drop, Stills = stills, Duration = line.Seconds,
                Weight = line.Seconds * SpriteWeight, DependsOn = [thumbnails],
            }, output.Name);
        }
        ctx.Stills.Add(new StillsPackage(output.Name, stream, dir, spec.Format, count, spec.IntervalSeconds, line.Seconds,
            spec.Sprite, columns, width, height));
        return null;
    }

    internal sealed record Rendition(RenditionSpec Spec, int Width, int Height);

    /// <summary>
    /// Every rendition's exact, even size from the source's aspect (so the manifests need no probe), after no_upscale:
    /// those larger than the source are left out, but the smallest is always kept, shrunk to the source if need be.
    /// </summary>
    internal static Result<IReadOnlyList<Rendition>> Renditions(OutputSpec output, VideoStreamInfo source, LadderSpec ladder,
        List<string> notes)
    {
        // Sizes follow the picture as shown: an anamorphic or a turned source sized by its coded picture would
        // come out squeezed or lying on its side in square pixels.
        var shown = source.Displayed;
        var aspect = (double)shown.Width / shown.Height;
        var sized = new List<Rendition>();
        foreach (var r in ladder.Renditions)
        {
            var (w, h) = (r.Width, r.Height) switch
            {
                ({ } rw, { } rh) => (Even(rw), Even(rh)),
                ({ } rw, null) => (Even(rw), Even(rw / aspect)),
                (null, { } rh) => (Even(rh * aspect), Even(rh)),
                _ => (0, 0),
            };
            if (w == 0 || h == 0)
                return Result<IReadOnlyList<Rendition>>.Fail(ErrorCode.InvalidValue,
                    $"outputs '{output.Name}': rendition '{r.Name}' has no pixels at {w}x{h} (sizes are rounded to even numbers)");
            sized.Add(new Rendition(r, w, h));
        }
        if (!ladder.NoUpscale) return Result<IReadOnlyList<Rendition>>.Ok(sized);

        bool Fits(Rendition r) => r.Width <= shown.Width && r.Height <= shown.Height;
        var kept = sized.Where(Fits).ToList();
        var dropped = sized.Where(r => !Fits(r)).ToList();
        if (kept.Count == 0)
        {
            // The smallest, shrunk to fit inside the source with its own aspect.
            var smallest = sized.MinBy(r => (long)r.Width * r.Height)!;
            var scale = Math.Min((double)shown.Width / smallest.Width, (double)shown.Height / smallest.Height);
            var fitted = new Rendition(smallest.Spec, EvenDown(smallest.Width * scale), EvenDown(smallest.Height * scale));
            kept.Add(fitted);
            dropped.Remove(smallest);
            notes.Add($"{output.Name}: no_upscale: every rendition is larger than the {shown.Width}x{shown.Height} source; " +
                      $"'{smallest.Spec.Name}' is kept at {fitted.Width}x{fitted.Height}");
        }
        if (dropped.Count > 0)
            notes.Add($"{output.Name}: no_upscale: left out " +
                      string.Join(", ", dropped.Select(r => $"'{r.Spec.Name}' ({r.Width}x{r.Height})")) +
                      $", larger than the {shown.Width}x{shown.Height} source");
        return Result<IReadOnlyList<Rendition>>.Ok(kept);
    }

    /// <summary>Output frame of each segment's start: the first frame at or after k x <paramref name="segmentSeconds"/>.</summary>
    public static IReadOnlyList<int> SegmentBoundaries(int frames, double fps, double segmentSeconds)
    {
        var boundaries = new List<int>();
        for (var k = 0; ; k++)
        {
            var frame = (int)Math.Ceiling(k * segmentSeconds * fps - Epsilon);
            if (frame >= frames) return boundaries;
            if (boundaries.Count == 0 || frame > boundaries[^1]) boundaries.Add(frame);
        }
    }

    /// <summary>
    /// Chunk edges in output frames (first of each chunk, then the end): runs of whole segments, as evenly shared as
    /// whole segments allow, as many as <see cref="TaskPlanner.ChunkSeconds"/> asks for the video's length.
    /// </summary>
    public static IReadOnlyList<int> ChunkEdges(IReadOnlyList<int> boundaries, int frames, double fps, PlanningOptions options)
    {
        var seconds = frames / fps;
        var wanted = (int)Math.Ceiling(seconds / TaskPlanner.ChunkSeconds(seconds, options) - Epsilon);
        var pieces = Math.Clamp(wanted, 1, boundaries.Count);
        var edges = new List<int>(pieces + 1);
        for (var p = 0; p < pieces; p++) edges.Add(boundaries[(int)((long)p * boundaries.Count / pieces)]);
        edges.Add(frames);
        return edges;
    }

    /// <summary>Sizes are even (4:2:0 chroma needs it): the even number nearest <paramref name="x"/>.</summary>
    private static int Even(double x) => Math.Max(0, 2 * (int)Math.Round(x / 2, MidpointRounding.AwayFromZero));

    private static int EvenDown(double x) => 2 * (int)Math.Floor(x / 2 + Epsilon);

    private static string Num(double x) => x.ToString("0.###", Inv);
}

/// <summary>
/// The output timeline of ladders and thumbnails: the job's cuts (or the whole source) back to back, whole frames of
/// the source's grid. Output frame j is the j-th kept source frame, shown at j / fps.
/// </summary>
/// <param name="Ranges">First source frame and frame count of each cut, in output order.</param>
/// <param name="AudioCuts">The cuts as a classic job's audio task reads them (blind pre-roll; one cut for the whole
/// source), also used by the thumbnails, which read every frame of the timeline.</param>
internal sealed record Timeline(FrameGrid Grid, IReadOnlyList<(int First, int Count)> Ranges, IReadOnlyList<SourceCut> AudioCuts,
    SeekMap Seeks)
{
    public int Frames => Ranges.Sum(r => r.Count);
    public double Seconds => Frames / Grid.Fps;
    public double AudioSeconds => AudioCuts.Sum(c => c.Duration);

    public static Result<Timeline> For(MediaInfo media, FrameGrid? grid, IReadOnlyList<SourceCut> jobCuts)
    {
        if (grid is null)
            return Result<Timeline>.Fail(ErrorCode.InvalidValue,
                "the source's video has no constant frame rate, so segments and stills cannot be placed on its frames");
        var cuts = jobCuts.Count > 0 ? jobCuts : [TaskPlanner.MakeCut(0, media.Duration, grid, media.StartTime)];
        if (cuts.Any(c => c.Frames is null or 0))
            return Result<Timeline>.Fail(ErrorCode.InvalidValue, "a segment holds no video frame of the source");
        var ranges = cuts.Select(c => (grid.FirstFrameAt(c.From), c.Frames!.Value)).ToList();
        return Result<Timeline>.Ok(new Timeline(grid, ranges, cuts, SeekMap.For(media, grid)));
    }

    /// <summary>
    /// The source cuts that make output frames [<paramref name="from"/>, <paramref name="to"/>): one per job cut the
    /// span touches, each seeking to the key frame before it, like a classic chunk.
    /// </summary>
    public IReadOnlyList<SourceCut> Slice(int from, int to)
    {
        var cuts = new List<SourceCut>();
        var offset = 0;
        foreach (var (first, count) in Ranges)
        {
            var lo = Math.Max(from, offset);
            var hi = Math.Min(to, offset + count);
            if (lo < hi)
            {
                var cut = TaskPlanner.FrameCut(first + lo - offset, hi - lo, Grid);
                cuts.Add(cut with { Seek = Seeks.For(cut.From).Seek });
            }
            offset += count;
        }
        return cuts;
    }
}
