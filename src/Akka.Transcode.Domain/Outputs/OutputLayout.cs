using System.Globalization;

namespace Akka.Transcode.Domain.Outputs;

/// <summary>
/// Where every file of an output-group job goes, relative to the job's output directory (&lt;dst_dir&gt;/&lt;source
/// name&gt;/, built under a temporary name and renamed into place at the end). The planner, the packager, get_job and
/// the dashboard all name files through this, so the layout is written down once.
/// </summary>
public static class OutputLayout
{
    public const string MasterPlaylist = "master.m3u8";
    public const string Mpd = "manifest.mpd";
    public const string MediaPlaylist = "index.m3u8";
    public const string InitSegment = "init.mp4";
    public const string SpriteVtt = "sprite.vtt";
    /// <summary>
    /// Written last into a packaged directory, naming the temporary directory it was built as (which names the job):
    /// a master that crashed after the rename knows the directory in place is this job's, not an earlier output.
    /// </summary>
    /// <summary>The largest sprite sheet side: WebP's limit (16383), kept for JPEG sheets too so a preset works in
    /// either format.</summary>
    public const int MaxSpriteSide = 16_383;

    public const string PackagedMarker = ".akka-transcode-packaged";

    /// <summary>Segment k (1-based) of a rendition: seg-00001.m4s.</summary>
    public static string Segment(int number) => "seg-" + number.ToString("D5", CultureInfo.InvariantCulture) + ".m4s";

    /// <summary>The $Number$ template of <see cref="Segment"/>, for the MPD.</summary>
    public const string SegmentTemplate = "seg-$Number%05d$.m4s";

    /// <summary>Still k (1-based): thumb-00001.jpg.</summary>
    public static string Still(int number, string format) =>
        "thumb-" + number.ToString("D5", CultureInfo.InvariantCulture) + "." + Extension(format);

    public static string Sprite(string format) => "sprite." + Extension(format);

    public static string Extension(string imageFormat) => imageFormat switch
    {
        "jpeg" => "jpg",
        "webp" => "webp",
        _ => throw new ArgumentOutOfRangeException(nameof(imageFormat), imageFormat, "jpeg or webp"),
    };

    /// <summary>The folder of an audio rendition: audio-128k.</summary>
    public static string AudioRendition(long bitrate) =>
        "audio-" + (bitrate / 1000).ToString(CultureInfo.InvariantCulture) + "k";

    /// <summary>The job's published output directory: &lt;dst_dir&gt;/&lt;source name without extension&gt;.</summary>
    public static string GroupDir(string dstDir, string sourcePath) =>
        Path.Combine(dstDir, Path.GetFileNameWithoutExtension(sourcePath));

    /// <summary>The directory the job builds its outputs in; renamed to <see cref="GroupDir"/> when all are complete.</summary>
    public static string TempGroupDir(string dstDir, string sourcePath, string jobId) =>
        Path.Combine(dstDir, $".{Path.GetFileNameWithoutExtension(sourcePath)}.{jobId}.tmp");

    /// <summary>
    /// The main entry of an output, relative to the group directory: the file itself, the master playlist (or the
    /// MPD of a DASH-only ladder), the still folder.
    /// </summary>
    public static string EntryOf(OutputSpec o) => o.Kind switch
    {
        OutputKind.File => o.Name + "." + Media.ContainerFormats.Find(o.File!.Format)!.Extension,
        OutputKind.Ladder => Path.Combine(o.Name, o.Ladder!.Hls ? MasterPlaylist : Mpd),
        OutputKind.Thumbnails => o.Name,
        _ => throw new ArgumentOutOfRangeException(nameof(o)),
    };
}
