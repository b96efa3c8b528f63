using System.Text.Json;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Outputs;
using Akka.Transcode.Protocol.Reading;

namespace Akka.Transcode.Protocol.Requests;

/// <summary>
/// add_job's <c>outputs</c>: an array of entries (file, cmaf/hls/dash, thumbnails) or the name of a preset. Every
/// rule is checked here, where the client still gets an error naming the entry and field
/// (<c>job.outputs[1].renditions[0].height: ...</c>); configured presets go through the same code at start-up.
/// </summary>
internal static class OutputsReader
{
    public const int MaxOutputs = 16;
    public const int MaxRenditions = 8;
    public const int MaxNameLength = 64;
    public const int MaxStillWidth = 1920;
    public const long MinAudioBitrate = 16_000;
    public const long MaxAudioBitrate = 512_000;
    public const long DefaultAudioBitrate = 128_000;

    private static readonly string[] Types = ["file", "cmaf", "hls", "dash", "thumbnails"];
    private static readonly string[] ImageFormats = ["jpeg", "webp"];

    /// <summary>
    /// The job's <c>outputs</c>: the spelled-out list and the preset it came from (null when spelled out). Only
    /// called when the field is present.
    /// </summary>
    public static (IReadOnlyList<OutputSpec> Outputs, string? Preset) Read(JsonFieldReader job, OutputPresets presets)
    {
        const string field = "outputs";
        var raw = job.Raw(field);
        if (raw.Kind == RawKind.String)
        {
            var name = raw.Text!;
            if (presets.Find(name) is { } preset) return (preset, name);
            job.Fail<int>(ErrorCode.InvalidValue, field,
                $"unknown preset '{name}' (known: {string.Join(", ", presets.Names)})");
            return ([], null);
        }
        if (raw.Kind != RawKind.Other || raw.TypeName != "array")
        {
            job.WrongType<int>(field, "an array of outputs or a preset name", raw);
            return ([], null);
        }
        return (Entries(job, field), null);
    }

    /// <summary>A configured preset, the JSON array of its entries: the same checks as a request's.</summary>
    public static Result<IReadOnlyList<OutputSpec>> ReadPreset(JsonElement entries)
    {
        const string field = "outputs";
        if (entries.ValueKind != JsonValueKind.Array)
            return Result<IReadOnlyList<OutputSpec>>.Fail(ErrorCode.InvalidRequest, "expected an array of outputs");
        // Wrapped as a request's field, so the same reader names the same paths (outputs[0].renditions[1].height).
        using var doc = JsonDocument.Parse($"{{\"{field}\":{entries.GetRawText()}}}");
        var root = JsonFieldReader.ForBody(doc.RootElement);
        var outputs = Entries(root, field);
        return root.Error is { } e ? e : Result<IReadOnlyList<OutputSpec>>.Ok(outputs);
    }

    private static IReadOnlyList<OutputSpec> Entries(JsonFieldReader parent, string field)
    {
        var items = parent.Array(field);
        if (items is null) return [];
        if (items.Count is 0 or > MaxOutputs)
            return FailList<OutputSpec>(parent, field, $"{items.Count} outputs; 1..{MaxOutputs} are allowed");
        var outputs = new List<OutputSpec>();
        var names = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < items.Count && parent.Error is null; i++)
        {
            var entry = Entry(items[i]);
            if (entry is null) break;
            // Names are file and folder names in one directory: unique whatever the file system's case rules.
            if (names.TryGetValue(entry.Name, out var first))
                return FailList<OutputSpec>(items[i], "name", $"'{entry.Name}' is already the name of outputs[{first}]");
            names[entry.Name] = i;
            outputs.Add(entry);
        }
        return parent.Error is null ? outputs : [];
    }

    private static OutputSpec? Entry(JsonFieldReader e)
    {
        var type = e.Word("type", Types, fallback: null, what: "output type", required: true);
        if (type is null) return null;
        var name = PlainName(e, "name", fallback: type switch { "file" => "main", "thumbnails" => "thumbs", _ => type });
        if (name is null) return null;
        OutputSpec? spec = type switch
        {
            "file" => File(e, name),
            "thumbnails" => Thumbnails(e, name),
            _ => Ladder(e, name, type),
        };
        return e.Error is null ? spec : null;
    }

    private static OutputSpec? File(JsonFieldReader e, string name)
    {
        var format = e.Word("format", ContainerFormats.All.Keys.ToList(), fallback: null, what: "container", required: true);
        var settings = OutputSettingsReader.Read(e, ContainerFormats.Find(format ?? ""));
        return e.Error is not null ? null
            : new OutputSpec { Kind = OutputKind.File, Name = name, File = new FileOutputSpec(format!, settings) };
    }

    private static OutputSpec? Ladder(JsonFieldReader e, string name, string type)
    {
        var segment = e.NumberIn("segment_seconds", 1, 30, fallback: 4);
        var codec = e.String("video_codec")?.ToLowerInvariant() ?? "h264";
        if (e.Error is null && codec != "h264")
            return Fail<OutputSpec>(e, "video_codec", $"'{codec}': ladders are h264 only for now (it plays in every browser and player)");
        var noUpscale = e.Boolean("no_upscale") ?? true;
        var renditions = Renditions(e);
        if (e.Error is not null) return null;
        return new OutputSpec
        {
            Kind = OutputKind.Ladder, Name = name,
            Ladder = new LadderSpec
            {
                Hls = type is "cmaf" or "hls", Dash = type is "cmaf" or "dash", SegmentSeconds = segment,
                VideoCodec = codec, NoUpscale = noUpscale, Renditions = renditions,
            },
        };
    }

    private static IReadOnlyList<RenditionSpec> Renditions(JsonFieldReader e)
    {
        const string field = "renditions";
        if (e.Error is not null) return [];
        var items = e.Array(field);
        if (items is null)
            return e.Error is null ? FailList<RenditionSpec>(e, field, "required field is missing", ErrorCode.InvalidRequest) : [];
        if (items.Count is 0 or > MaxRenditions)
            return FailList<RenditionSpec>(e, field, $"{items.Count} renditions; 1..{MaxRenditions} are allowed");
        var list = new List<RenditionSpec>();
        for (var i = 0; i < items.Count; i++)
        {
            var r = Rendition(items[i]);
            if (r is null) return [];
            if (list.FindIndex(o => o.Name.Equals(r.Name, StringComparison.OrdinalIgnoreCase)) is var same and >= 0)
                return FailList<RenditionSpec>(items[i], "name", $"'{r.Name}' is already the name of renditions[{same}]");
            if (list.FindIndex(o => o.Width == r.Width && o.Height == r.Height && o.VideoBitrate == r.VideoBitrate) is var twin and >= 0)
                return FailList<RenditionSpec>(items[i], "video_bitrate", $"renditions[{twin}] has the same size and video_bitrate: one of them is redundant");
            list.Add(r);
        }
        return list;
    }

    private static RenditionSpec? Rendition(JsonFieldReader r)
    {
        var height = r.EvenIn("height", OutputSettingsReader.MinDimension, OutputSettingsReader.MaxDimension);
        var width = r.EvenIn("width", OutputSettingsReader.MinDimension, OutputSettingsReader.MaxDimension);
        if (r.Error is null && height is null && width is null)
            return Fail<RenditionSpec>(r, "height", "a rendition needs height or width (or both)");
        var bitrate = Bitrate.Read(r, "video_bitrate");
        if (r.Error is null && bitrate is null)
            return Fail<RenditionSpec>(r, "video_bitrate", "required field is missing", ErrorCode.InvalidRequest);
        var max = Bitrate.Read(r, "max_bitrate");
        if (max < bitrate)
            return Fail<RenditionSpec>(r, "max_bitrate", $"{max} bits/s is below video_bitrate ({bitrate}): the cap must allow the average");
        int? crf = r.Raw("crf").Kind == RawKind.Absent ? null : r.IntegerIn("crf", 0, 51, fallback: 0);
        var audio = Bitrate.Read(r, "audio_bitrate") ?? DefaultAudioBitrate;
        if (r.Error is null && audio is < MinAudioBitrate or > MaxAudioBitrate)
            return Fail<RenditionSpec>(r, "audio_bitrate", $"{audio} bits/s is out of range ({MinAudioBitrate}..{MaxAudioBitrate})");
        var name = PlainName(r, "name", fallback: height is { } h ? $"{h}p" : $"{width}w");
        // The ladder's audio renditions live next to the video ones, in audio-<kbps>k folders.
        if (name is not null && name.StartsWith("audio-", StringComparison.OrdinalIgnoreCase))
            return Fail<RenditionSpec>(r, "name", $"'{name}': names starting with audio- are kept for the audio renditions");
        return r.Error is null ? new RenditionSpec(name!, width, height, bitrate!.Value, max, crf, audio) : null;
    }

    private static OutputSpec? Thumbnails(JsonFieldReader e, string name)
    {
        var interval = e.NumberIn("interval_seconds", 0.5, 3600, fallback: 10);
        var format = e.Word("format", ImageFormats, fallback: "jpeg", what: "image format")!;
        var width = e.EvenIn("width", OutputSettingsReader.MinDimension, MaxStillWidth) ?? 320;
        var height = e.EvenIn("height", OutputSettingsReader.MinDimension, MaxStillWidth);
        var sprite = e.Boolean("sprite") ?? false;
        var columns = e.IntegerIn("sprite_columns", 1, 50, fallback: 10);
        return e.Error is not null ? null : new OutputSpec
        {
            Kind = OutputKind.Thumbnails, Name = name,
            Thumbnails = new ThumbnailsSpec(interval, format, width, height, sprite, columns),
        };
    }

    /// <summary>A name that is safe as a file or folder name on every system: no separators, dots or spaces.</summary>
    public static bool IsPlainName(string s) =>
        s.Length is > 0 and <= MaxNameLength && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string? PlainName(FieldReader r, string field, string fallback)
    {
        var s = r.String(field);
        if (s is null) return r.Error is null ? fallback : null;
        return IsPlainName(s) ? s
            : r.Fail<string>(ErrorCode.InvalidValue, field, $"'{s}' is not a plain name (1..{MaxNameLength} characters of A-Z a-z 0-9 _ -)");
    }

    private static List<T> FailList<T>(FieldReader r, string field, string message, ErrorCode code = ErrorCode.InvalidValue)
    {
        r.Fail<int>(code, field, message);
        return [];
    }

    private static T? Fail<T>(FieldReader r, string field, string message, ErrorCode code = ErrorCode.InvalidValue) where T : class =>
        r.Fail<T>(code, field, message);
}
