using FFMpegCore;

namespace Akka.Transcode.Media.Probing;

/// <summary>Where ffmpeg and ffprobe are found, set once per process for every FFMpegCore call.</summary>
public static class FfmpegBinaries
{
    /// <summary>
    /// Points FFMpegCore at the folder of <paramref name="ffmpegPath"/> (the binary or its folder);
    /// null or blank means PATH, which is what an empty BinaryFolder means to FFMpegCore.
    /// </summary>
    public static void Configure(string? ffmpegPath)
    {
        var folder = string.IsNullOrWhiteSpace(ffmpegPath) ? string.Empty
            : Directory.Exists(ffmpegPath) ? Path.GetFullPath(ffmpegPath)
            : Path.GetDirectoryName(Path.GetFullPath(ffmpegPath)) ?? string.Empty;
        GlobalFFOptions.Configure(options => options.BinaryFolder = folder);
    }

    /// <summary>The ffmpeg FFMpegCore will start: a bare name when it relies on PATH.</summary>
    public static string FfmpegPath => GlobalFFOptions.GetFFMpegBinaryPath(GlobalFFOptions.Current);

    /// <summary>Whether that ffmpeg exists: the configured file, or a file of that name in a PATH directory.</summary>
    public static bool FfmpegFound()
    {
        var path = FfmpegPath;
        if (Path.IsPathRooted(path)) return File.Exists(path);
        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, path)));
    }
}
