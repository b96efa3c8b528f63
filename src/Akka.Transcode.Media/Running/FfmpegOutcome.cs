namespace Akka.Transcode.Media.Running;

/// <summary>
/// How a run ended. ErrorTail holds ffmpeg's last non-empty stderr lines (progress lines left out), which is where it says what went wrong.
/// A canceled run is never a success, even when ffmpeg exited cleanly after 'q': its output is incomplete.
/// VideoFrames is the frame count of ffmpeg's last stats line (frame=N), null when it printed none (no video output).
/// </summary>
public sealed record FfmpegOutcome(bool Success, bool Canceled, int ExitCode, string ErrorTail, long? VideoFrames = null);
