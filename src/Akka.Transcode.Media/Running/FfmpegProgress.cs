namespace Akka.Transcode.Media.Running;

/// <summary>How far a run is: percent of the expected duration, ffmpeg's speed (1.5 = 1.5x realtime) when it reports one, and media time done.</summary>
public sealed record FfmpegProgress(double Percent, double? Speed, TimeSpan Processed);
