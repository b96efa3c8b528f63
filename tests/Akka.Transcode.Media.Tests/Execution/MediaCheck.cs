using System.Diagnostics;
using System.Globalization;

namespace Akka.Transcode.Media.Tests.Execution;

/// <summary>
/// Looks at media with the plain ffprobe and ffmpeg command lines (ArgumentList, "file:" paths), independent of the
/// code under test.
/// </summary>
internal static class MediaCheck
{
    public static (int ExitCode, string Out, string Err) Run(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var p = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start");
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    private static string Probe(string path, params string[] arguments)
    {
        var (code, output, errors) = Run("ffprobe", ["-v", "error", .. arguments, "-of", "default=noprint_wrappers=1:nokey=1", "file:" + path]);
        Assert.True(code == 0, $"ffprobe failed on {path}: {errors}");
        // MPEG-TS lists a stream twice (under its program and on its own): the first answer is the one.
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0];
    }

    /// <summary>Video frames counted by decoding (ffprobe -count_frames), not read from a header.</summary>
    public static int VideoFrames(string path) =>
        int.Parse(Probe(path, "-select_streams", "v:0", "-count_frames", "-show_entries", "stream=nb_read_frames"), CultureInfo.InvariantCulture);

    /// <summary>Codec names by stream type, e.g. ("video", "h264").</summary>
    public static IReadOnlyList<(string Type, string Codec)> Streams(string path)
    {
        var (code, output, errors) = Run("ffprobe", "-v", "error", "-show_entries", "stream=index,codec_type,codec_name", "-of", "csv=p=0", "file:" + path);
        Assert.True(code == 0, $"ffprobe failed on {path}: {errors}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct() // MPEG-TS lists each stream twice
            .Select(line => line.Split(','))
            .Select(parts => (parts[2], parts[1]))
            .ToList();
    }

    /// <summary>A stream's duration from its decoded packets: the last packet's end minus the first's start.</summary>
    public static double StreamSeconds(string path, string stream)
    {
        var (code, output, errors) = Run("ffprobe", "-v", "error", "-select_streams", stream, "-show_entries", "packet=pts_time,duration_time",
            "-of", "csv=p=0", "file:" + path);
        Assert.True(code == 0, $"ffprobe failed on {path}: {errors}");
        var packets = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(','))
            .Where(p => p[0] != "N/A")
            .Select(p => (Pts: double.Parse(p[0], CultureInfo.InvariantCulture),
                Dur: p.Length > 1 && p[1] != "N/A" ? double.Parse(p[1], CultureInfo.InvariantCulture) : 0))
            .ToList();
        Assert.NotEmpty(packets);
        return packets.Max(p => p.Pts + p.Dur) - packets.Min(p => p.Pts);
    }

    /// <summary>A stream's start_time in seconds, as ffprobe reads it from the container.</summary>
    public static double StreamStart(string path, string stream) =>
        double.Parse(Probe(path, "-select_streams", stream, "-show_entries", "stream=start_time"), CultureInfo.InvariantCulture);

    /// <summary>The container's duration in seconds, as ffprobe reports it.</summary>
    public static double FormatSeconds(string path) =>
        double.Parse(Probe(path, "-show_entries", "format=duration"), CultureInfo.InvariantCulture);

    /// <summary>B-frames among the decoded video frames (ffprobe -show_frames pict_type).</summary>
    public static int BFrames(string path)
    {
        var (code, output, errors) = Run("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pict_type",
            "-of", "csv=p=0", "file:" + path);
        Assert.True(code == 0, $"ffprobe failed on {path}: {errors}");
        var types = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        Assert.NotEmpty(types);
        return types.Count(t => t == "B");
    }

    /// <summary>What a full decode prints at level error: nothing for a clean file.</summary>
    public static string DecodeErrors(string path)
    {
        var (code, _, errors) = Run("ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", "file:" + path, "-f", "null", "-");
        return code == 0 ? errors.Trim() : $"exit code {code}: {errors}";
    }

    /// <summary>MD5 of every decoded video frame, in order: equal hashes mean the very same picture.</summary>
    public static IReadOnlyList<string> FrameHashes(string path)
    {
        var (code, output, errors) = Run("ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", "file:" + path, "-map", "0:v:0",
            "-pix_fmt", "yuv420p", "-f", "framemd5", "-");
        Assert.True(code == 0, $"framemd5 failed on {path}: {errors}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !line.StartsWith('#'))
            .Select(line => line[(line.LastIndexOf(',') + 1)..].Trim())
            .ToList();
    }

    /// <summary>
    /// The frames of a range by the cutting rule: frame k, shown <paramref name="offset"/> + k / fps seconds after the
    /// container's start, is in [from, to) when from &lt;= its time &lt; to.
    /// </summary>
    public static IReadOnlyList<int> FramesIn(double from, double to, double fps, int sourceFrames, double offset) =>
        Enumerable.Range(0, sourceFrames).Where(k => offset + k / fps >= from && offset + k / fps < to).ToList();

    /// <summary>Seconds from the container's start to the first video frame (MPEG-TS puts audio a little earlier).</summary>
    public static double VideoStartOffset(string path)
    {
        var format = double.Parse(Probe(path, "-show_entries", "format=start_time"), CultureInfo.InvariantCulture);
        var video = double.Parse(Probe(path, "-select_streams", "v:0", "-show_entries", "stream=start_time"), CultureInfo.InvariantCulture);
        return video - format;
    }
}
