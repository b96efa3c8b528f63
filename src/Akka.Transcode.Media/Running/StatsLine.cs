using System.Globalization;
using System.Text.RegularExpressions;

namespace Akka.Transcode.Media.Running;

/// <summary>ffmpeg's periodic stats line on stderr ("frame=... time=00:00:01.30 bitrate=... speed=1.5x").</summary>
internal static partial class StatsLine
{
    [GeneratedRegex(@"time=\s*(-?)(\d+):(\d\d):(\d\d(?:\.\d+)?)")]
    private static partial Regex TimePattern();

    // Present when the output has a video stream (encoded or copied): frames written so far.
    [GeneratedRegex(@"\bframe=\s*(\d+)")]
    private static partial Regex FramePattern();

    [GeneratedRegex(@"speed=\s*(\d+(?:\.\d+)?(?:e[+-]?\d+)?)x")]
    private static partial Regex SpeedPattern();

    // Far beyond any media, and far inside what a TimeSpan holds.
    private const double MaxSeconds = 1e9;

    public static bool TryParse(string line, out TimeSpan processed, out double? speed, out long? frames)
    {
        processed = TimeSpan.Zero;
        speed = null;
        frames = null;
        var time = TimePattern().Match(line);
        if (!time.Success) return false;

        // ffmpeg prints a negative time before the first timestamp is known.
        if (time.Groups[1].Value != "-")
            processed = TimeSpan.FromSeconds(Math.Min(Number(time.Groups[2]) * 3600 + Number(time.Groups[3]) * 60 + Number(time.Groups[4]), MaxSeconds));

        // "speed=N/A" until ffmpeg has timed enough output.
        var match = SpeedPattern().Match(line);
        if (match.Success) speed = Number(match.Groups[1]);
        var frame = FramePattern().Match(line);
        if (frame.Success && long.TryParse(frame.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) frames = n;
        return true;
    }

    // The patterns admit only digits, but a parse must never throw on ffmpeg's stderr thread.
    private static double Number(Group group) =>
        double.TryParse(group.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : 0;
}
