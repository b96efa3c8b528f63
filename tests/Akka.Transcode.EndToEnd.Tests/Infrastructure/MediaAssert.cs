using System.Globalization;
using System.Text.Json;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure;

/// <summary>Checks on an output file, through ffprobe and ffmpeg.</summary>
public static class MediaAssert
{
    public static async Task<JsonElement> ProbeAsync(string path)
    {
        var r = await Proc.RunCheckedAsync("ffprobe",
            ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", path]);
        using var doc = JsonDocument.Parse(r.StdOut);
        return doc.RootElement.Clone();
    }

    /// <summary>The demuxer's name, e.g. "flv" or "mov,mp4,m4a,3gp,3g2,mj2".</summary>
    public static async Task<string> FormatNameAsync(string path) =>
        (await ProbeAsync(path)).GetProperty("format").GetProperty("format_name").GetString()!;

    /// <summary>The codec of every stream, in stream order.</summary>
    public static async Task<IReadOnlyList<string>> CodecNamesAsync(string path) =>
        (await ProbeAsync(path)).GetProperty("streams").EnumerateArray()
        .Select(s => s.GetProperty("codec_name").GetString()!).ToList();

    /// <summary>The container's duration in seconds.</summary>
    public static async Task<double> DurationAsync(string path)
    {
        var d = (await ProbeAsync(path)).GetProperty("format").GetProperty("duration").GetString();
        return double.Parse(d!, CultureInfo.InvariantCulture);
    }

    /// <summary>The exact number of frames of the first video stream, by demuxing every frame.</summary>
    public static async Task<long> VideoFrameCountAsync(string path)
    {
        var r = await Proc.RunCheckedAsync("ffprobe",
        [
            "-v", "error", "-select_streams", "v:0", "-count_frames",
            "-show_entries", "stream=nb_read_frames", "-of", "json", path,
        ]);
        using var doc = JsonDocument.Parse(r.StdOut);
        var frames = doc.RootElement.GetProperty("streams").EnumerateArray().Single().GetProperty("nb_read_frames");
        return long.Parse(frames.GetString()!, CultureInfo.InvariantCulture);
    }

    /// <summary>Decodes the whole file: ffmpeg must exit 0 and report nothing at level error.</summary>
    public static async Task DecodesCleanlyAsync(string path)
    {
        var r = await Proc.RunAsync("ffmpeg", ["-nostdin", "-v", "error", "-i", path, "-f", "null", "-"]);
        Assert.True(r.ExitCode == 0 && r.StdErr.Trim().Length == 0,
            $"decoding {path} was not clean (exit {r.ExitCode}):\n{r.StdErr}");
    }

    /// <summary>One line for failure messages: container duration, and per stream its codec, start time,
    /// duration and frame or packet count.</summary>
    public static async Task<string> SummaryAsync(string path)
    {
        var probe = await ProbeAsync(path);
        static string Get(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.ToString() : "n/a";
        var streams = probe.GetProperty("streams").EnumerateArray().Select(s =>
            $"{Get(s, "codec_name")} start {Get(s, "start_time")} duration {Get(s, "duration")} frames {Get(s, "nb_frames")}");
        return $"{Path.GetFileName(path)}: duration {Get(probe.GetProperty("format"), "duration")}; {string.Join("; ", streams)}";
    }

    /// <summary>Asserts |actual - expected| &lt;= tolerance, with the numbers in the message.</summary>
    public static void Near(double expected, double actual, double tolerance, string what) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance,
            $"{what}: expected {expected} ± {tolerance}, got {actual}");
}
