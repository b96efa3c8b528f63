namespace Akka.Transcode.Domain.Tasks;

/// <summary>
/// What kind of work a task is. A whole job that fits one task is <see cref="Transcode"/>; a chunked job is
/// <see cref="Video"/> chunks plus one <see cref="Audio"/> task for the whole edit list, then a <see cref="Join"/>.
/// An output-group job adds <see cref="Thumbnails"/> (stills from the source, back to back in one file) and
/// <see cref="Sprite"/> (one sheet tiled from that file).
/// </summary>
public enum TaskKind { Transcode, Video, Audio, Join, Thumbnails, Sprite }

public enum StreamAction { Drop, Copy, Encode }

/// <summary>
/// One range read from the source, in output order. <see cref="From"/> and <see cref="To"/> are seconds after the
/// container's start, as clients write segments. ffmpeg reads with the source's own timestamps (-copyts): it seeks
/// to <see cref="Seek"/>, a pre-roll before the range, because a container without an index (MPEG-TS) can land up
/// to a GOP after the asked time; then video is kept from the timestamp <see cref="VideoTrimStart"/> (half a frame
/// before the first wanted frame, so rounding can neither drop it nor keep the one before) for exactly
/// <see cref="Frames"/> frames, and audio from <see cref="AudioTrimStart"/>, the first frame's own timestamp.
/// </summary>
public sealed record SourceCut(double From, double To, double Seek, double VideoTrimStart, double AudioTrimStart,
    int? Frames, double Duration);

/// <param name="NoBFrames">For containers without edit lists (FLV), where B-frame reordering delay would show as a
/// late first frame and a longer file.</param>
/// <param name="MaxBitrate">A peak cap (VBV, buffer twice the cap): with <paramref name="Crf"/> a capped CRF, with
/// <paramref name="Bitrate"/> an average held under the cap. Ladder renditions always have one.</param>
public sealed record VideoOp(StreamAction Action, string Codec = "", int? Crf = null, string? Preset = null,
    long? Bitrate = null, int? Width = null, int? Height = null, bool NoBFrames = false, long? MaxBitrate = null)
{
    public static readonly VideoOp Drop = new(StreamAction.Drop);
    public static readonly VideoOp Copy = new(StreamAction.Copy);
}

/// <summary>Audio codec names are ffmpeg's codec names (aac, mp3, opus, pcm_s16le, flac).</summary>
public sealed record AudioOp(StreamAction Action, string Codec = "", long? Bitrate = null)
{
    public static readonly AudioOp Drop = new(StreamAction.Drop);
    public static readonly AudioOp Copy = new(StreamAction.Copy);
}

/// <summary>
/// Everything a worker needs to run one task, with absolute paths. The same record travels to cluster workers and
/// (as JSON) to HTTP workers, so it holds no behaviour.
/// </summary>
public sealed record TaskSpec
{
    public required string TaskId { get; init; }
    public required string JobId { get; init; }
    public required int Index { get; init; }
    public required TaskKind Kind { get; init; }
    public required string SourcePath { get; init; }
    /// <summary>Ranges read from the source, in output order; empty means the whole source.</summary>
    public IReadOnlyList<SourceCut> Cuts { get; init; } = [];
    /// <summary>
    /// Copy with cuts: a Video task copies its range (video and audio) from the key frame before it; the Join takes
    /// both streams from those parts.
    /// </summary>
    public bool KeyframeCuts { get; init; }
    /// <summary>Join: the video chunk files, in order.</summary>
    public IReadOnlyList<string> VideoParts { get; init; } = [];
    /// <summary>Join: the audio file made by the audio task, or null when audio is copied from the source or absent.</summary>
    public string? AudioPart { get; init; }
    public required string OutputPath { get; init; }
    /// <summary>ffmpeg muxer name: the output file's extension never decides its format.</summary>
    public required string Muxer { get; init; }
    /// <summary>The video track (of a <see cref="Renditions"/> task: the first rendition's, see there).</summary>
    public required VideoOp Video { get; init; }
    /// <summary>
    /// A ladder chunk: the cut decoded once and encoded as every rendition, one video track each in this order, into
    /// one file (so an HTTP worker still sends back one output). <see cref="Video"/> is the first of them. Empty for
    /// every other task; a single rendition is the same as <see cref="Video"/> alone.
    /// </summary>
    public IReadOnlyList<VideoOp> Renditions { get; init; } = [];
    /// <summary>Join: which video track of its parts it copies (a ladder chunk holds one per rendition).</summary>
    public int VideoTrack { get; init; }
    public required AudioOp Audio { get; init; }
    /// <summary>Seconds of output this task writes: what its progress is measured against.</summary>
    public required double Duration { get; init; }
    /// <summary>Share of the job's work, for duration-weighted job progress.</summary>
    public required double Weight { get; init; }
    public IReadOnlyList<int> DependsOn { get; init; } = [];
    public string? MapPath { get; init; }
    /// <summary>Remap maps: the lookup tables the map file names, in the order it names them (xmap, ymap).</summary>
    public IReadOnlyList<Maps.MapTable> MapTables { get; init; } = [];
    /// <summary>
    /// Content ids (MD5, lowercase hex) of input files by absolute path: the source and map files, set by the job
    /// once; join parts, set by the master when it hands a join to an HTTP worker. A worker checks an input against
    /// its id before use, and a worker without shared storage fetches the input from the master by it.
    /// </summary>
    public IReadOnlyDictionary<string, string> FileIds { get; init; } = new Dictionary<string, string>();
    /// <summary>
    /// For the files in <see cref="FileIds"/>: their length and modification time ("length:ticks") when the master
    /// hashed them. A cluster worker that finds the same stamp on the shared file trusts the id without reading the
    /// whole file again (a rewrite changes the stamp, and then it hashes).
    /// </summary>
    public IReadOnlyDictionary<string, string> FileStamps { get; init; } = new Dictionary<string, string>();
    /// <summary>
    /// HTTP workers only: the secret of one attempt, made by the master when it hands the attempt over (add_task's
    /// file_token). The worker presents it to fetch the attempt's inputs and to send its output; it is never stored.
    /// </summary>
    public string? FileToken { get; init; }
    /// <summary>
    /// Ladder renditions: seconds into this task's output at which a key frame (IDR, closed GOP) must start, the
    /// segment boundaries. When set, the encoder makes no other key frames (no scene-cut ones, a GOP longer than any
    /// gap), so each fragment of the rendition is exactly one segment and every rendition switches at the same frames.
    /// </summary>
    public IReadOnlyList<double> ForcedKeyframes { get; init; } = [];
    /// <summary>
    /// An "mp4" output written fragmented (fMP4, for CMAF segments): null for a plain MP4, 0 for a fragment at every
    /// key frame (video), a number for a fragment every so many seconds (audio).
    /// </summary>
    public double? FragmentSeconds { get; init; }
    /// <summary>Thumbnails and Sprite tasks: the stills' size and timing.</summary>
    public StillsOp? Stills { get; init; }
    /// <summary>Output-group jobs: the name of the output (add_job's outputs[].name) this task makes part of.</summary>
    public string? OutputName { get; init; }

    /// <summary>The task reads files other tasks made (a join's parts, a sprite's stills), not the source's video.</summary>
    public bool ReadsParts => Kind is TaskKind.Join or TaskKind.Sprite;

    /// <summary>
    /// The files the task reads: a join its parts, then its audio input when it has one (the audio part, or the
    /// source when the audio is taken from there); a sprite its still stream; every other task the source.
    /// </summary>
    public IReadOnlyList<string> Inputs() => Kind switch
    {
        TaskKind.Join when Audio.Action != StreamAction.Drop && !KeyframeCuts => [.. VideoParts, AudioPart ?? SourcePath],
        TaskKind.Join or TaskKind.Sprite => VideoParts,
        _ => [SourcePath],
    };

    /// <summary>
    /// The task writes into a directory of its job's own (the parts directory, or an output group's temporary
    /// directory), which a cancelled job may remove while it runs; a classic job's last task writes into dst_dir,
    /// which is the client's and is never removed.
    /// </summary>
    public bool WritesInJobDirectory => Kind is TaskKind.Video or TaskKind.Audio || OutputName is not null;

    public double FromTime => Cuts.Count == 0 ? 0 : Cuts.Min(c => c.From);
    public double ToTime => Cuts.Count == 0 ? Duration : Cuts.Max(c => c.To);
}

/// <summary>
/// Stills: Thumbnails takes one frame every <see cref="IntervalSeconds"/> of the (cut) output, the first at 0, scaled
/// to exactly <see cref="Width"/> x <see cref="Height"/>, <see cref="Count"/> in all, written back to back as
/// <see cref="Format"/> images. Sprite tiles those stills <see cref="Columns"/> x <see cref="Rows"/> into one image.
/// </summary>
/// <param name="Format">"jpeg" or "webp".</param>
public sealed record StillsOp(double IntervalSeconds, int Width, int Height, string Format, int Count, int Columns, int Rows);

public static class TaskKindNames
{
    public static string Wire(this TaskKind kind) => kind switch
    {
        TaskKind.Transcode => "transcode",
        TaskKind.Video => "video",
        TaskKind.Audio => "audio",
        TaskKind.Join => "join",
        TaskKind.Thumbnails => "thumbnails",
        TaskKind.Sprite => "sprite",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
