namespace Akka.Transcode.Domain.Media;

/// <summary>What probing a source by content found: the first video and first audio stream, and the duration.</summary>
public sealed record MediaInfo(string FormatName, double Duration, VideoStreamInfo? Video, AudioStreamInfo? Audio);

public sealed record VideoStreamInfo(string Codec, int Width, int Height, double FrameRate, string? PixelFormat);

public sealed record AudioStreamInfo(string Codec, int SampleRate, int Channels);
