using Akka.Transcode.Domain.Media;
using Akka.Transcode.Media.Probing;
using Akka.Transcode.Media.Tests.Support;

namespace Akka.Transcode.Media.Tests.Execution;

/// <summary>
/// 12 s of 320x240 H.264 at 30 fps (a key frame every 30 frames) with 48 kHz AAC, in MPEG-TS under a ".bin" name,
/// made once with lavfi and probed with the project's prober, as the master would before planning.
/// </summary>
public sealed class ExecutionSource : IAsyncLifetime, IDisposable
{
    public const double Fps = 30;
    public const double Seconds = 12;
    public const int Gop = 30;

    private readonly ScratchDir _dir = new();
    private readonly Lazy<IReadOnlyList<string>> _hashes;

    public ExecutionSource()
    {
        Path = _dir.File("record.bin");
        _hashes = new Lazy<IReadOnlyList<string>>(() => MediaCheck.FrameHashes(Path));
    }

    public string Path { get; }
    public MediaInfo Info { get; private set; } = null!;
    /// <summary>Frames counted by decoding the source.</summary>
    public int Frames { get; private set; }
    /// <summary>Seconds from the container's start to the first frame, read with ffprobe.</summary>
    public double VideoOffset { get; private set; }
    /// <summary>MD5 of each decoded source frame, made on first use.</summary>
    public IReadOnlyList<string> Hashes => _hashes.Value;

    public async Task InitializeAsync()
    {
        FfmpegCli.Run("-f", "lavfi", "-i", $"testsrc2=size=320x240:rate={Fps}:duration={Seconds}",
            "-f", "lavfi", "-i", $"sine=frequency=440:sample_rate=48000:duration={Seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-x264-params", $"keyint={Gop}:min-keyint={Gop}:scenecut=0",
            "-c:a", "aac", "-ac", "2", "-shortest", "-f", "mpegts", "file:" + Path);
        var probe = await new MediaProber().ProbeAsync(Path, CancellationToken.None);
        Assert.True(probe.IsOk, probe.Error?.Message);
        Info = probe.Value!;
        Frames = MediaCheck.VideoFrames(Path);
        VideoOffset = MediaCheck.VideoStartOffset(Path);
        Assert.Equal((int)(Fps * Seconds), Frames);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _dir.Dispose();
}
