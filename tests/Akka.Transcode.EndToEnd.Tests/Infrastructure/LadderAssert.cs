using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Checks on a published ladder, made from the files alone (ffprobe and ffmpeg on the segments, the playlists and the
/// MPD read as text and XML): nothing here trusts what the packager says about its own segments.
/// </summary>
public static partial class LadderAssert
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>One packet as ffprobe reads it from init + one segment.</summary>
    public sealed record Packet(double Pts, double Dts, double Duration, bool Key);

    /// <summary>The rendition's segment files in order (seg-00001.m4s ...).</summary>
    public static IReadOnlyList<string> Segments(string renditionDir) =>
        Directory.GetFiles(renditionDir, "seg-*.m4s").Order(StringComparer.Ordinal).ToList();

    /// <summary>init.mp4 followed by the given segments, as one file a player would feed to its decoder.</summary>
    public static string Joined(string renditionDir, IEnumerable<string> segments, string into)
    {
        using var output = File.Create(into);
        foreach (var part in segments.Prepend(Path.Combine(renditionDir, "init.mp4")))
        {
            using var input = File.OpenRead(part);
            input.CopyTo(output);
        }
        return into;
    }

    /// <summary>The packets of the first stream of init + one segment, in decode order.</summary>
    public static async Task<IReadOnlyList<Packet>> PacketsAsync(string renditionDir, string segment, string scratch)
    {
        var file = Joined(renditionDir, [segment], Path.Combine(scratch, $"{Path.GetFileName(renditionDir)}-{Path.GetFileName(segment)}.mp4"));
        var r = await Proc.RunCheckedAsync("ffprobe",
            ["-v", "error", "-select_streams", "0", "-show_entries", "packet=pts_time,dts_time,duration_time,flags", "-of", "json", file]);
        using var doc = JsonDocument.Parse(r.StdOut);
        return doc.RootElement.GetProperty("packets").EnumerateArray().Select(p => new Packet(
            Number(p, "pts_time"), Number(p, "dts_time"), Number(p, "duration_time"),
            p.GetProperty("flags").GetString()!.Contains('K'))).ToList();
    }

    private static double Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.GetString() is { } s && s != "N/A" ? double.Parse(s, Inv) : double.NaN;

    /// <summary>A segment's presentation span: from its earliest frame to the end of its latest.</summary>
    public static (double Start, double Duration) Span(IReadOnlyList<Packet> packets)
    {
        var start = packets.Min(p => p.Pts);
        var end = packets.Max(p => p.Pts + p.Duration);
        return (start, end - start);
    }

    /// <summary>The attributes of each EXT-X-STREAM-INF of a master playlist, with the URI on the line after.</summary>
    public static IReadOnlyList<(Dictionary<string, string> Attributes, string Uri)> Variants(string masterPlaylist)
    {
        var lines = File.ReadAllLines(masterPlaylist);
        var variants = new List<(Dictionary<string, string>, string)>();
        for (var i = 0; i < lines.Length; i++)
            if (lines[i].StartsWith("#EXT-X-STREAM-INF:", StringComparison.Ordinal))
                variants.Add((Attributes(lines[i]["#EXT-X-STREAM-INF:".Length..]), lines[i + 1].Trim()));
        return variants;
    }

    /// <summary>The attributes of each EXT-X-MEDIA line.</summary>
    public static IReadOnlyList<Dictionary<string, string>> Media(string masterPlaylist) =>
        File.ReadAllLines(masterPlaylist).Where(l => l.StartsWith("#EXT-X-MEDIA:", StringComparison.Ordinal))
            .Select(l => Attributes(l["#EXT-X-MEDIA:".Length..])).ToList();

    public static Dictionary<string, string> Attributes(string list) =>
        AttributePattern().Matches(list).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Trim('"'));

    [GeneratedRegex("([A-Z0-9-]+)=(\"[^\"]*\"|[^,]*)")]
    private static partial Regex AttributePattern();

    /// <summary>The EXTINF durations of a media playlist, with the segment each one names.</summary>
    public static IReadOnlyList<(double Duration, string Uri)> PlaylistSegments(string mediaPlaylist)
    {
        var lines = File.ReadAllLines(mediaPlaylist);
        var segments = new List<(double, string)>();
        for (var i = 0; i < lines.Length; i++)
            if (lines[i].StartsWith("#EXTINF:", StringComparison.Ordinal))
                segments.Add((double.Parse(lines[i]["#EXTINF:".Length..].TrimEnd(',').Split(',')[0], Inv), lines[i + 1].Trim()));
        return segments;
    }

    public static XNamespace Dash { get; } = "urn:mpeg:dash:schema:mpd:2011";

    /// <summary>Seconds one SegmentTimeline covers: the sum of d x (r + 1) over its S elements, in the template's timescale.</summary>
    public static double TimelineSeconds(XElement representationOrSet)
    {
        var template = representationOrSet.Descendants(Dash + "SegmentTemplate").First();
        var timescale = double.Parse(template.Attribute("timescale")!.Value, Inv);
        var ticks = template.Descendants(Dash + "S").Sum(s =>
            double.Parse(s.Attribute("d")!.Value, Inv) * (1 + (s.Attribute("r") is { } r ? double.Parse(r.Value, Inv) : 0)));
        return ticks / timescale;
    }

    /// <summary>Width and height of an image or a video's first stream.</summary>
    public static async Task<(int Width, int Height)> SizeAsync(string path)
    {
        var stream = (await MediaAssert.ProbeAsync(path)).GetProperty("streams").EnumerateArray().First();
        return (stream.GetProperty("width").GetInt32(), stream.GetProperty("height").GetInt32());
    }

    private const int GrayWidth = 320, GrayHeight = 180;

    /// <summary>
    /// Frames <paramref name="numbers"/> of <paramref name="input"/>, each scaled down to gray, in one decode from the
    /// start: frames are picked by number, because an input seek in MPEG-TS lands on a later key frame.
    /// </summary>
    public static async Task<IReadOnlyDictionary<int, byte[]>> GrayFramesAsync(string input, IReadOnlyCollection<int> numbers, string into)
    {
        var wanted = numbers.Distinct().Order().ToList();
        var select = string.Join("+", wanted.Select(n => $"eq(n\\,{n.ToString(Inv)})"));
        await Proc.RunCheckedAsync("ffmpeg", ["-nostdin", "-v", "error", "-y", "-i", input,
            "-vf", $"select={select},scale={GrayWidth}:{GrayHeight},format=gray", "-fps_mode", "passthrough",
            "-frames:v", wanted.Count.ToString(Inv), "-f", "rawvideo", into]);
        var bytes = await File.ReadAllBytesAsync(into);
        const int size = GrayWidth * GrayHeight;
        Assert.Equal(wanted.Count * size, bytes.Length);
        return wanted.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => bytes[(x.i * size)..((x.i + 1) * size)]);
    }

    /// <summary>The mean absolute difference of two gray pictures: the matching frame of a testsrc2 source differs far
    /// less than its neighbours (its frame counter and moving shapes change every frame).</summary>
    public static double Difference(byte[] a, byte[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Average();
}
