using Akka.Transcode.Domain.Media;

namespace Akka.Transcode.Domain.Outputs;

/// <summary>What one entry of add_job's <c>outputs</c> makes.</summary>
public enum OutputKind { File, Ladder, Thumbnails }

/// <summary>
/// One output of an output-group job, validated. A flat record with one filled part per kind rather than a class
/// hierarchy: it is persisted inside <see cref="Jobs.JobSpec"/> as JSON, and a flat shape needs no type tags.
/// Everything an output writes lives under its <see cref="Name"/> in the job's output directory
/// (<see cref="OutputLayout"/>).
/// </summary>
public sealed record OutputSpec
{
    public required OutputKind Kind { get; init; }
    /// <summary>Unique in the job; a plain name (letters, digits, '-', '_'), used as a file or folder name.</summary>
    public required string Name { get; init; }
    public FileOutputSpec? File { get; init; }
    public LadderSpec? Ladder { get; init; }
    public ThumbnailsSpec? Thumbnails { get; init; }
}

/// <summary>Today's single output: a container and the same codec options as a job without <c>outputs</c>.</summary>
public sealed record FileOutputSpec(string Format, OutputSettings Settings);

/// <summary>
/// An adaptive-bitrate ladder over one set of fMP4 (CMAF) segments: <see cref="Hls"/> writes master.m3u8 and a
/// playlist per rendition, <see cref="Dash"/> writes manifest.mpd; both name the same segment files.
/// </summary>
public sealed record LadderSpec
{
    public bool Hls { get; init; } = true;
    public bool Dash { get; init; }
    /// <summary>Target segment length; every segment but the last is within a frame of it.</summary>
    public double SegmentSeconds { get; init; } = 4;
    /// <summary>The protocol's codec name: h264 (plays everywhere) or hevc.</summary>
    public string VideoCodec { get; init; } = "h264";
    public IReadOnlyList<RenditionSpec> Renditions { get; init; } = [];
    /// <summary>Leave out renditions taller (or wider) than the source instead of upscaling; one is always kept.</summary>
    public bool NoUpscale { get; init; } = true;
}

/// <param name="Name">Folder of the rendition's segments; by default "&lt;height&gt;p" (or "&lt;width&gt;w").</param>
/// <param name="VideoBitrate">Average target, bits per second.</param>
/// <param name="MaxBitrate">Peak cap (VBV); by default 1.5 x <paramref name="VideoBitrate"/>.</param>
/// <param name="Crf">Quality target under the cap (capped CRF) instead of an average bitrate.</param>
/// <param name="AudioBitrate">The AAC audio rendition this variant plays with, bits per second; renditions with the
/// same value share one audio rendition, encoded once.</param>
public sealed record RenditionSpec(string Name, int? Width, int? Height, long VideoBitrate, long? MaxBitrate, int? Crf,
    long AudioBitrate);

/// <param name="IntervalSeconds">A still every so many seconds of the output, the first at 0.</param>
/// <param name="Format">"jpeg" or "webp".</param>
/// <param name="Width">Still width; the height keeps the source's aspect ratio (even) unless given.</param>
/// <param name="Sprite">Also one sprite sheet of every still, with a WebVTT index (sprite.vtt) for player scrubbing.</param>
/// <param name="SpriteColumns">Stills per sprite row.</param>
public sealed record ThumbnailsSpec(double IntervalSeconds, string Format, int Width, int? Height, bool Sprite,
    int SpriteColumns = 10);
