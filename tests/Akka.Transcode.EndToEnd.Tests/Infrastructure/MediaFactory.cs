namespace Akka.Transcode.EndToEnd.Tests.Infrastructure;

/// <summary>The test media, made once with ffmpeg's lavfi sources and kept under the temp directory.</summary>
/// <param name="Record">60 s, 1280x720, 30 fps testsrc2 + 440 Hz sine; H.264 + AAC in MPEG-TS, named like the
/// documented example (<c>record.bin</c>: the extension says nothing, the content is probed).</param>
/// <param name="Short">The same, 10 s long.</param>
/// <param name="NotMedia">A text file ffprobe cannot read.</param>
/// <param name="Empty">A zero-byte file.</param>
public sealed record MediaSet(string Record, string Short, string NotMedia, string Empty)
{
    public const double RecordSeconds = 60;
    public const double ShortSeconds = 10;
    public const double FrameRate = 30;

    /// <summary>Copies <paramref name="source"/> into <paramref name="mediaRoot"/> as <paramref name="name"/>
    /// (default: the file's own name) and returns the copy's absolute path.</summary>
    public static string CopyInto(string source, string mediaRoot, string? name = null)
    {
        var target = Path.Combine(mediaRoot, name ?? Path.GetFileName(source));
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(source, target, overwrite: true);
        return target;
    }
}

public static class MediaFactory
{
    // Bump the version when the recipe changes: the cache outlives a test run so repeated runs skip the encode.
    private const string CacheVersion = "v1";

    private static readonly Lazy<Task<MediaSet>> Shared = new(CreateAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    public static Task<MediaSet> GetAsync() => Shared.Value;

    private static string CacheDir() =>
        Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"akka-transcode-e2e-media-{CacheVersion}")).FullName;

    /// <summary>
    /// A clip made like the other media (testsrc2 + sine, H.264 + AAC in MPEG-TS, 30 fps) with a key frame every
    /// second, <paramref name="seconds"/> long at <paramref name="size"/>; made once and cached. Returns its path.
    /// </summary>
    public static Task<string> ClipAsync(string name, double seconds, string size) =>
        EnsureAsync(CacheDir(), name, t => TestSourceArgs(seconds, t, size, gop: (int)MediaSet.FrameRate));

    private static async Task<MediaSet> CreateAsync()
    {
        var dir = CacheDir();

        var record = await EnsureAsync(dir, "record.bin", t => TestSourceArgs(MediaSet.RecordSeconds, t));
        var shortClip = await EnsureAsync(dir, "short.bin", t => TestSourceArgs(MediaSet.ShortSeconds, t));

        var notMedia = Path.Combine(dir, "notmedia.bin");
        await File.WriteAllTextAsync(notMedia, "This is a plain text file, not audio or video.\n");
        var empty = Path.Combine(dir, "empty.bin");
        await File.WriteAllBytesAsync(empty, []);

        return new MediaSet(record, shortClip, notMedia, empty);
    }

    /// <summary>Makes <paramref name="name"/> unless a complete copy is cached. It is written under a temporary name
    /// and renamed, so an interrupted run never leaves a half-written file that looks complete.</summary>
    private static async Task<string> EnsureAsync(string dir, string name, Func<string, string[]> ffmpegArgs)
    {
        var path = Path.Combine(dir, name);
        if (File.Exists(path) && new FileInfo(path).Length > 0) return path;
        var temp = Path.Combine(dir, $".{name}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            await Proc.RunCheckedAsync("ffmpeg", ffmpegArgs(temp), TimeSpan.FromMinutes(5));
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        return path;
    }

    private static string[] TestSourceArgs(double seconds, string output, string size = "1280x720", int gop = 60)
    {
        var d = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return
        [
            "-nostdin", "-v", "error", "-y",
            "-f", "lavfi", "-i", $"testsrc2=size={size}:rate={MediaSet.FrameRate}:duration={d}",
            "-f", "lavfi", "-i", $"sine=frequency=440:sample_rate=48000:duration={d}",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", gop.ToString(System.Globalization.CultureInfo.InvariantCulture), "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "128k", "-ac", "2",
            "-f", "mpegts", output,
        ];
    }
}

/// <summary>Collection fixture: the media exist before the first test of the collection runs.</summary>
public sealed class MediaFixture : IAsyncLifetime
{
    public MediaSet Media { get; private set; } = null!;

    public async Task InitializeAsync() => Media = await MediaFactory.GetAsync();

    public Task DisposeAsync() => Task.CompletedTask;
}
