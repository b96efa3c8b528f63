using System.Text;

namespace Akka.Transcode.Domain.Media;

/// <summary>
/// What ffmpeg and ffprobe may open. A demuxer can open further files and URLs of its own: an HLS playlist or an
/// ffconcat list inside the media roots could name any file on the machine or any address, and ffmpeg would read
/// it. So every run allows only the <c>file</c> protocol, and every input a client or a worker can shape (a source,
/// a join's parts, its audio input) only the demuxers of <see cref="SourceDemuxers"/>: real media containers and
/// elementary streams, none of which opens anything but the file it was given. The one list the node writes itself,
/// the join's ffconcat list, is the only concat input, and each of its entries is held to the same list again.
/// </summary>
public static class InputFormats
{
    /// <summary>
    /// The demuxers a source may be read with, by ffmpeg's names (ffmpeg matches any one name of a demuxer that has
    /// several: "mov" admits "mov,mp4,m4a,3gp,3g2,mj2", "matroska" admits "matroska,webm"). Left out on purpose:
    /// hls, dash, concat, imf, image2 and the other image readers, vobsub, sdp, rtsp, rtp, sap, lavfi, data, tty
    /// and every other demuxer that opens further files or URLs or is not a recording.
    /// </summary>
    public static readonly IReadOnlyList<string> SourceDemuxers =
    [
        // containers
        "mov", "matroska", "mpegts", "mpeg", "flv", "avi", "asf", "mxf", "ogg", "nut", "rm", "wtv", "dv", "gxf",
        "ivf", "yuv4mpegpipe",
        // audio files and elementary audio streams
        "wav", "w64", "aiff", "caf", "flac", "mp3", "aac", "loas", "ac3", "eac3", "dts", "truehd", "wv", "ape", "tta", "amr",
        // elementary video streams
        "h264", "hevc", "m4v", "mpegvideo", "vc1", "obu", "av1",
    ];

    /// <summary>The only protocol ffmpeg may use: the node names local files and nothing else (it never pipes).</summary>
    public const string Protocols = "file";

    /// <summary>ffmpeg's -format_whitelist value for sources and parts.</summary>
    public static string SourceWhitelist { get; } = string.Join(",", SourceDemuxers);

    /// <summary>Input options before every source or part: only local files, only <see cref="SourceDemuxers"/>.</summary>
    public static IReadOnlyList<string> SourceInputOptions { get; } =
        ["-protocol_whitelist", Protocols, "-format_whitelist", SourceWhitelist];

    /// <summary>
    /// Input options of the join's own ffconcat list. The concat demuxer hands its allow-lists on to every entry it
    /// opens, so this one must admit the entries' formats too; each entry narrows it again to
    /// <see cref="SourceWhitelist"/> (<see cref="ConcatEntryOptions"/>), so a part that is itself a list is refused.
    /// </summary>
    public static IReadOnlyList<string> ConcatListInputOptions { get; } =
        ["-protocol_whitelist", Protocols, "-format_whitelist", "concat," + SourceWhitelist, "-f", "concat", "-safe", "0"];

    /// <summary>The ffconcat lines after each entry's <c>file</c> line (they need <c>-safe 0</c>).</summary>
    public static string ConcatEntryOptions { get; } = $"option format_whitelist {SourceWhitelist}\n";

    /// <summary>Input options of a remap table: one 16-bit PGM, read with that reader and no other.</summary>
    public static IReadOnlyList<string> TableInputOptions { get; } =
        ["-protocol_whitelist", Protocols, "-format_whitelist", "pgm_pipe", "-f", "pgm_pipe"];

    /// <summary>
    /// Input options of a thumbnails task's still stream (the sprite's input): read only with the still format's own
    /// pipe demuxer, forced, so the stream (which an HTTP worker uploads) can never be opened as anything else.
    /// </summary>
    public static IReadOnlyList<string> StillsInputOptions(string format)
    {
        var demuxer = format switch
        {
            "jpeg" => "jpeg_pipe",
            "webp" => "webp_pipe",
            _ => throw new ArgumentException($"unknown still format {format}", nameof(format)),
        };
        return ["-protocol_whitelist", Protocols, "-format_whitelist", demuxer, "-f", demuxer];
    }

    /// <summary>Output options before the output file: it too may only be a local file.</summary>
    public static IReadOnlyList<string> OutputOptions { get; } = ["-protocol_whitelist", Protocols];

    /// <summary>What a client is told when a source is refused for its format.</summary>
    public const string OnlyContainers = "only media containers are accepted";

    /// <summary>How many leading bytes <see cref="Sniff"/> wants (fewer are fine: it looks at what it gets).</summary>
    public const int SniffBytes = 4096;

    /// <summary>
    /// Names the formats that open other files or URLs from a file's first bytes, without ffmpeg: a file that is one
    /// of them is refused before any demuxer sees it. Null when the bytes look like none of them; ffprobe's own
    /// allow-list still stands behind this for anything it misses.
    /// </summary>
    public static string? Sniff(ReadOnlySpan<byte> head)
    {
        head = SkipId3(head); // ffmpeg skips an ID3v2 tag before it guesses the format, so must we
        var text = Encoding.Latin1.GetString(head);
        var start = text.TrimStart('\uFEFF', 'ï', '»', '¿', ' ', '\t', '\r', '\n'); // BOM as bytes or as a character
        if (start.StartsWith("#EXTM3U", StringComparison.Ordinal)) return Describe("hls");
        if (start.StartsWith("ffconcat version", StringComparison.Ordinal)) return Describe("concat");
        // XML: ffmpeg finds a manifest's root element anywhere in its first bytes.
        if (start.StartsWith('<') && text.Contains("<MPD", StringComparison.OrdinalIgnoreCase)) return Describe("dash");
        if (start.StartsWith('<') && text.Contains("<CompositionPlaylist", StringComparison.OrdinalIgnoreCase)) return Describe("imf");
        if (start.StartsWith("v=0", StringComparison.Ordinal)) return Describe("sdp");
        return null;
    }

    /// <summary>
    /// What a file ffmpeg recognised as <paramref name="demuxer"/> (ffmpeg's name, as its "Format not on whitelist"
    /// error shows it) is, for a client: the refused formats that open other files by name, the rest generically.
    /// </summary>
    public static string Describe(string demuxer) => demuxer switch
    {
        "hls" => "an HLS playlist, which names other files or URLs",
        "dash" => "a DASH manifest (MPD), which names other files or URLs",
        "concat" => "an ffconcat list, which names other files",
        "imf" => "an IMF composition playlist, which names other files",
        "sdp" or "rtp" or "rtsp" or "sap" => "a network session description, which opens network streams",
        "vobsub" => "VobSub subtitles, which name another file",
        _ when demuxer.StartsWith("image2", StringComparison.Ordinal) || demuxer.EndsWith("_pipe", StringComparison.Ordinal)
            => $"an image (ffmpeg reads it as '{demuxer}'), not a recording",
        _ => $"a file ffmpeg reads as '{demuxer}', which is not one of the accepted media containers",
    };

    private static ReadOnlySpan<byte> SkipId3(ReadOnlySpan<byte> head)
    {
        // "ID3", version, revision, flags, then the tag's size as four 7-bit bytes; the footer flag adds 10.
        while (head.Length >= 10 && head[0] == 'I' && head[1] == 'D' && head[2] == '3'
               && head[6] < 0x80 && head[7] < 0x80 && head[8] < 0x80 && head[9] < 0x80)
        {
            var size = 10 + (head[6] << 21 | head[7] << 14 | head[8] << 7 | head[9]) + ((head[5] & 0x10) != 0 ? 10 : 0);
            if (size >= head.Length) return [];
            head = head[size..];
        }
        return head;
    }
}
