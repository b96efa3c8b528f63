using System.Globalization;
using System.Text.RegularExpressions;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Media.Probing;
using Akka.Transcode.Media.Tests.Execution;
using Akka.Transcode.Media.Tests.Support;

namespace Akka.Transcode.Media.Tests.Maps;

/// <summary>
/// What a 360° camera records: the two lens images side by side (dual fisheye), made from an equirectangular
/// testsrc2 picture with ffmpeg's own v360, plus a sine tone; H.264 + AAC in MPEG-TS, 3 s of 640x320 at 30 fps.
/// </summary>
public sealed partial class DualFisheyeSource : IAsyncLifetime, IDisposable
{
    public const int Width = 640, Height = 320;
    public const double Fps = 30, Seconds = 3;

    /// <summary>The equirectangular picture the recording was made from, as a lavfi source.</summary>
    public static readonly string Equirect =
        FormattableString.Invariant($"testsrc2=size={Width}x{Height}:rate={Fps}:duration={Seconds}");

    private readonly ScratchDir _dir = new();

    public DualFisheyeSource() => Path = _dir.File("dual fisheye.bin");

    public string Path { get; }
    public MediaInfo Info { get; private set; } = null!;
    public int Frames { get; private set; }
    public double VideoOffset { get; private set; }

    public async Task InitializeAsync()
    {
        FfmpegCli.Run("-f", "lavfi", "-i", Equirect,
            "-f", "lavfi", "-i", FormattableString.Invariant($"sine=frequency=440:sample_rate=48000:duration={Seconds}"),
            "-vf", "v360=input=e:output=dfisheye",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "30",
            "-c:a", "aac", "-ac", "2", "-shortest", "-f", "mpegts", "file:" + Path);
        var probe = await new MediaProber().ProbeAsync(Path, CancellationToken.None);
        Assert.True(probe.IsOk, probe.Error?.Message);
        Info = probe.Value!;
        Assert.Equal((Width, Height), (Info.Video!.Width, Info.Video.Height));
        Frames = MediaCheck.VideoFrames(Path);
        VideoOffset = MediaCheck.VideoStartOffset(Path);
        Assert.Equal((int)(Fps * Seconds), Frames);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// Luma PSNR (dB) of <paramref name="path"/>'s video against a reference: the lavfi source
    /// <paramref name="lavfiReference"/>, or this recording when null, passed through <paramref name="referenceFilter"/>.
    /// Both start at timestamp zero; frames pair up by timestamp, so this measures likeness, not equality.
    /// </summary>
    public double LumaPsnr(string path, string referenceFilter, string? lavfiReference = null)
    {
        string[] reference = lavfiReference is null ? ["-i", "file:" + Path] : ["-f", "lavfi", "-i", lavfiReference];
        var (code, _, errors) = MediaCheck.Run("ffmpeg", ["-hide_banner", "-nostdin", "-i", "file:" + path, .. reference,
            "-lavfi", $"[0:v:0]setpts=PTS-STARTPTS[a];[1:v:0]{referenceFilter},setpts=PTS-STARTPTS[b];[a][b]psnr", "-f", "null", "-"]);
        Assert.True(code == 0, $"psnr failed: {errors}");
        var m = PsnrLine().Match(errors);
        Assert.True(m.Success, $"no PSNR in: {errors}");
        return m.Groups[1].Value == "inf" ? double.PositiveInfinity : double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"PSNR y:(inf|[0-9.]+)")]
    private static partial Regex PsnrLine();

    /// <summary>
    /// MD5 of each decoded frame's luma after <paramref name="filter"/>, in order: equal lists mean the very same
    /// pictures, frame by frame. (Filters that compare two files pair frames by timestamp, and Matroska's
    /// millisecond timestamps pair some 30 fps frames with their neighbours.)
    /// </summary>
    public static IReadOnlyList<string> LumaHashes(string path, string filter = "null")
    {
        var (code, output, errors) = MediaCheck.Run("ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", "file:" + path,
            "-map", "0:v:0", "-vf", filter + ",format=gray", "-f", "framemd5", "-");
        Assert.True(code == 0, $"framemd5 failed on {path}: {errors}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !line.StartsWith('#'))
            .Select(line => line[(line.LastIndexOf(',') + 1)..].Trim())
            .ToList();
    }

    /// <summary>Width and height of the first video stream.</summary>
    public static (int Width, int Height) Size(string path)
    {
        var (code, output, errors) = MediaCheck.Run("ffprobe", "-v", "error", "-select_streams", "v:0",
            "-show_entries", "stream=width,height", "-of", "csv=p=0", "file:" + path);
        Assert.True(code == 0, $"ffprobe failed on {path}: {errors}");
        var parts = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0].Trim().Split(',');
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }
}
