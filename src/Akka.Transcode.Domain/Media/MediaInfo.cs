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
/// <param name="Width">The coded picture's width: what a decoder makes, before the sample aspect ratio and rotation.</param>
/// <param name="SampleAspect">The pixels' own shape (width over height; 4:3 in anamorphic 1440x1080 HDV, which shows as
/// 1920x1080). 1 when the stream states none.</param>
/// <param name="Rotation">Degrees the picture is turned for display (a phone's portrait recording: 90 or -90 on a
/// landscape-coded picture). ffmpeg turns the picture upright as it decodes, so filters see the displayed shape.</param>
public sealed record VideoStreamInfo(string Codec, int Width, int Height, double FrameRate, string? PixelFormat,
    double StartOffset = 0, double? Duration = null, double SampleAspect = 1, int Rotation = 0)
{
    /// <summary>True when the display turns the picture a quarter: its width and height swap.</summary>
    public bool QuarterTurned => Math.Abs(Rotation % 180) == 90;

    /// <summary>The picture's size as it is shown, in square pixels: what sizes derived from the source's aspect (ladder
    /// renditions, stills) and no_upscale go by.</summary>
    public (int Width, int Height) Displayed
    {
        get
        {
            var sar = double.IsFinite(SampleAspect) && SampleAspect > 0 ? SampleAspect : 1;
            // A non-square pixel widens or narrows the picture; the height stays, as players show it.
            var width = (int)Math.Round(Width * sar);
            return QuarterTurned ? (Height, width) : (width, Height);
        }
    }
}

public sealed record AudioStreamInfo(string Codec, int SampleRate, int Channels);
