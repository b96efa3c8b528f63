using Akka.Transcode.Domain.Media;

namespace Akka.Transcode.Domain.Planning;

/// <summary>
/// Where a chunk's ffmpeg seeks so that it starts decoding on the last video key frame at or before the chunk's first
/// frame, instead of a blind pre-roll. Pure: it works from the key frames the probe's packet scan found.
/// How ffmpeg 5.1 lands (measured on every key frame of x264 sources with B-frames, tests/…/SeekLandingTests):
/// <list type="bullet">
/// <item>MP4/MOV have an index: a seek lands on the last key frame at or before the asked time. Asking half a frame
/// after the key frame lands exactly on it.</item>
/// <item>MPEG-TS has none: ffmpeg searches the packets' decode timestamps and decodes from the first key frame after
/// the packet it found, which can be a GOP after the asked time. Asking <see cref="Margin"/> before the key frame
/// (more than any B-frame reordering delay) lands exactly on it.</item>
/// <item>Matroska and the rest land at or before the asked time; with the margin rule they land on that key frame or
/// the one before.</item>
/// </list>
/// Without key frames (no packet scan, or none before the cut), the cut falls back to <see cref="TaskPlanner.SeekPreroll"/>.
/// </summary>
/// <param name="Keyframes">Video key frames, the source's own timestamps in seconds, ascending.</param>
/// <param name="ContainerStart">The container's first timestamp: seeks are in seconds after it.</param>
/// <param name="Indexed">The source's container seeks through an index (MP4/MOV).</param>
public sealed record SeekMap(IReadOnlyList<double> Keyframes, double ContainerStart, double Fps, bool Indexed)
{
    /// <summary>Seconds asked before a key frame in a container without an index.</summary>
    public const double Margin = 0.5;

    /// <summary>No key frames known: every cut seeks <see cref="TaskPlanner.SeekPreroll"/> early.</summary>
    public static readonly SeekMap None = new([], 0, 30, false);

    public static SeekMap For(MediaInfo media, FrameGrid? grid) =>
        media.Keyframes is { Count: > 0 } keys && grid is not null
            ? new SeekMap(keys, media.StartTime, grid.Fps, IsIndexed(media.FormatName))
            : None;

    /// <summary>ffprobe names the ISO family "mov,mp4,m4a,3gp,3g2,mj2".</summary>
    public static bool IsIndexed(string formatName) =>
        formatName.Split(',').Any(f => f is "mov" or "mp4");

    /// <summary>
    /// Where to seek for a cut whose first frame is shown <paramref name="start"/> seconds after the container's start,
    /// and how many seconds of video are decoded before it and thrown away.
    /// </summary>
    public (double Seek, double Decoded) For(double start)
    {
        var key = LastAtOrBefore(ContainerStart + start + 0.25 / Fps);
        if (key is null)
        {
            var seek = Math.Max(0, start - TaskPlanner.SeekPreroll);
            return (seek, start - seek);
        }
        var at = key.Value - ContainerStart;
        return Indexed
            ? (Math.Max(0, at + 0.5 / Fps), Math.Max(0, start - at))
            // Landing is exact for MPEG-TS; elsewhere it may be the key frame before, which the estimate leaves out.
            : (Math.Max(0, at - Margin), Math.Max(0, start - at));
    }

    private double? LastAtOrBefore(double stamp)
    {
        // Binary search: a long recording has thousands of key frames and a plan asks once per chunk.
        int lo = 0, hi = Keyframes.Count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            if (Keyframes[mid] <= stamp) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found < 0 ? null : Keyframes[found];
    }
}
