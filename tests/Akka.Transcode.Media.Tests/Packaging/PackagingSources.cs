using System.Diagnostics;
using Akka.Transcode.Media.Tests.Support;

namespace Akka.Transcode.Media.Tests.Packaging;

/// <summary>
/// Rendition files as the ladder's tasks write them, made once with lavfi: 10 s of H.264 at 30 fps with a key frame
/// forced every 2 s and no other (one fragment per key frame), and AAC fragmented every 2 s.
/// </summary>
public sealed class PackagingSources : IDisposable
{
    public const double Seconds = 10;
    public const double SegmentSeconds = 2;
    public const int Fps = 30;

    private readonly ScratchDir _dir = new();

    public PackagingSources()
    {
        Video360 = Video("360p.mp4", 640, 360, "800k", keyEvery: 2);
        Video180 = Video("180p.mp4", 320, 180, "300k", keyEvery: 2);
        Audio = _dir.File("audio.mp4");
        FfmpegCli.Run("-f", "lavfi", "-i", $"sine=frequency=440:sample_rate=48000:duration={Seconds}", "-c:a", "aac", "-b:a", "128k",
            "-ac", "2", "-movflags", "+empty_moov+default_base_moof", "-frag_duration", "2000000", "-f", "mp4", Audio);
    }

    public string Video360 { get; }
    public string Video180 { get; }
    public string Audio { get; }

    /// <summary>A rendition whose key frames fall every <paramref name="keyEvery"/> seconds.</summary>
    public string Video(string name, int width, int height, string bitrate, double keyEvery, params string[] extra)
    {
        var path = _dir.File(name);
        FfmpegCli.Run(["-f", "lavfi", "-i", $"testsrc2=size={width}x{height}:rate={Fps}:duration={Seconds}", "-c:v", "libx264",
            "-preset", "veryfast", "-b:v", bitrate, "-maxrate", bitrate, "-bufsize", bitrate, "-pix_fmt", "yuv420p",
            "-force_key_frames", $"expr:gte(t,n_forced*{keyEvery})", "-sc_threshold", "0", "-g", "1000",
            "-movflags", "+frag_keyframe+empty_moov+default_base_moof", .. extra, "-f", "mp4", path]);
        return path;
    }

    public string File(string name) => _dir.File(name);

    public void Dispose() => _dir.Dispose();
}

/// <summary>ffprobe and ffmpeg for checking what the packager wrote, with their output.</summary>
public static class Tool
{
    public static (int Exit, string Out, string Err) Run(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }

    /// <summary>Decodes a file completely; the errors ffmpeg reports, empty when there are none.</summary>
    public static string DecodeErrors(string path, params string[] inputOptions)
    {
        var (exit, _, err) = Run("ffmpeg", ["-hide_banner", "-nostdin", "-v", "error", .. inputOptions, "-i", path, "-map", "0", "-f", "null", "-"]);
        return exit == 0 ? err.Trim() : $"exit {exit}: {err}";
    }

    /// <summary>Each decoded video frame's presentation time and whether it is a key frame.</summary>
    public static List<(double Time, bool Key)> Frames(string path)
    {
        var (exit, output, err) = Run("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time,key_frame",
            "-of", "csv=p=0", path);
        if (exit != 0) throw new InvalidOperationException(err);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(','))
            .Select(f => (double.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture), f[0] == "1"))
            .ToList();
    }

    public static void Concat(string target, params string[] parts)
    {
        using var output = System.IO.File.Create(target);
        foreach (var part in parts)
        {
            using var input = System.IO.File.OpenRead(part);
            input.CopyTo(output);
        }
    }
}
