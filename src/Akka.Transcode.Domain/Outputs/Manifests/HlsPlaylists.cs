using System.Globalization;
using System.Text;

namespace Akka.Transcode.Domain.Outputs.Manifests;

/// <summary>
/// The HLS text of a ladder (RFC 8216, fMP4 segments, so version 7): one media playlist per rendition and the master
/// playlist naming them. Pure: the packager measures, this only writes.
/// </summary>
public static class HlsPlaylists
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A rendition's index.m3u8: its init segment and every segment with its measured length.</summary>
    public static string Media(TrackFacts track)
    {
        var sb = new StringBuilder();
        Line(sb, "#EXTM3U");
        Line(sb, "#EXT-X-VERSION:7");
        Line(sb, "#EXT-X-TARGETDURATION:" + track.TargetDurationSeconds.ToString(Inv));
        Line(sb, "#EXT-X-PLAYLIST-TYPE:VOD");
        Line(sb, "#EXT-X-INDEPENDENT-SEGMENTS");
        Line(sb, $"#EXT-X-MAP:URI=\"{OutputLayout.InitSegment}\"");
        for (var k = 0; k < track.Segments.Count; k++)
        {
            var seconds = (double)track.Segments[k].Duration / track.Timescale;
            Line(sb, "#EXTINF:" + seconds.ToString("0.000000", Inv) + ",");
            Line(sb, OutputLayout.Segment(k + 1));
        }
        Line(sb, "#EXT-X-ENDLIST");
        return sb.ToString();
    }

    /// <summary>
    /// master.m3u8: each audio rendition as its own EXT-X-MEDIA group, each video rendition as a variant carrying the
    /// peak and average of its video plus its audio, highest first (players start from the top when they know
    /// nothing of the link). A ladder without video lists its audio renditions as the variants.
    /// </summary>
    public static string Master(IReadOnlyList<TrackFacts> video, IReadOnlyList<TrackFacts> audio)
    {
        var sb = new StringBuilder();
        Line(sb, "#EXTM3U");
        Line(sb, "#EXT-X-VERSION:7");
        Line(sb, "#EXT-X-INDEPENDENT-SEGMENTS");
        if (video.Count == 0)
        {
            foreach (var a in audio.OrderByDescending(a => a.PeakBitrate))
            {
                Line(sb, $"#EXT-X-STREAM-INF:BANDWIDTH={a.PeakBitrate.ToString(Inv)},AVERAGE-BANDWIDTH={a.AverageBitrate.ToString(Inv)},CODECS=\"{a.Codec}\"");
                Line(sb, a.Uri + "/" + OutputLayout.MediaPlaylist);
            }
            return sb.ToString();
        }

        var groups = audio.ToDictionary(a => a.AudioGroup ?? a.Name, StringComparer.Ordinal);
        foreach (var a in audio)
        {
            var channels = a.Channels > 0 ? $",CHANNELS=\"{a.Channels.ToString(Inv)}\"" : "";
            Line(sb, $"#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"{a.AudioGroup ?? a.Name}\",NAME=\"{a.Name}\",DEFAULT=YES,AUTOSELECT=YES{channels},URI=\"{a.Uri}/{OutputLayout.MediaPlaylist}\"");
        }

        var variants = video.Select(v =>
        {
            var a = v.AudioGroup is { } g && groups.TryGetValue(g, out var found) ? found : null;
            return (Video: v, Audio: a, Peak: v.PeakBitrate + (a?.PeakBitrate ?? 0), Average: v.AverageBitrate + (a?.AverageBitrate ?? 0));
        });
        foreach (var (v, a, peak, average) in variants.OrderByDescending(x => x.Peak))
        {
            var codecs = a is null ? v.Codec : v.Codec + "," + a.Codec;
            var attributes = $"BANDWIDTH={peak.ToString(Inv)},AVERAGE-BANDWIDTH={average.ToString(Inv)}," +
                $"RESOLUTION={v.Width.ToString(Inv)}x{v.Height.ToString(Inv)},CODECS=\"{codecs}\"," +
                $"FRAME-RATE={v.FrameRate.ToString("0.000", Inv)}";
            if (a is not null) attributes += $",AUDIO=\"{a.AudioGroup ?? a.Name}\"";
            Line(sb, "#EXT-X-STREAM-INF:" + attributes);
            Line(sb, v.Uri + "/" + OutputLayout.MediaPlaylist);
        }
        return sb.ToString();
    }

    // HLS lines end in LF whatever the platform: the playlist is served, not read by the OS.
    private static void Line(StringBuilder sb, string line) => sb.Append(line).Append('\n');
}
