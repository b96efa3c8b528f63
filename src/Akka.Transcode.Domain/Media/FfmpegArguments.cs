using System.Globalization;
using System.Text;
using Akka.Transcode.Domain.Tasks;

namespace Akka.Transcode.Domain.Media;

/// <summary>A file the worker writes before starting ffmpeg (concat lists), next to the task's output.</summary>
public sealed record AuxFile(string Path, string Content);

/// <summary>
/// An ffmpeg invocation as an argv list: never a shell string, so no file name can split or inject arguments.
/// </summary>
public sealed record FfmpegCommand(IReadOnlyList<string> Arguments, IReadOnlyList<AuxFile> Files);

/// <summary>
/// Builds ffmpeg arguments for a task. Every path goes through <see cref="FileUrl"/>, so a file named like an option
/// ("-y.mp4") or a protocol ("concat:a|b") is still just a file; and every input and the output carry the allow-lists
/// of <see cref="InputFormats"/>, so no file's content can make ffmpeg open anything else.
/// </summary>
public static class FfmpegArguments
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <param name="map">The task's stitching map, loaded and checked by the worker; required when the task has a
    /// <see cref="TaskSpec.MapPath"/>.</param>
    public static FfmpegCommand Build(TaskSpec task, int threads = 0, Maps.StitchMap? map = null)
    {
        CheckMap(task, map);
        CheckTracks(task);
        return task.Kind switch
        {
            TaskKind.Video when task.KeyframeCuts => KeyframeCut(task, threads),
            TaskKind.Transcode or TaskKind.Video or TaskKind.Audio => FromSource(task, threads, map),
            TaskKind.Join => Join(task, threads),
            TaskKind.Thumbnails => FromSource(task, threads, map),
            TaskKind.Sprite => Sprite(task, threads),
            _ => throw new ArgumentOutOfRangeException(nameof(task)),
        };
    }

    /// <summary>
    /// A map goes with a task that names one, and only with one that re-encodes the source's video: the planner
    /// never makes anything else, so a mismatch is a bug to stop at, not a map to drop silently.
    /// </summary>
    private static void CheckMap(TaskSpec task, Maps.StitchMap? map)
    {
        if (task.MapPath is null)
        {
            if (map is not null)
                throw new ArgumentException($"task {task.TaskId} has no map_path, but a map was given", nameof(map));
            return;
        }
        if (map is null)
            throw new ArgumentException($"task {task.TaskId} has map_path {task.MapPath}: its loaded map is required", nameof(map));
        if (task.Kind is not (TaskKind.Transcode or TaskKind.Video or TaskKind.Thumbnails) || task.KeyframeCuts
            || task.Video.Action != StreamAction.Encode)
            throw new ArgumentException(
                $"task {task.TaskId} ({task.Kind.Wire()}, video {task.Video.Action}) cannot apply a map: only re-encoded video can be remapped",
                nameof(task));
    }

    /// <summary>
    /// Several renditions in one task are a ladder chunk as the planner makes it, and a video track other than the
    /// first is only a join's: anything else is a bug to stop at, not a command to guess.
    /// </summary>
    private static void CheckTracks(TaskSpec t)
    {
        if (t.VideoTrack < 0 || (t.VideoTrack > 0 && t.Kind != TaskKind.Join))
            throw new ArgumentException($"task {t.TaskId}: video track {t.VideoTrack} (only a join picks a track, from 0)", nameof(t));
        if (t.Renditions.Count == 0) return;
        if (t.Renditions[0] != t.Video)
            throw new ArgumentException($"task {t.TaskId}: the first rendition must be the task's video", nameof(t));
        if (t.Kind != TaskKind.Video || t.KeyframeCuts || t.Cuts.Count == 0 || t.ForcedKeyframes.Count == 0
            || t.Audio.Action != StreamAction.Drop || t.Stills is not null
            || t.Renditions.Any(r => r is not { Action: StreamAction.Encode, Codec: "h264", Width: not null, Height: not null }))
            throw new ArgumentException(
                $"task {t.TaskId}: renditions make a ladder chunk: a video task with cuts and forced key frames, no audio, " +
                "every rendition h264 encoded at a set size", nameof(t));
    }

    /// <summary>The file: protocol makes ffmpeg treat the whole string as a local path.</summary>
    public static string FileUrl(string absolutePath)
    {
        if (!Path.IsPathRooted(absolutePath))
            throw new ArgumentException($"ffmpeg paths must be absolute: {absolutePath}", nameof(absolutePath));
        return "file:" + absolutePath;
    }

    public static string Seconds(double s) => s.ToString("0.######", Inv);

    private static List<string> Start() => ["-hide_banner", "-y"];

    private static FfmpegCommand FromSource(TaskSpec t, int threads, Maps.StitchMap? map)
    {
        var args = Start();
        var cuts = t.Cuts;
        // CheckTracks made sure several renditions come with cuts.
        var renditions = t.Renditions.Count > 1 ? t.Renditions : null;
        // A thread limit binds the decoder too: with slots sharing the cores, decoder threads would oversubscribe them.
        string[] decodeThreads = threads > 0 ? ["-threads", threads.ToString(Inv)] : [];
        // Remap tables are inputs after the source's: one per cut, or one for the whole source.
        var tablesAt = Math.Max(1, cuts.Count);
        if (cuts.Count == 0)
        {
            args.AddRange([.. InputFormats.SourceInputOptions, .. decodeThreads, "-i", FileUrl(t.SourcePath)]);
            AddTableInputs(args, map);
            var maps = new List<string>();
            if (t.Video.Action != StreamAction.Drop && map is Maps.RemapMap)
            {
                // remap has three inputs, which -vf cannot feed.
                args.AddRange(["-filter_complex", VideoChain("[0:v:0]", t, map, tablesAt) + "[vout]"]);
                maps.AddRange(["-map", "[vout]"]);
            }
            else if (t.Video.Action != StreamAction.Drop)
            {
                maps.AddRange(["-map", "0:v:0"]);
                var vf = VideoChain("", t, map, tablesAt);
                if (vf.Length > 0) maps.AddRange(["-vf", vf]);
            }
            if (t.Audio.Action != StreamAction.Drop) maps.AddRange(["-map", "0:a:0"]);
            // One output frame per source frame: for MP4 ffmpeg's default would make the video constant-rate from
            // the container's start and duplicate a frame where audio starts first (1801 frames of an 1800-frame TS),
            // while chunked jobs give exactly the source's frames.
            if (t.Video.Action == StreamAction.Encode) maps.AddRange(["-fps_mode", "passthrough"]);
            args.AddRange(maps);
        }
        else
        {
            // One input per cut, each seeked on its own to a pre-roll before it. Timestamps stay the source's own
            // (-copyts), so the trims below cut at exact source times whichever streams are mapped and wherever
            // the seek landed; ffmpeg's own accurate seeking is off because those trims do the exact part.
            args.Add("-copyts");
            foreach (var c in cuts)
            {
                args.Add("-noaccurate_seek");
                if (c.Seek > 0) args.AddRange(["-ss", Seconds(c.Seek)]);
                args.AddRange([.. InputFormats.SourceInputOptions, .. decodeThreads, "-i", FileUrl(t.SourcePath)]);
            }
            AddTableInputs(args, map);
            var graph = new StringBuilder();
            var concatInputs = new StringBuilder();
            var hasV = t.Video.Action != StreamAction.Drop;
            var hasA = t.Audio.Action != StreamAction.Drop;
            for (var i = 0; i < cuts.Count; i++)
            {
                var c = cuts[i];
                if (hasV)
                {
                    // Two trims: end_frame counts the frames the first trim lets through, not the decoded ones.
                    var take = c.Frames is { } n ? $"trim=end_frame={n}" : $"trim=duration={Seconds(c.Duration)}";
                    graph.Append($"[{i}:v:0]trim=start={Seconds(c.VideoTrimStart)},setpts=PTS-STARTPTS,{take},setpts=PTS-STARTPTS[v{i}];");
                    concatInputs.Append($"[v{i}]");
                }
                if (hasA)
                {
                    graph.Append($"[{i}:a:0]atrim=start={Seconds(c.AudioTrimStart)}:duration={Seconds(c.Duration)},asetpts=PTS-STARTPTS[a{i}];");
                    concatInputs.Append($"[a{i}]");
                }
            }
            var vOut = "[vcat]";
            graph.Append(concatInputs).Append($"concat=n={cuts.Count}:v={(hasV ? 1 : 0)}:a={(hasA ? 1 : 0)}");
            graph.Append(hasV ? "[vcat]" : "").Append(hasA ? "[acat]" : "");
            // The map works on the joined cuts (one filter instance, whatever the cut count), before any scale.
            var vf = hasV ? VideoChain("[vcat]", t, map, tablesAt, scaled: renditions is null) : "";
            if (vf.Length > 0)
            {
                graph.Append(map is Maps.RemapMap ? $";{vf}[vout]" : $";[vcat]{vf}[vout]");
                vOut = "[vout]";
            }
            if (renditions is null)
            {
                args.AddRange(["-filter_complex", graph.ToString()]);
                if (hasV) args.AddRange(["-map", vOut]);
            }
            else
            {
                // A ladder chunk decodes (and maps) its frames once and splits them, one scaled copy per rendition,
                // each its own video track: the same frames, so the same boundaries, in every rendition.
                var n = renditions.Count;
                graph.Append($";{vOut}split={n.ToString(Inv)}");
                for (var i = 0; i < n; i++) graph.Append($"[s{i.ToString(Inv)}]");
                for (var i = 0; i < n; i++)
                    graph.Append($";[s{i.ToString(Inv)}]{Scale(renditions[i], square: true)}[r{i.ToString(Inv)}]");
                args.AddRange(["-filter_complex", graph.ToString()]);
                for (var i = 0; i < n; i++) args.AddRange(["-map", $"[r{i.ToString(Inv)}]"]);
            }
            if (hasA) args.AddRange(["-map", "[acat]"]);
        }
        if (t.Stills is { } stills)
        {
            // Without passthrough, image2pipe (a muxer without timestamps) gets constant-rate output: ffmpeg repeats
            // every still to fill the gaps (measured: 10 stills out of 2 selected frames).
            if (t.Cuts.Count > 0) args.AddRange(["-fps_mode", "passthrough"]);
            args.AddRange(["-frames:v", stills.Count.ToString(Inv), .. StillEncoder(stills.Format), "-an", "-sn", "-dn"]);
            if (threads > 0) args.AddRange(["-threads", threads.ToString(Inv)]);
        }
        else
        {
            AddCodecs(args, renditions ?? [t.Video], t.Audio, threads);
            AddForcedKeyframes(args, t);
        }
        AddOutput(args, t);
        return new FfmpegCommand(args, []);
    }

    /// <summary>
    /// Key frames exactly at a ladder chunk's segment boundaries and nowhere else, so each segment of every rendition
    /// starts with an IDR frame at the same output frame. A forced time selects the first frame at or after it, so each
    /// is given a quarter frame early: rounding can then neither miss the boundary frame nor pick the one before.
    /// Closed GOPs (x264's default), forced key frames as IDR (-forced-idr), no scene-cut key frames
    /// (-sc_threshold 0) and a GOP longer than the task (-g) leave the forced ones the only key frames.
    /// Given without a stream specifier, these bind every video track of a ladder chunk alike (checked with ffmpeg
    /// 5.1): its renditions must switch at the same frames, so they never differ.
    /// </summary>
    private static void AddForcedKeyframes(List<string> args, TaskSpec t)
    {
        if (t.ForcedKeyframes.Count == 0) return;
        if (t.Video is not { Action: StreamAction.Encode, Codec: "h264" })
            throw new ArgumentException($"task {t.TaskId}: forced key frames need h264 video encoded", nameof(t));
        if (t.Cuts.Count == 0 || t.Cuts.Any(c => c.Frames is null))
            throw new ArgumentException($"task {t.TaskId}: forced key frames need frame-exact cuts", nameof(t));
        var frames = t.Cuts.Sum(c => c.Frames!.Value);
        var frame = t.Cuts.Sum(c => c.Duration) / frames;
        var times = string.Join(",", t.ForcedKeyframes.Select(k => Seconds(Math.Max(0, k - frame / 4))));
        args.AddRange(["-force_key_frames", times, "-forced-idr", "1", "-sc_threshold", "0",
            "-g", (frames + 1).ToString(Inv)]);
    }

    /// <summary>One still per frame the thumbnails task selects: JPEG at ffmpeg's -q:v 3 (about quality 85), or WebP.</summary>
    private static IEnumerable<string> StillEncoder(string format) => format switch
    {
        "jpeg" => ["-c:v", "mjpeg", "-q:v", "3"],
        "webp" => ["-c:v", "libwebp", "-quality", "80"],
        _ => throw new ArgumentException($"unknown still format {format}", nameof(format)),
    };

    /// <summary>
    /// The sprite sheet: every still of the thumbnails task's stream tiled into one picture, Columns x Rows (the last
    /// row padded). The stream is read only as the still format's own pipe demuxer (<see cref="InputFormats.StillsInputOptions"/>).
    /// -update 1 writes the one picture to the file named, whatever characters the name has (image2 would otherwise
    /// read a '%' in it as a sequence pattern).
    /// </summary>
    private static FfmpegCommand Sprite(TaskSpec t, int threads)
    {
        var stills = t.Stills ?? throw new ArgumentException($"sprite task {t.TaskId} has no stills", nameof(t));
        var stream = t.VideoParts.Count == 1
            ? t.VideoParts[0]
            : throw new ArgumentException($"sprite task {t.TaskId} needs exactly one still stream", nameof(t));
        var args = Start();
        args.AddRange([.. InputFormats.StillsInputOptions(stills.Format), "-i", FileUrl(stream),
            "-vf", $"tile={stills.Columns.ToString(Inv)}x{stills.Rows.ToString(Inv)}",
            "-frames:v", "1", "-update", "1", .. StillEncoder(stills.Format), "-an", "-sn", "-dn"]);
        if (threads > 0) args.AddRange(["-threads", threads.ToString(Inv)]);
        AddOutput(args, t);
        return new FfmpegCommand(args, []);
    }

    /// <summary>
    /// One range copied without decoding, from the key frame at <see cref="SourceCut.VideoTrimStart"/> (the worker
    /// finds it just before running) to the range's end. A plain input seek cannot be trusted to land on that key
    /// frame (MPEG-TS lands late), so ffmpeg seeks a pre-roll early and drops packets up to the key frame's own
    /// timestamp (-copyts, output -ss); timestamps then restart at zero so the parts join without overlaps.
    /// </summary>
    private static FfmpegCommand KeyframeCut(TaskSpec t, int threads)
    {
        var c = t.Cuts.Single();
        var args = Start();
        args.AddRange(["-copyts", "-noaccurate_seek"]);
        if (c.Seek > 0) args.AddRange(["-ss", Seconds(c.Seek)]);
        args.AddRange([.. InputFormats.SourceInputOptions, "-i", FileUrl(t.SourcePath), "-ss", Seconds(c.VideoTrimStart),
            "-to", Seconds(c.AudioTrimStart + c.Duration), "-map", "0:v:0"]);
        if (t.Audio.Action != StreamAction.Drop) args.AddRange(["-map", "0:a:0"]);
        AddCodecs(args, [t.Video], t.Audio, threads);
        args.AddRange(["-avoid_negative_ts", "make_zero"]);
        AddOutput(args, t);
        return new FfmpegCommand(args, []);
    }

    private static FfmpegCommand Join(TaskSpec t, int threads)
    {
        var list = new StringBuilder("ffconcat version 1.0\n");
        // Each part is held to the source formats again: the list's own allow-list admits concat, and a part (an
        // HTTP worker uploads them) that is itself a list or a playlist would otherwise be opened as one.
        foreach (var p in t.VideoParts) list.Append($"file {ConcatQuote(p)}\n").Append(InputFormats.ConcatEntryOptions);
        var listPath = t.OutputPath + ".ffconcat";
        var args = Start();
        // A part that cannot be opened is an error while reading, which ffmpeg would otherwise log and then end the
        // output there, successfully: -xerror makes it fail the task instead of leaving a join without its tail.
        args.Add("-xerror");
        args.AddRange([.. InputFormats.ConcatListInputOptions, "-i", FileUrl(listPath)]);
        // A ladder chunk's parts hold one video track per rendition; this join's rendition is VideoTrack.
        var maps = new List<string> { "-map", $"0:v:{t.VideoTrack.ToString(Inv)}" };
        if (t.Audio.Action != StreamAction.Drop && t.KeyframeCuts)
            maps.AddRange(["-map", "0:a:0"]); // the copied parts carry their audio
        else if (t.Audio.Action != StreamAction.Drop)
        {
            // Audio comes from the lossless audio part when it was cut or re-encoded, else straight from the source.
            args.AddRange([.. InputFormats.SourceInputOptions, "-i", FileUrl(t.AudioPart ?? t.SourcePath)]);
            maps.AddRange(["-map", "1:a:0"]);
        }
        args.AddRange(maps);
        AddCodecs(args, [VideoOp.Copy], t.Audio, threads);
        AddOutput(args, t);
        return new FfmpegCommand(args, [new AuxFile(listPath, list.ToString())]);
    }

    /// <summary>
    /// Quotes a path for an ffconcat "file" line: inside single quotes everything is literal, and a single quote is
    /// closed, escaped and reopened. The list is read line by line, so a line break in a name would add a directive
    /// of the name's choosing: such names are refused (MediaRoots refuses them earlier with -4).
    /// </summary>
    public static string ConcatQuote(string path)
    {
        if (!Path.IsPathRooted(path))
            throw new ArgumentException($"concat list paths must be absolute: {path}", nameof(path));
        if (path.Any(char.IsControl))
            throw new ArgumentException("a path with control characters cannot go into a concat list", nameof(path));
        return "'" + path.Replace("'", "'\\''") + "'";
    }

    /// <param name="square">Renditions and stills are sized exactly from the source's display aspect, so their pixels
    /// are square; the scale filter would otherwise keep the aspect through a sample aspect ratio such as 1280:1281.</param>
    private static string Scale(VideoOp v, bool square)
    {
        if (v.Action != StreamAction.Encode || (v.Width is null && v.Height is null)) return "";
        // -2 keeps the aspect ratio and an even size, which 4:2:0 encoders need.
        var scale = $"scale={v.Width?.ToString(Inv) ?? "-2"}:{v.Height?.ToString(Inv) ?? "-2"}";
        return square ? scale + ",setsar=1" : scale;
    }

    /// <summary>
    /// Thumbnails: the first frame at or after each multiple of the interval on the output timeline (as segment
    /// boundaries are chosen), a quarter frame's tolerance against timestamp rounding. Not the fps filter: it takes
    /// the last frame before the middle of each slot (measured with ffmpeg 5.1: fps=1/2 at 29.97 fps takes frames 29,
    /// 89, 149, 209 where the seconds 0, 2, 4, 6 are frames 0, 60, 120, 180).
    /// </summary>
    private static string StillSelect(TaskSpec t)
    {
        var s = t.Stills!;
        var frame = t.Cuts.Count > 0 && t.Cuts.All(c => c.Frames is > 0)
            ? t.Cuts.Sum(c => c.Duration) / t.Cuts.Sum(c => c.Frames!.Value)
            : 0.001;
        var i = Seconds(s.IntervalSeconds);
        var tol = Seconds(frame / 4);
        return $"select='eq(n,0)+gt(floor((t-start_t+{tol})/{i}),floor((prev_t-start_t+{tol})/{i}))'";
    }

    /// <summary>
    /// The video filters of a task: the map first (it defines the picture, and a table's coordinates refer to the
    /// source's pixels), then the scale unless <paramref name="scaled"/> is false (a ladder chunk scales after its
    /// split). A remap chain starts with its three input labels, the stream <paramref name="input"/> and the two
    /// tables; every other chain is bare filters for the caller to label.
    /// </summary>
    private static string VideoChain(string input, TaskSpec t, Maps.StitchMap? map, int tablesAt, bool scaled = true)
    {
        var scale = scaled ? Scale(t.Video, square: t.ForcedKeyframes.Count > 0 || t.Stills is not null) : "";
        var select = t.Stills is null ? null : StillSelect(t);
        string? mapFilter = map switch
        {
            null => null,
            Maps.V360Map v360 => V360Filter(v360),
            Maps.RemapMap => $"{input}[{tablesAt.ToString(Inv)}:v:0][{(tablesAt + 1).ToString(Inv)}:v:0]remap",
            _ => throw new ArgumentException($"unknown map {map.GetType().Name}", nameof(map)),
        };
        return string.Join(",", new[] { mapFilter, select, scale }.Where(f => !string.IsNullOrEmpty(f)));
    }

    /// <summary>
    /// v360 with the map's options. They were checked when the map file was read; the characters are checked
    /// again here because they go into a filter graph, where ':' ',' ';' '[' or '\'' would change its meaning.
    /// </summary>
    private static string V360Filter(Maps.V360Map map)
    {
        foreach (var (name, value) in map.Options)
        {
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
                throw new ArgumentException($"v360 option name '{name}' is not a plain name", nameof(map));
            if (value.Length == 0 || !value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-'))
                throw new ArgumentException($"v360 option {name} has a value that is not plain: '{value}'", nameof(map));
        }
        return "v360=" + string.Join(":", map.Options.Select(o => $"{o.Key}={o.Value}"));
    }

    /// <summary>
    /// Remap tables are read as PGM whatever their names: probing would hand a name such as "lens%d.pgm" to the
    /// image2 demuxer, which reads it as a numbered sequence (measured with ffmpeg 5.1: "Could find no file").
    /// One still image is enough: remap repeats its last table frame for every frame of the source.
    /// </summary>
    private static void AddTableInputs(List<string> args, Maps.StitchMap? map)
    {
        if (map is not Maps.RemapMap remap) return;
        args.AddRange([.. InputFormats.TableInputOptions, "-i", FileUrl(remap.XMapPath),
            .. InputFormats.TableInputOptions, "-i", FileUrl(remap.YMapPath)]);
    }

    /// <summary>The muxer is always named (the file name never decides) and the output is a local file.</summary>
    private static void AddOutput(List<string> args, TaskSpec t)
    {
        // Fragmented MP4 for CMAF segments: a fragment at every key frame (a ladder's join, whose key frames are its
        // segment boundaries) or every so many seconds (its audio); an empty moov and self-contained fragments so
        // the packager can cut init.mp4 and the segments out as bytes.
        if (t.FragmentSeconds is { } f)
            args.AddRange(f > 0
                ? ["-frag_duration", ((long)Math.Round(f * 1_000_000)).ToString(Inv), "-movflags", "+empty_moov+default_base_moof"]
                : ["-movflags", "+frag_keyframe+empty_moov+default_base_moof"]);
        args.AddRange([.. InputFormats.OutputOptions, "-f", t.Muxer, FileUrl(t.OutputPath)]);
    }

    /// <param name="video">One op for the one video track; several for a ladder chunk's tracks, each then set with
    /// its own stream specifier (-b:v:1, -crf:v:1, -maxrate:v:1 ...), which ffmpeg 5.1 applies to that track alone.</param>
    private static void AddCodecs(List<string> args, IReadOnlyList<VideoOp> video, AudioOp a, int threads)
    {
        for (var i = 0; i < video.Count; i++)
        {
            var v = video[i];
            int? track = video.Count > 1 ? i : null;
            string O(string option) => ForTrack(option, track);
            switch (v.Action)
            {
                case StreamAction.Drop: args.Add("-vn"); break;
                case StreamAction.Copy: args.AddRange([O("-c:v"), "copy"]); break;
                case StreamAction.Encode:
                    args.AddRange(VideoEncoder(v, O));
                    // A peak cap (VBV) with a buffer of twice the cap: about two seconds' worth at the average.
                    if (v.MaxBitrate is { } max)
                        args.AddRange([O("-maxrate"), max.ToString(Inv), O("-bufsize"), (2 * max).ToString(Inv)]);
                    if (v.NoBFrames) args.AddRange([O("-bf"), "0"]);
                    break;
            }
        }
        switch (a.Action)
        {
            case StreamAction.Drop: args.Add("-an"); break;
            case StreamAction.Copy: args.AddRange(["-c:a", "copy"]); break;
            case StreamAction.Encode: args.AddRange(AudioEncoder(a)); break;
        }
        args.AddRange(["-sn", "-dn"]);
        if (threads > 0) args.AddRange(["-threads", threads.ToString(Inv)]);
    }

    /// <summary>"-b:v" for the only video track, "-b:v:1" / "-crf:v:1" for the second of several.</summary>
    private static string ForTrack(string option, int? track) => track is not { } i ? option
        : option.EndsWith(":v", StringComparison.Ordinal) ? $"{option}:{i.ToString(Inv)}" : $"{option}:v:{i.ToString(Inv)}";

    private static IEnumerable<string> VideoEncoder(VideoOp v, Func<string, string> o)
    {
        var rate = v.Bitrate is { } b ? new[] { o("-b:v"), b.ToString(Inv) } : null;
        return v.Codec switch
        {
            "h264" => [o("-c:v"), "libx264", o("-preset"), v.Preset ?? "veryfast", .. rate ?? [o("-crf"), (v.Crf ?? 23).ToString(Inv)], o("-pix_fmt"), "yuv420p"],
            "hevc" => [o("-c:v"), "libx265", o("-preset"), v.Preset ?? "veryfast", .. rate ?? [o("-crf"), (v.Crf ?? 28).ToString(Inv)], o("-pix_fmt"), "yuv420p", o("-tag:v"), "hvc1", o("-x265-params"), "log-level=error"],
            "vp9" => [o("-c:v"), "libvpx-vp9", o("-deadline"), "good", o("-cpu-used"), "4", o("-row-mt"), "1", .. rate ?? [o("-crf"), (v.Crf ?? 32).ToString(Inv), o("-b:v"), "0"], o("-pix_fmt"), "yuv420p"],
            "av1" => [o("-c:v"), "libsvtav1", o("-preset"), "8", .. rate ?? [o("-crf"), (v.Crf ?? 35).ToString(Inv)], o("-pix_fmt"), "yuv420p"],
            _ => throw new ArgumentException($"unknown video codec {v.Codec}"),
        };
    }

    private static IEnumerable<string> AudioEncoder(AudioOp a)
    {
        string Rate(long fallback) => (a.Bitrate ?? fallback).ToString(Inv);
        return a.Codec switch
        {
            "aac" => ["-c:a", "aac", "-b:a", Rate(128_000)],
            "mp3" => ["-c:a", "libmp3lame", "-b:a", Rate(192_000)],
            "opus" => ["-c:a", "libopus", "-b:a", Rate(128_000)],
            "pcm_s16le" => ["-c:a", "pcm_s16le"],
            "flac" => ["-c:a", "flac"],
            _ => throw new ArgumentException($"unknown audio codec {a.Codec}"),
        };
    }
}
