namespace Akka.Transcode.Domain.Media;

/// <summary>What probing a source by content found: the first video and first audio stream, and the duration.</summary>
/// <param name="StartTime">The container's first timestamp, in seconds (1.4 for a typical MPEG-TS). Cuts trim on the
/// source's own timestamps, which start here, not at zero.</param>
/// <param name="Keyframes">The first video stream's key frames (the source's own timestamps, ascending), when a packet
/// scan found them: chunks then seek straight to the key frame before them (<see cref="Planning.SeekMap"/>).</param>
public sealed record MediaInfo(string FormatName, double Duration, VideoStreamInfo? Video, AudioStreamInfo? Audio,
    double StartTime = 0, IReadOnlyList<double>? Keyframes = null);

/// <param name="StartOffset">Where the first frame sits after the container's start, in seconds: a cut at "second 1"
/// means one second after the container's start, and the frame grid is shifted by this much.</param>
/// <param name="Duration">The video stream's own duration when the container states it (it can be shorter than the
/// format's duration, which includes the audio).</param>
public sealed record VideoStreamInfo(string Codec, int Width, int Height, double FrameRate, string? PixelFormat,
    double StartOffset = 0, double? Duration = null);

public sealed record AudioStreamInfo(string Codec, int SampleRate, int Channels);
