using System.Diagnostics;
using System.Globalization;
using Akka.Transcode.Domain.Media;
using FFMpegCore;

namespace Akka.Transcode.Media.Probing;

/// <summary>
/// Finds the key frame a stream copy of a range has to start from. Only key frames are decoded
/// (<c>-skip_frame nokey</c>) and only in a window before the range, so this costs a fraction of a second.
/// </summary>
public static class KeyframeLocator
{
    /// <summary>
    /// The timestamp (the source's own, as ffprobe prints it) of the last video key frame at or before
    /// <paramref name="stamp"/>, looking back at most <paramref name="window"/> seconds; null when there is none.
    /// Throws <see cref="SourceProbeException"/> when ffprobe cannot read the source (its format is not one of
    /// <see cref="InputFormats.SourceDemuxers"/>, or it is broken) or takes longer than <paramref name="timeout"/>
    /// (default <see cref="MediaProber.DefaultTimeout"/>).
    /// </summary>
    public static async Task<double?> LastAtOrBeforeAsync(string path, double stamp, double window, CancellationToken ct,
        TimeSpan? timeout = null)
    {
        string[] select =
        [
            "-select_streams", "v:0", "-skip_frame", "nokey", "-show_entries", "frame=pts_time",
            "-read_intervals", $"{F(Math.Max(0, stamp - window))}%{F(stamp + 0.001)}",
        ];
        double? best = null;
        foreach (var (t, _) in await RunAsync(path, select, "looking for the key frame", ct, timeout))
            if (t <= stamp + 1e-6 && (best is null || t > best))
                best = t;
        return best;
    }

    /// <summary>
    /// Every key frame of the first video stream (the source's own timestamps, ascending), from one scan of its packets:
    /// nothing is decoded, so a minute of 720p costs ffprobe about 0.1 s of CPU. Empty when the source has no video.
    /// Throws <see cref="SourceProbeException"/> as <see cref="LastAtOrBeforeAsync"/> does.
    /// </summary>
    public static async Task<IReadOnlyList<double>> ScanAsync(string path, CancellationToken ct, TimeSpan? timeout = null)
    {
        string[] select = ["-select_streams", "v:0", "-show_entries", "packet=pts_time,flags"];
        var keys = (await RunAsync(path, select, "scanning for key frames", ct, timeout))
            .Where(p => p.Flags.Contains('K')).Select(p => p.Time).ToList();
        keys.Sort();
        return keys;
    }

    private static async Task<List<(double Time, string Flags)>> RunAsync(string path, string[] select, string doing,
        CancellationToken ct, TimeSpan? timeout)
    {
        var psi = new ProcessStartInfo(GlobalFFOptions.GetFFProbeBinaryPath(GlobalFFOptions.Current))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // An argument list, never a command line: no file name can split or add arguments.
        string[] arguments = ["-v", "error", .. select, "-of", "csv=p=0", .. InputFormats.SourceInputOptions, "file:" + path];
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        var limit = timeout ?? MediaProber.DefaultTimeout;
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timer.CancelAfter(limit);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("ffprobe did not start");
        await using var kill = timer.Token.Register(() => { try { p.Kill(); } catch (InvalidOperationException) { } });
        string stdout, stderr;
        try
        {
            var errors = p.StandardError.ReadToEndAsync(timer.Token); // read alongside: a full pipe would stall ffprobe
            stdout = await p.StandardOutput.ReadToEndAsync(timer.Token);
            stderr = await errors;
            await p.WaitForExitAsync(timer.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new SourceProbeException($"{doing}: " + MediaProber.TimedOut(limit));
        }
        if (p.ExitCode != 0)
        {
            var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            throw new SourceProbeException(MediaProber.NotOnWhitelist(lines) is { } demuxer
                ? $"the source is {InputFormats.Describe(demuxer)}: {InputFormats.OnlyContainers}"
                : $"ffprobe cannot read the source: {lines.LastOrDefault() ?? $"exit code {p.ExitCode}"}");
        }
        // "pts_time[,flags]" per line; a packet without a timestamp ("N/A") tells nothing about where to seek.
        var found = new List<(double, string)>();
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var comma = line.IndexOf(',');
            var time = comma < 0 ? line : line[..comma];
            if (double.TryParse(time, NumberStyles.Float, CultureInfo.InvariantCulture, out var t))
                found.Add((t, comma < 0 ? "" : line[(comma + 1)..]));
        }
        return found;
    }

    private static string F(double v) => v.ToString("0.######", CultureInfo.InvariantCulture);
}
