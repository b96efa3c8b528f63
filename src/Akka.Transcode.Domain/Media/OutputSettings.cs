namespace Akka.Transcode.Domain.Media;

/// <summary>
/// The optional output fields of add_job. Codec names are the protocol's (auto, copy, h264, hevc, vp9, av1;
/// auto, copy, aac, mp3, opus, none), never raw encoder names, so nothing a client sends reaches ffmpeg unchecked.
/// </summary>
public sealed record OutputSettings
{
    public string VideoCodec { get; init; } = "auto";
    public string AudioCodec { get; init; } = "auto";
    /// <summary>Bits per second, already parsed from forms such as "2M" or "800k".</summary>
    public long? VideoBitrate { get; init; }
    public long? AudioBitrate { get; init; }
    public int? Crf { get; init; }
    public string? Preset { get; init; }
    public int? Width { get; init; }
    public int? Height { get; init; }

    public static readonly OutputSettings Default = new();
}
