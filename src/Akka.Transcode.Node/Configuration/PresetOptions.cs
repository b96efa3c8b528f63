using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Transcode.Protocol.Requests;
using Microsoft.Extensions.Configuration;

namespace Akka.Transcode.Node.Configuration;

/// <summary>
/// One entry of a configured preset (Transcode:Presets:&lt;name&gt;:&lt;i&gt;): the fields of an add_job
/// <c>outputs</c> entry, spelled the configuration's way (SegmentSeconds for segment_seconds). Bitrates are text as in
/// a request ("3000k"). Nothing is checked here: <see cref="PresetCatalog"/> hands the entries to the request's
/// own validation.
/// </summary>
public sealed class OutputEntryOptions
{
    public string? Type { get; set; }
    public string? Name { get; set; }
    // file
    public string? Format { get; set; }
    public string? VideoCodec { get; set; }
    public string? AudioCodec { get; set; }
    public string? VideoBitrate { get; set; }
    public string? AudioBitrate { get; set; }
    public int? Crf { get; set; }
    public string? Preset { get; set; }
    public int? Width { get; set; }
    public int? Height { get; set; }
    // cmaf, hls, dash
    public double? SegmentSeconds { get; set; }
    public bool? NoUpscale { get; set; }
    public List<RenditionOptions>? Renditions { get; set; }
    // thumbnails
    public double? IntervalSeconds { get; set; }
    public bool? Sprite { get; set; }
    public int? SpriteColumns { get; set; }
}

/// <summary>One rendition of a configured ladder (…:Renditions:&lt;j&gt;).</summary>
public sealed class RenditionOptions
{
    public string? Name { get; set; }
    public int? Width { get; set; }
    public int? Height { get; set; }
    public string? VideoBitrate { get; set; }
    public string? MaxBitrate { get; set; }
    public int? Crf { get; set; }
    public string? AudioBitrate { get; set; }
}

/// <summary>Turns Transcode:Presets into the presets add_job accepts, failing the start with the preset and field.</summary>
public static class PresetCatalog
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static OutputPresets Build(IConfigurationSection presets, IReadOnlyDictionary<string, List<OutputEntryOptions>> bound)
    {
        // The binder ignores a misspelt key in silence, and the entries are below a dictionary, where
        // OptionsLoader's own check stops: check them here.
        foreach (var preset in presets.GetChildren())
            foreach (var entry in preset.GetChildren())
            {
                var unknown = OptionsLoader.UnknownKeys(entry, typeof(OutputEntryOptions))
                    .Concat(entry.GetSection(nameof(OutputEntryOptions.Renditions)).GetChildren()
                        .SelectMany(r => OptionsLoader.UnknownKeys(r, typeof(RenditionOptions))))
                    .FirstOrDefault();
                if (unknown is not null)
                    throw new InvalidOperationException($"{unknown}: unknown configuration key (see the README's Presets section)");
            }
        var result = OutputPresets.With(bound.Select(p =>
            KeyValuePair.Create(p.Key, JsonSerializer.SerializeToElement(p.Value, Json))));
        return result.IsOk
            ? result.Value!
            : throw new InvalidOperationException($"Transcode:Presets:{result.Error!.Message}");
    }
}
