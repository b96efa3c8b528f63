using System.Diagnostics;
using System.Globalization;
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
    /// </summary>
    public static async Task<double?> LastAtOrBeforeAsync(string path, double stamp, double window, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(GlobalFFOptions.GetFFProbeBinaryPath(GlobalFFOptions.Current))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // An argument list, never a command line: no file name can split or add arguments.
        foreach (var a in new[]
                 {
                     "-v", "error", "-select_streams", "v:0", "-skip_frame", "nokey",
                     "-show_entries", "frame=pts_time", "-of", "csv=p=0",
                     "-read_intervals", $"{F(Math.Max(0, stamp - window))}%{F(stamp + 0.001)}", "file:" + path,
                 })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("ffprobe did not start");
        await using var kill = ct.Register(() => { try { p.Kill(); } catch (InvalidOperationException) { } });
        var stdout = await p.StandardOutput.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        double? best = null;
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (double.TryParse(line.TrimEnd(','), NumberStyles.Float, CultureInfo.InvariantCulture, out var t)
                && t <= stamp + 1e-6 && (best is null || t > best))
                best = t;
        return best;
    }

    private static string F(double v) => v.ToString("0.######", CultureInfo.InvariantCulture);
}
