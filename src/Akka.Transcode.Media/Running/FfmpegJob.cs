namespace Akka.Transcode.Media.Running;

/// <summary>
/// One ffmpeg run: its argv (without the program name; files as absolute paths prefixed with "file:") and the
/// duration of media it should produce, from which progress percentages are computed.
/// </summary>
public sealed record FfmpegJob(IReadOnlyList<string> Arguments, double ExpectedDurationSeconds);
