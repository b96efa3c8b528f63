namespace Akka.Transcode.Domain.Outputs;

/// <summary>
/// The built-in presets: add_job's <c>outputs</c> may name one instead of spelling the list out. A job keeps the
/// spelled-out list (<see cref="Jobs.JobSpec.Outputs"/>), so changing a preset here never changes a job already
/// accepted. The README lists these values; a test reads the README's JSON through the request validation and
/// compares it with this.
/// </summary>
public static class Presets
{
    public const string Abr16x9Name = "abr-16x9";

    /// <summary>
    /// A CMAF ladder (HLS and DASH) for 16:9 sources, 1080p down to 360p, each capped at 1.5 x its average so peaks
    /// stay playable on the next rendition's bandwidth; renditions taller than the source are left out. Plus a
    /// still every 10 s with a sprite for player scrubbing.
    /// </summary>
    public static readonly IReadOnlyList<OutputSpec> Abr16x9 =
    [
        new()
        {
            Kind = OutputKind.Ladder, Name = "cmaf",
            Ladder = new LadderSpec
            {
                Hls = true, Dash = true, SegmentSeconds = 4, VideoCodec = "h264", NoUpscale = true,
                Renditions =
                [
                    new RenditionSpec("1080p", null, 1080, 5_000_000, 7_500_000, null, 128_000),
                    new RenditionSpec("720p", null, 720, 3_000_000, 4_500_000, null, 128_000),
                    new RenditionSpec("480p", null, 480, 1_400_000, 2_100_000, null, 128_000),
                    new RenditionSpec("360p", null, 360, 800_000, 1_200_000, null, 128_000),
                ],
            },
        },
        new()
        {
            Kind = OutputKind.Thumbnails, Name = "thumbs",
            Thumbnails = new ThumbnailsSpec(IntervalSeconds: 10, Format: "jpeg", Width: 320, Height: null, Sprite: true, SpriteColumns: 10),
        },
    ];

    /// <summary>Every built-in preset by name; configuration may add others but not reuse these names.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<OutputSpec>> BuiltIn =
        new Dictionary<string, IReadOnlyList<OutputSpec>>(StringComparer.OrdinalIgnoreCase) { [Abr16x9Name] = Abr16x9 };
}
