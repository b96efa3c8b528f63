using System.Text.Json;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Maps;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Protocol.Requests;

namespace Akka.Transcode.Protocol.Workers;

/// <summary>
/// Turns a <see cref="TaskSpec"/> into the task object of /worker/add_task and back. Reading is strict: the worker
/// builds ffmpeg's arguments from these values, so every path, name and number is checked before it is used, even
/// though the caller holds a worker token.
/// </summary>
public static class WorkerTaskWire
{
    private static readonly HashSet<string> VideoCodecs = ["h264", "hevc", "vp9", "av1"];
    private static readonly HashSet<string> AudioCodecs = ["aac", "mp3", "opus", "pcm_s16le", "flac"];
    private static readonly HashSet<string> Muxers =
        ["flv", "mp4", "matroska", "mov", "mpegts", "webm", "mp3", "ipod", "wav", "flac", StillsMuxer, SpriteMuxer];
    private static readonly HashSet<string> StillFormats = ["jpeg", "webp"];
    /// <summary>The thumbnails task writes its stills back to back into one file; only it uses this muxer.</summary>
    private const string StillsMuxer = "image2pipe";
    /// <summary>The sprite task writes one image; only it uses this muxer.</summary>
    private const string SpriteMuxer = "image2";

    /// <summary>
    /// The most forced key frames one task takes: a chunk is a few minutes at most and a segment at least half a
    /// second, and the add_task body has to stay well under a worker's 1 MiB body limit.
    /// </summary>
    public const int MaxForcedKeyframes = 10_000;
    /// <summary>The most stills one thumbnails task makes (a still every 0.5 s of a 10-hour recording is 72 000).</summary>
    public const int MaxStills = 100_000;
    /// <summary>The largest sheet a sprite may be, per side: WebP's limit (JPEG's is 65 535).</summary>
    public const int MaxSpriteSide = Domain.Outputs.OutputLayout.MaxSpriteSide;
    private const double MaxFragmentSeconds = 3600;
    /// <summary>The most renditions one ladder chunk encodes (and so the most video tracks a join picks from).</summary>
    public const int MaxRenditions = 8;
    private static readonly HashSet<string> Presets =
        ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"];

    /// <summary>The header a worker presents the attempt's file_token in, on GET and PUT /master/files.</summary>
    public const string FileTokenHeader = "X-File-Token";

    public static WorkerTaskDto ToDto(TaskSpec t, int attempt)
    {
        WireFile File(string path) => new(path, t.FileIds.GetValueOrDefault(path));
        return new WorkerTaskDto
        {
            Id = t.TaskId, JobId = t.JobId, Attempt = attempt, Index = t.Index, Kind = t.Kind.Wire(),
            SrcFilename = t.SourcePath, SrcFileId = t.FileIds.GetValueOrDefault(t.SourcePath),
            DstDir = Path.GetDirectoryName(t.OutputPath)!, DstFilename = Path.GetFileName(t.OutputPath), DstFormat = t.Muxer,
            MapFilename = t.MapPath, MapFileId = t.MapPath is null ? null : t.FileIds.GetValueOrDefault(t.MapPath),
            MapTables = t.MapTables.Count == 0 ? null : t.MapTables.Select(m => File(m.Path) with { Name = m.Name }).ToList(),
            FromTime = t.FromTime, ToTime = t.ToTime, Duration = t.Duration,
            Cuts = t.Cuts.Count == 0 ? null
                : t.Cuts.Select(c => new WireCut(c.From, c.To, c.Seek, c.VideoTrimStart, c.AudioTrimStart, c.Frames, c.Duration)).ToList(),
            KeyframeCuts = t.KeyframeCuts,
            Parts = t.VideoParts.Count == 0 ? null : t.VideoParts.Select(File).ToList(),
            AudioPart = t.AudioPart is null ? null : File(t.AudioPart),
            Video = WireOf(t.Video),
            Renditions = t.Renditions.Count == 0 ? null : t.Renditions.Select(WireOf).ToList(),
            VideoTrack = t.VideoTrack == 0 ? null : t.VideoTrack,
            Audio = new WireAudio(Action(t.Audio.Action), Blank(t.Audio.Codec), t.Audio.Bitrate),
            ForcedKeyframes = t.ForcedKeyframes.Count == 0 ? null : t.ForcedKeyframes,
            FragmentSeconds = t.FragmentSeconds,
            Stills = t.Stills is not { } s ? null
                : new WireStills(s.IntervalSeconds, s.Width, s.Height, s.Format, s.Count, s.Columns, s.Rows),
            OutputName = t.OutputName,
            FileToken = t.FileToken,
        };
    }

    private static WireVideo WireOf(VideoOp v) =>
        new(Action(v.Action), Blank(v.Codec), v.Crf, v.Preset, v.Bitrate, v.Width, v.Height, v.NoBFrames, v.MaxBitrate);

    /// <summary>The add_task request body.</summary>
    public static byte[] RequestBody(TaskSpec t, int attempt) =>
        JsonSerializer.SerializeToUtf8Bytes(new { type = 0, task = ToDto(t, attempt) }, ProtocolJson.Options);

    /// <summary>
    /// Reads an add_task body: invalid JSON -3; a missing field or a wrong JSON type -2; a bad value -4.
    /// </summary>
    public static Result<(TaskSpec Spec, int Attempt)> Parse(ReadOnlySpan<byte> utf8)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(utf8.ToArray()); }
        catch (JsonException e) { return Result<(TaskSpec, int)>.Fail(ErrorCode.InvalidJson, $"invalid JSON: {e.Message}"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return Result<(TaskSpec, int)>.Fail(ErrorCode.InvalidRequest, "body: expected a JSON object");
            if (root.TryGetProperty("type", out var type) && !(type.ValueKind == JsonValueKind.Number && type.TryGetInt32(out var ty) && ty == 0))
                return Result<(TaskSpec, int)>.Fail(ErrorCode.InvalidRequest, "type: must be 0 for a request");
            if (!root.TryGetProperty("task", out var task) || task.ValueKind != JsonValueKind.Object)
                return Result<(TaskSpec, int)>.Fail(ErrorCode.InvalidRequest, "task: required object is missing");
            WorkerTaskDto? dto;
            try { dto = task.Deserialize<WorkerTaskDto>(ProtocolJson.Options); }
            catch (JsonException e) { return Result<(TaskSpec, int)>.Fail(ErrorCode.InvalidRequest, Describe(e, task)); }
            if (dto is null) return Result<(TaskSpec, int)>.Fail(ErrorCode.InvalidRequest, "task: must not be null");
            if (NullField(dto) is { } field)
                return Result<(TaskSpec, int)>.Fail(ErrorCode.InvalidRequest, $"task.{field}: required field is null");
            var spec = ToSpec(dto);
            return spec.IsOk ? Result<(TaskSpec, int)>.Ok((spec.Value!, dto.Attempt)) : spec.Error!;
        }
    }

    public static Result<TaskSpec> ToSpec(WorkerTaskDto d)
    {
        static Result<TaskSpec> Bad(string field, string message) =>
            Result<TaskSpec>.Fail(ErrorCode.InvalidValue, $"task.{field}: {message}");

        if (!ProtocolId.IsValid(d.Id)) return Bad("id", "not a valid id");
        if (!ProtocolId.IsValid(d.JobId)) return Bad("job_id", "not a valid id");
        if (d.Attempt < 1) return Bad("attempt", "must be 1 or more");
        if (d.Index < 0) return Bad("index", "must not be negative");
        TaskKind? kind = d.Kind switch
        {
            "transcode" => TaskKind.Transcode, "video" => TaskKind.Video, "audio" => TaskKind.Audio, "join" => TaskKind.Join,
            "thumbnails" => TaskKind.Thumbnails, "sprite" => TaskKind.Sprite, _ => null,
        };
        if (kind is null) return Bad("kind", $"unknown kind '{d.Kind}' (transcode, video, audio, join, thumbnails, sprite)");
        if (PathProblem(d.SrcFilename) is { } sp) return Bad("src_filename", sp);
        if (PathProblem(d.DstDir) is { } dp) return Bad("dst_dir", dp);
        if (d.DstFilename.Length == 0 || d.DstFilename.Contains('/') || d.DstFilename.Contains('\\') || d.DstFilename is "." or ".."
            || d.DstFilename.Any(char.IsControl))
            return Bad("dst_filename", "must be a plain file name");
        if (!Muxers.Contains(d.DstFormat)) return Bad("dst_format", $"unsupported muxer '{d.DstFormat}'");
        // The image muxers write what only these two kinds make, and these kinds write nothing else.
        if ((d.DstFormat == StillsMuxer) != (kind == TaskKind.Thumbnails))
            return Bad("dst_format", $"a thumbnails task, and only it, writes {StillsMuxer}");
        if ((d.DstFormat == SpriteMuxer) != (kind == TaskKind.Sprite))
            return Bad("dst_format", $"a sprite task, and only it, writes {SpriteMuxer}");
        if (!Positive(d.Duration)) return Bad("duration", "must be a positive number of seconds");
        // It goes back to the master in a header: nothing that could bend one.
        if (d.FileToken is { } ft && !IsFileToken(ft)) return Bad("file_token", "must be 16..128 of [A-Za-z0-9_-]");

        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        string? IdProblem(string path, string? id)
        {
            if (id is null) return null;
            if (!IsMd5(id)) return $"'{id}' is not an MD5 in hex";
            ids[path] = id.ToLowerInvariant();
            return null;
        }
        if (IdProblem(d.SrcFilename, d.SrcFileId) is { } sid) return Bad("src_file_id", sid);

        if (d.MapFilename is not null)
        {
            if (PathProblem(d.MapFilename) is { } mp) return Bad("map_filename", mp);
            if (IdProblem(d.MapFilename, d.MapFileId) is { } mid) return Bad("map_file_id", mid);
        }
        else if (d.MapFileId is not null || d.MapTables is { Count: > 0 })
            return Bad("map_filename", "map_file_id and map_tables need a map_filename");
        var tables = new List<MapTable>();
        foreach (var (t, i) in (d.MapTables ?? []).Select((t, i) => (t, i)))
        {
            if (PathProblem(t.Filename) is { } tp) return Bad($"map_tables[{i}].filename", tp);
            if (t.Name is null || RelativeNameProblem(t.Name) is not null)
                return Bad($"map_tables[{i}].name", RelativeNameProblem(t.Name ?? "") ?? "required");
            if (IdProblem(t.Filename, t.FileId) is { } tid) return Bad($"map_tables[{i}].file_id", tid);
            tables.Add(new MapTable(t.Name, t.Filename));
        }

        var cuts = new List<SourceCut>();
        foreach (var (c, i) in (d.Cuts ?? []).Select((c, i) => (c, i)))
        {
            if (!NonNegative(c.From) || !NonNegative(c.To) || c.To <= c.From || !NonNegative(c.Seek)
                || !NonNegative(c.VideoTrimStart) || !NonNegative(c.AudioTrimStart) || !Positive(c.Duration) || c.Frames is < 0)
                return Bad($"cuts[{i}]", "times must be finite, not negative, with from < to and a positive duration");
            cuts.Add(new SourceCut(c.From, c.To, c.Seek, c.VideoTrimStart, c.AudioTrimStart, c.Frames, c.Duration));
        }

        var parts = new List<string>();
        foreach (var (p, i) in (d.Parts ?? []).Select((p, i) => (p, i)))
        {
            if (PathProblem(p.Filename) is { } pp) return Bad($"parts[{i}].filename", pp);
            if (IdProblem(p.Filename, p.FileId) is { } pid) return Bad($"parts[{i}].file_id", pid);
            parts.Add(p.Filename);
        }
        if (d.AudioPart is { } ap)
        {
            if (PathProblem(ap.Filename) is { } app) return Bad("audio_part.filename", app);
            if (IdProblem(ap.Filename, ap.FileId) is { } apid) return Bad("audio_part.file_id", apid);
        }
        if (kind == TaskKind.Join && parts.Count == 0) return Bad("parts", "a join needs at least one part");
        // A sprite reads the still stream another task made, which travels like a join's part.
        if (kind == TaskKind.Sprite && (parts.Count != 1 || d.AudioPart is not null))
            return Bad("parts", "a sprite reads exactly one part, the still stream, and no audio_part");
        if (kind is not (TaskKind.Join or TaskKind.Sprite) && (parts.Count > 0 || d.AudioPart is not null))
            return Bad("parts", "only a join or a sprite has parts");

        var video = Video(d.Video);
        if (!video.IsOk) return Bad("video", video.Error!.Message);
        var audio = Audio(d.Audio);
        if (!audio.IsOk) return Bad("audio", audio.Error!.Message);
        // What ffmpeg cannot run is refused here (-4, the attempt fails at once) rather than failing in ffmpeg (-1,
        // retried): the master never sends these (docs/worker-protocol.md "Which combinations the master sends").
        var (v, a) = (video.Value!, audio.Value!);
        // A job's map applies to every output of an output group: thumbnails are taken from the stitched picture.
        if (d.MapFilename is not null && kind != TaskKind.Thumbnails
            && (kind is not (TaskKind.Transcode or TaskKind.Video) || d.KeyframeCuts || v.Action != StreamAction.Encode))
            return Bad("map_filename", "a stitching map applies only to encoded video of a transcode or video task, and to thumbnails");
        if (d.KeyframeCuts && kind == TaskKind.Video && (cuts.Count != 1 || v.Action != StreamAction.Copy))
            return Bad("keyframe_cuts", "a video task with keyframe_cuts copies exactly one cut (video action copy)");
        if (d.KeyframeCuts && kind is TaskKind.Transcode or TaskKind.Audio or TaskKind.Thumbnails or TaskKind.Sprite)
            return Bad("keyframe_cuts", "only video and join tasks take keyframe_cuts");
        if (!d.KeyframeCuts && cuts.Count > 0 && (v.Action == StreamAction.Copy || a.Action == StreamAction.Copy))
            return Bad("cuts", "a copied stream cannot be cut exactly: copy with cuts needs keyframe_cuts");
        if (kind == TaskKind.Join && cuts.Count > 0) return Bad("cuts", "a join has no cuts");
        if (kind == TaskKind.Join && v.Action != StreamAction.Copy) return Bad("video", "a join copies the parts' video: action must be copy");
        if (kind == TaskKind.Sprite && cuts.Count > 0)
            return Bad("cuts", "a sprite tiles a still stream: it has no cuts");

        var keyframes = d.ForcedKeyframes ?? [];
        if (ForcedKeyframesProblem(keyframes, d.Duration) is { } fk) return Bad("forced_keyframes", fk);
        if (keyframes.Count > 0 && (kind is not (TaskKind.Transcode or TaskKind.Video) || v.Action != StreamAction.Encode))
            return Bad("forced_keyframes", "only encoded video of a transcode or video task takes forced key frames");
        if (d.FragmentSeconds is { } fs && (!NonNegative(fs) || fs > MaxFragmentSeconds))
            return Bad("fragment_seconds", $"must be null, 0 (a fragment per key frame) or a number of seconds up to {MaxFragmentSeconds}");
        if (d.FragmentSeconds is not null && d.DstFormat != "mp4") return Bad("fragment_seconds", "only an mp4 output is written fragmented");

        var renditions = new List<VideoOp>();
        if (d.Renditions is { } wireRenditions)
        {
            if (wireRenditions.Count is < 1 or > MaxRenditions) return Bad("renditions", $"must hold 1..{MaxRenditions} renditions");
            for (var i = 0; i < wireRenditions.Count; i++)
            {
                var r = Video(wireRenditions[i]);
                if (!r.IsOk) return Bad($"renditions[{i}]", r.Error!.Message);
                // Exactly what a ladder chunk's arguments need: h264 at a set size (the forced key frames need h264).
                if (r.Value! is not { Action: StreamAction.Encode, Codec: "h264", Width: not null, Height: not null })
                    return Bad($"renditions[{i}]", "a rendition is h264 encoded (action encode) with width and height");
                renditions.Add(r.Value!);
            }
            if (kind != TaskKind.Video || d.KeyframeCuts || keyframes.Count == 0 || cuts.Count == 0 || a.Action != StreamAction.Drop)
                return Bad("renditions", "only a video task with cuts, forced_keyframes and audio dropped (a ladder chunk) has renditions");
            if (renditions[0] != v) return Bad("renditions", "the first rendition must be the task's video");
        }
        if (d.VideoTrack is { } track && (track is < 0 or >= MaxRenditions || (track > 0 && kind != TaskKind.Join)))
            return Bad("video_track", $"must be 0..{MaxRenditions - 1}, and more than 0 only on a join");

        StillsOp? stills = null;
        if (d.Stills is { } st)
        {
            if (kind is not (TaskKind.Thumbnails or TaskKind.Sprite)) return Bad("stills", "only a thumbnails or sprite task has stills");
            if (StillsProblem(st, kind.Value) is { } sp2) return Bad("stills", sp2);
            stills = new StillsOp(st.IntervalSeconds, st.Width, st.Height, st.Format, st.Count, st.Columns, st.Rows);
        }
        else if (kind is TaskKind.Thumbnails or TaskKind.Sprite) return Bad("stills", $"a {d.Kind} task needs stills");
        // A thumbnails or sprite task encodes its stills in their format; no other task may name an image format.
        if (kind is TaskKind.Thumbnails or TaskKind.Sprite
                ? v.Action != StreamAction.Encode || v.Codec != stills?.Format
                : v.Action == StreamAction.Encode && StillFormats.Contains(v.Codec))
            return Bad("video", kind is TaskKind.Thumbnails or TaskKind.Sprite
                ? "thumbnails and sprite tasks encode their stills: action encode with the stills' format as codec"
                : $"codec {v.Codec} is an image format, for thumbnails and sprite tasks only");
        if (d.OutputName is { } on && !IsOutputName(on)) return Bad("output_name", "must be 1..64 of [A-Za-z0-9_-]");

        return Result<TaskSpec>.Ok(new TaskSpec
        {
            TaskId = d.Id, JobId = d.JobId, Index = d.Index, Kind = kind.Value, SourcePath = d.SrcFilename, Cuts = cuts,
            KeyframeCuts = d.KeyframeCuts, VideoParts = parts, AudioPart = d.AudioPart?.Filename,
            OutputPath = Path.Combine(d.DstDir, d.DstFilename), Muxer = d.DstFormat, Video = video.Value!, Audio = audio.Value!,
            Duration = d.Duration, Weight = d.Duration, MapPath = d.MapFilename, MapTables = tables, FileIds = ids,
            FileToken = d.FileToken, ForcedKeyframes = keyframes.ToList(), FragmentSeconds = d.FragmentSeconds, Stills = stills,
            OutputName = d.OutputName, Renditions = renditions, VideoTrack = d.VideoTrack ?? 0,
        });
    }

    /// <summary>
    /// Each time becomes a -force_key_frames entry: finite, inside the output, strictly increasing (a repeat or a
    /// step back means the list was not made by a planner), and not so many that the argument list explodes.
    /// </summary>
    private static string? ForcedKeyframesProblem(IReadOnlyList<double> times, double duration)
    {
        if (times.Count > MaxForcedKeyframes) return $"at most {MaxForcedKeyframes} times";
        for (var i = 0; i < times.Count; i++)
        {
            if (!NonNegative(times[i]) || times[i] > duration)
                return $"[{i}] must be a finite number of seconds from 0 to the task's duration";
            if (i > 0 && times[i] <= times[i - 1]) return $"[{i}] must be greater than the time before it (strictly increasing)";
        }
        return null;
    }

    /// <summary>
    /// The stills' numbers size ffmpeg's filters and the images: each within what an image can be, and a sprite's
    /// grid big enough for every still yet small enough to be one image.
    /// </summary>
    private static string? StillsProblem(WireStills s, TaskKind kind)
    {
        if (s.Format is null || !StillFormats.Contains(s.Format)) return $"unknown format '{s.Format}' (jpeg, webp)";
        if (!Positive(s.IntervalSeconds) || s.IntervalSeconds > 86_400) return "interval_seconds must be a positive number of seconds up to 86400";
        if (s.Width is < 16 or > 16384 || s.Height is < 16 or > 16384) return "width and height must be 16..16384";
        if (s.Count is < 1 or > MaxStills) return $"count must be 1..{MaxStills}";
        if (s.Columns < 0 || s.Rows < 0) return "columns and rows must not be negative";
        if (kind != TaskKind.Sprite) return null;
        if (s.Columns < 1 || s.Rows < 1 || (long)s.Columns * s.Rows < s.Count)
            return "a sprite needs columns and rows of at least 1 whose grid holds every still";
        if ((long)s.Columns * s.Width > MaxSpriteSide || (long)s.Rows * s.Height > MaxSpriteSide)
            return $"the sheet (columns x width, rows x height) must be at most {MaxSpriteSide} pixels a side";
        return null;
    }

    /// <summary>
    /// A required field sent as JSON null: System.Text.Json lets null into a non-nullable string or object, and
    /// nothing after this point expects one.
    /// </summary>
    private static string? NullField(WorkerTaskDto d)
    {
        (object? Value, string Name)[] required =
        [
            (d.Id, "id"), (d.JobId, "job_id"), (d.Kind, "kind"), (d.SrcFilename, "src_filename"), (d.DstDir, "dst_dir"),
            (d.DstFilename, "dst_filename"), (d.DstFormat, "dst_format"), (d.Video, "video"), (d.Video?.Action, "video.action"),
            (d.Audio, "audio"), (d.Audio?.Action, "audio.action"),
        ];
        if (required.FirstOrDefault(r => r.Value is null) is { Name: { } missing }) return missing;
        for (var i = 0; i < (d.Cuts?.Count ?? 0); i++)
            if (d.Cuts![i] is null) return $"cuts[{i}]";
        foreach (var (list, name) in new[] { (d.Parts, "parts"), (d.MapTables, "map_tables") })
            for (var i = 0; i < (list?.Count ?? 0); i++)
            {
                if (list![i] is null) return $"{name}[{i}]";
                if (list[i].Filename is null) return $"{name}[{i}].filename";
            }
        for (var i = 0; i < (d.Renditions?.Count ?? 0); i++)
        {
            if (d.Renditions![i] is null) return $"renditions[{i}]";
            if (d.Renditions[i].Action is null) return $"renditions[{i}].action";
        }
        if (d.AudioPart is { Filename: null }) return "audio_part.filename";
        if (d.Stills is { Format: null }) return "stills.format";
        return null;
    }

    private static Result<VideoOp> Video(WireVideo v)
    {
        switch (v.Action)
        {
            case "drop": return Result<VideoOp>.Ok(VideoOp.Drop);
            case "copy": return Result<VideoOp>.Ok(VideoOp.Copy);
            case "encode": break;
            default: return Result<VideoOp>.Fail(ErrorCode.InvalidValue, $"unknown action '{v.Action}' (drop, copy, encode)");
        }
        // Stills are "encoded" in their image format (thumbnails, sprite): which kind may use which is checked below.
        if (v.Codec is null || !(VideoCodecs.Contains(v.Codec) || StillFormats.Contains(v.Codec)))
            return Result<VideoOp>.Fail(ErrorCode.InvalidValue, $"unknown codec '{v.Codec}'");
        if (v.Crf is < 0 or > 63) return Result<VideoOp>.Fail(ErrorCode.InvalidValue, "crf must be 0..63");
        if (v.Preset is not null && !Presets.Contains(v.Preset)) return Result<VideoOp>.Fail(ErrorCode.InvalidValue, $"unknown preset '{v.Preset}'");
        if (v.Bitrate is <= 0) return Result<VideoOp>.Fail(ErrorCode.InvalidValue, "bitrate must be positive");
        if (v.Width is < 16 or > 16384 || v.Height is < 16 or > 16384)
            return Result<VideoOp>.Fail(ErrorCode.InvalidValue, "width and height must be 16..16384");
        if (v.MaxBitrate is <= 0) return Result<VideoOp>.Fail(ErrorCode.InvalidValue, "max_bitrate must be positive");
        return Result<VideoOp>.Ok(new VideoOp(StreamAction.Encode, v.Codec, v.Crf, v.Preset, v.Bitrate, v.Width, v.Height, v.NoBFrames, v.MaxBitrate));
    }

    private static Result<AudioOp> Audio(WireAudio a)
    {
        switch (a.Action)
        {
            case "drop": return Result<AudioOp>.Ok(AudioOp.Drop);
            case "copy": return Result<AudioOp>.Ok(AudioOp.Copy);
            case "encode": break;
            default: return Result<AudioOp>.Fail(ErrorCode.InvalidValue, $"unknown action '{a.Action}' (drop, copy, encode)");
        }
        if (a.Codec is null || !AudioCodecs.Contains(a.Codec))
            return Result<AudioOp>.Fail(ErrorCode.InvalidValue, $"unknown codec '{a.Codec}'");
        if (a.Bitrate is <= 0) return Result<AudioOp>.Fail(ErrorCode.InvalidValue, "bitrate must be positive");
        return Result<AudioOp>.Ok(new AudioOp(StreamAction.Encode, a.Codec, a.Bitrate));
    }

    /// <summary>Paths reach ffmpeg and the file system: absolute, normalised, and nothing that could bend them.</summary>
    private static string? PathProblem(string path)
    {
        if (path.Length == 0) return "must not be empty";
        if (path.Any(char.IsControl)) return "contains a control character";
        if (!Path.IsPathFullyQualified(path)) return "must be an absolute path";
        if (path.Split('/', '\\').Any(s => s is "." or "..")) return "must not contain . or .. segments";
        return null;
    }

    private static string? RelativeNameProblem(string name)
    {
        if (name.Length == 0 || name.Any(char.IsControl)) return "must be a non-empty name";
        if (Path.IsPathRooted(name)) return "must be relative to the map file";
        if (name.Split('/', '\\').Any(s => s is "" or "." or "..")) return "must not contain empty, . or .. segments";
        return null;
    }

    /// <summary>What a master's file token (add_task's file_token, the X-File-Token header) may look like.</summary>
    public static bool IsFileToken(string? s) =>
        s is { Length: >= 16 and <= 128 } && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>add_job's output names: they become file and folder names on the master.</summary>
    private static bool IsOutputName(string s) =>
        s is { Length: >= 1 and <= 64 } && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public static bool IsMd5(string? s) => s is { Length: 32 } && s.All(char.IsAsciiHexDigit);

    private static bool Positive(double x) => double.IsFinite(x) && x > 0;
    private static bool NonNegative(double x) => double.IsFinite(x) && x >= 0;
    private static string Action(StreamAction a) => a.ToString().ToLowerInvariant();
    private static string? Blank(string s) => s.Length == 0 ? null : s;

    // System.Text.Json's messages name .NET types and byte positions; the peer needs the field and what was wrong.
    private static string Describe(JsonException e, JsonElement task)
    {
        var missing = System.Text.RegularExpressions.Regex.Match(e.Message, @"missing required properties including: '([^']+)'");
        if (missing.Success) return $"task.{missing.Groups[1].Value}: required field is missing";
        var path = e.Path is { Length: > 2 } p && p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : null;
        if (path is null) return "task: not a valid task object";
        var kind = task.TryGetProperty(path.Split('.', '[')[0], out var value) ? value.ValueKind.ToString().ToLowerInvariant() : "value";
        return $"task.{path}: wrong JSON type ({kind})";
    }
}
