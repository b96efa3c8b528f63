using System.Globalization;
using System.Text.Json;

namespace Akka.Transcode.Domain.Maps;

/// <summary>What a map file says, checked, before any file it names has been looked at.</summary>
public abstract record StitchMapDefinition;

/// <summary>A v360 map needs nothing else: its options are final.</summary>
public sealed record V360Definition(V360Map Map) : StitchMapDefinition;

/// <summary>A remap map: its two lookup tables as the map file names them, relative to the map file.</summary>
public sealed record RemapDefinition(string XMap, string YMap) : StitchMapDefinition;

/// <summary>
/// Reads a stitching map file (PROTOCOL.md "Stitching maps"). Every value is checked against what ffmpeg 5.1's
/// filter accepts (<c>ffmpeg -h filter=v360</c>) and written back in one canonical spelling, so nothing a client
/// wrote reaches a filter graph as text; unknown keys are refused rather than ignored, because a misspelt option
/// silently ignored would give a wrong picture. All failures are -4.
/// </summary>
public static class StitchMapParser
{
    /// <summary>Output sizes: large enough to be a picture, small enough for the encoders and a worker's memory;
    /// even, because every output is 4:2:0.</summary>
    public const int MinSize = 16, MaxSize = 8192;

    /// <summary>Longest table name; paths on Linux allow 4096 bytes, but no sensible map needs more.</summary>
    public const int MaxTableNameLength = 1024;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private enum Kind { Name, Number, Integer, Flag, Letters }

    /// <param name="Names">Accepted names → the canonical name written to ffmpeg (aliases fold into one).</param>
    /// <param name="Letters">For <see cref="Kind.Letters"/>: the allowed letters.</param>
    /// <param name="Permutation">The value must use each allowed letter exactly once.</param>
    private sealed record Option(string Key, Kind Kind, double Min = 0, double Max = 0,
        IReadOnlyDictionary<string, string>? Names = null, string? Letters = null, int Length = 0,
        bool Permutation = false, bool Required = false, bool Even = false);

    private static readonly Dictionary<string, string> InputProjections = Canonical(
        ("equirect", ["e", "equirect"]), ("c3x2", ["c3x2"]), ("c6x1", ["c6x1"]), ("eac", ["eac"]),
        ("dfisheye", ["dfisheye"]), ("flat", ["flat", "rectilinear", "gnomonic"]), ("barrel", ["barrel", "fb"]),
        ("c1x6", ["c1x6"]), ("sg", ["sg"]), ("mercator", ["mercator"]), ("ball", ["ball"]), ("hammer", ["hammer"]),
        ("sinusoidal", ["sinusoidal"]), ("fisheye", ["fisheye"]), ("pannini", ["pannini"]),
        ("cylindrical", ["cylindrical"]), ("tetrahedron", ["tetrahedron"]), ("barrelsplit", ["barrelsplit"]),
        ("tsp", ["tsp"]), ("hequirect", ["hequirect", "he"]), ("equisolid", ["equisolid"]), ("og", ["og"]),
        ("octahedron", ["octahedron"]), ("cylindricalea", ["cylindricalea"]));

    // ffmpeg's output list is the input list plus perspective, which v360 can only produce.
    private static readonly Dictionary<string, string> OutputProjections =
        new(InputProjections) { ["perspective"] = "perspective" };

    private static readonly Dictionary<string, string> Interpolations = Canonical(
        ("nearest", ["near", "nearest"]), ("linear", ["line", "linear"]), ("lagrange9", ["lagrange9"]),
        ("cubic", ["cube", "cubic"]), ("lanczos", ["lanc", "lanczos"]), ("spline16", ["sp16", "spline16"]),
        ("gaussian", ["gauss", "gaussian"]), ("mitchell", ["mitchell"]));

    private static readonly Dictionary<string, string> StereoFormats = Canonical(
        ("2d", ["2d"]), ("sbs", ["sbs"]), ("tb", ["tb"]));

    /// <summary>
    /// The v360 options a map may set, in the order they are handed to ffmpeg. Left out: alpha_mask (no output
    /// format here keeps an alpha plane) and reset_rot (a control for live commands, meaningless in a file).
    /// </summary>
    private static readonly Option[] V360Options =
    [
        new("input", Kind.Name, Names: InputProjections, Required: true),
        new("output", Kind.Name, Names: OutputProjections, Required: true),
        new("interp", Kind.Name, Names: Interpolations),
        new("w", Kind.Integer, MinSize, MaxSize, Required: true, Even: true),
        new("h", Kind.Integer, MinSize, MaxSize, Required: true, Even: true),
        new("in_stereo", Kind.Name, Names: StereoFormats),
        new("out_stereo", Kind.Name, Names: StereoFormats),
        // Cube faces: each of right, left, up, down, front, back once; rotations as quarter turns 0-3.
        new("in_forder", Kind.Letters, Letters: "rludfb", Length: 6, Permutation: true),
        new("out_forder", Kind.Letters, Letters: "rludfb", Length: 6, Permutation: true),
        new("in_frot", Kind.Letters, Letters: "0123", Length: 6),
        new("out_frot", Kind.Letters, Letters: "0123", Length: 6),
        new("in_pad", Kind.Number, 0, 0.1),
        new("out_pad", Kind.Number, 0, 0.1),
        new("fin_pad", Kind.Integer, 0, 100),
        new("fout_pad", Kind.Integer, 0, 100),
        new("yaw", Kind.Number, -180, 180),
        new("pitch", Kind.Number, -180, 180),
        new("roll", Kind.Number, -180, 180),
        new("rorder", Kind.Letters, Letters: "ypr", Length: 3, Permutation: true),
        new("h_fov", Kind.Number, 0, 360),
        new("v_fov", Kind.Number, 0, 360),
        new("d_fov", Kind.Number, 0, 360),
        new("h_flip", Kind.Flag),
        new("v_flip", Kind.Flag),
        new("d_flip", Kind.Flag),
        new("ih_flip", Kind.Flag),
        new("iv_flip", Kind.Flag),
        new("in_trans", Kind.Flag),
        new("out_trans", Kind.Flag),
        new("ih_fov", Kind.Number, 0, 360),
        new("iv_fov", Kind.Number, 0, 360),
        new("id_fov", Kind.Number, 0, 360),
        new("h_offset", Kind.Number, -1, 1),
        new("v_offset", Kind.Number, -1, 1),
    ];

    private static readonly Dictionary<string, Option> V360ByKey = V360Options.ToDictionary(o => o.Key);

    /// <summary>The keys a v360 map accepts besides <c>kind</c>, in ffmpeg's order.</summary>
    public static IReadOnlyList<string> V360Keys { get; } = V360Options.Select(o => o.Key).ToArray();

    /// <summary>Reads the text of a map file.</summary>
    public static Result<StitchMapDefinition> Parse(string json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            return Fail($"not valid JSON ({e.Message})");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return Fail($"must be a JSON object, not {Describe(root)}");

            var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var p in root.EnumerateObject())
            {
                // Which of two values would count is up to the reader: refuse rather than guess.
                if (!fields.TryAdd(p.Name, p.Value))
                    return Fail($"key '{Shown(p.Name)}' appears more than once");
            }
            if (!fields.TryGetValue("kind", out var kind))
                return Fail("'kind' is missing (\"v360\" or \"remap\")");
            if (kind.ValueKind != JsonValueKind.String)
                return Fail($"'kind' must be a string, not {Describe(kind)}");
            fields.Remove("kind");
            return kind.GetString() switch
            {
                "v360" => ParseV360(fields),
                "remap" => ParseRemap(fields),
                var other => Fail($"unknown kind '{Shown(other!)}' (\"v360\" or \"remap\")"),
            };
        }
    }

    private static Result<StitchMapDefinition> ParseV360(Dictionary<string, JsonElement> fields)
    {
        foreach (var key in fields.Keys)
            if (!V360ByKey.ContainsKey(key))
                return Fail($"unknown key '{Shown(key)}' in a v360 map (accepted: kind, {string.Join(", ", V360Keys)})");

        var options = new List<KeyValuePair<string, string>>();
        foreach (var option in V360Options)
        {
            if (!fields.TryGetValue(option.Key, out var value))
            {
                if (option.Required) return Fail($"v360 '{option.Key}' is missing");
                continue;
            }
            var checkedValue = Check(option, value);
            if (!checkedValue.IsOk) return checkedValue.Error!;
            options.Add(new(option.Key, checkedValue.Value!));
        }
        return Result<StitchMapDefinition>.Ok(new V360Definition(new V360Map(options)));
    }

    /// <summary>One value, checked and written the way ffmpeg reads it.</summary>
    private static Result<string> Check(Option o, JsonElement value)
    {
        var what = $"v360 '{o.Key}'";
        switch (o.Kind)
        {
            case Kind.Name:
            {
                if (value.ValueKind != JsonValueKind.String)
                    return Bad($"{what} must be a string, not {Describe(value)}");
                var name = value.GetString()!;
                return o.Names!.TryGetValue(name, out var canonical)
                    ? Result<string>.Ok(canonical)
                    : Bad($"{what}: unknown value '{Shown(name)}' (accepted: {string.Join(", ", o.Names.Keys)})");
            }
            case Kind.Number:
            {
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var d) || !double.IsFinite(d))
                    return Bad($"{what} must be a number, not {Describe(value)}");
                if (d < o.Min || d > o.Max)
                    return Bad($"{what} must be from {Num(o.Min)} to {Num(o.Max)}, not {value.GetRawText()}");
                return Result<string>.Ok(Num(d));
            }
            case Kind.Integer:
            {
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var n))
                {
                    return value.ValueKind == JsonValueKind.Number
                        ? Bad($"{what} must be a whole number from {Num(o.Min)} to {Num(o.Max)}, not {value.GetRawText()}")
                        : Bad($"{what} must be a whole number, not {Describe(value)}");
                }
                if (n < o.Min || n > o.Max)
                    return Bad($"{what} must be from {Num(o.Min)} to {Num(o.Max)}, not {n}");
                if (o.Even && n % 2 != 0)
                    return Bad($"{what} must be even (4:2:0 video has even sizes), not {n}");
                return Result<string>.Ok(n.ToString(Inv));
            }
            case Kind.Flag:
                return value.ValueKind switch
                {
                    JsonValueKind.True => Result<string>.Ok("1"),
                    JsonValueKind.False => Result<string>.Ok("0"),
                    _ => Bad($"{what} must be true or false, not {Describe(value)}"),
                };
            case Kind.Letters:
            {
                if (value.ValueKind != JsonValueKind.String)
                    return Bad($"{what} must be a string, not {Describe(value)}");
                var text = value.GetString()!;
                var rule = o.Permutation
                    ? $"each of the letters '{o.Letters}' exactly once"
                    : $"{o.Length} characters from '{o.Letters}'";
                var ok = text.Length == o.Length && text.All(c => o.Letters!.Contains(c))
                         && (!o.Permutation || text.Distinct().Count() == text.Length);
                return ok ? Result<string>.Ok(text) : Bad($"{what} must be {rule}, not '{Shown(text)}'");
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(o));
        }
    }

    private static Result<StitchMapDefinition> ParseRemap(Dictionary<string, JsonElement> fields)
    {
        foreach (var key in fields.Keys)
            if (key is not ("xmap" or "ymap"))
                return Fail($"unknown key '{Shown(key)}' in a remap map (accepted: kind, xmap, ymap)");
        var x = TableName(fields, "xmap");
        if (!x.IsOk) return x.Error!;
        var y = TableName(fields, "ymap");
        if (!y.IsOk) return y.Error!;
        return Result<StitchMapDefinition>.Ok(new RemapDefinition(x.Value!, y.Value!));
    }

    /// <summary>
    /// A table's name: a path relative to the map file that cannot climb out of its directory by text. (Symbolic
    /// links can still lead anywhere: whoever resolves the name checks where it really is.)
    /// </summary>
    private static Result<string> TableName(Dictionary<string, JsonElement> fields, string key)
    {
        if (!fields.TryGetValue(key, out var value)) return Bad($"remap '{key}' is missing");
        if (value.ValueKind != JsonValueKind.String)
            return Bad($"remap '{key}' must be a string, not {Describe(value)}");
        var name = value.GetString()!;
        if (name.Length == 0 || string.IsNullOrWhiteSpace(name)) return Bad($"remap '{key}' must not be empty");
        if (name.Length > MaxTableNameLength)
            return Bad($"remap '{key}' is longer than {MaxTableNameLength} characters");
        if (name.Any(char.IsControl)) return Bad($"remap '{key}' contains a control character");
        if (name[0] is '/' or '\\' || Path.IsPathRooted(name))
            return Bad($"remap '{key}' must be relative to the map file, not an absolute path ('{Shown(name)}')");
        var segments = name.Split('/', '\\');
        if (segments.Contains(".."))
            return Bad($"remap '{key}' must not contain '..' ('{Shown(name)}')");
        if (segments[^1] is "" or ".")
            return Bad($"remap '{key}' must name a file, not a directory ('{Shown(name)}')");
        return Result<string>.Ok(name);
    }

    /// <summary>
    /// One lookup table of a remap map, after its header has been read: 16-bit (ffmpeg's remap takes gray16, and
    /// an 8-bit table would be scaled by 257 on the way in, so its coordinates would point elsewhere), a size the
    /// output can have, and a file that holds exactly that one image.
    /// </summary>
    /// <param name="key">"xmap" or "ymap".</param>
    public static Failure? CheckTable(string key, string name, PgmHeader header, long fileLength)
    {
        var what = $"remap '{key}' ('{Shown(name)}')";
        if (header.MaxValue < 256)
            return new Failure(ErrorCode.InvalidValue,
                $"{what} is an 8-bit PGM (maxval {header.MaxValue}); the tables must be 16-bit (maxval 256 to 65535)");
        if (header.Width < MinSize || header.Width > MaxSize || header.Height < MinSize || header.Height > MaxSize)
            return new Failure(ErrorCode.InvalidValue,
                $"{what} is {header.Width}x{header.Height}; tables must be {MinSize} to {MaxSize} pixels each way");
        if (header.Width % 2 != 0 || header.Height % 2 != 0)
            return new Failure(ErrorCode.InvalidValue,
                $"{what} is {header.Width}x{header.Height}; the output size must be even (4:2:0 video)");
        if (fileLength != header.FileLength)
            return new Failure(ErrorCode.InvalidValue,
                $"{what} is {fileLength} bytes, but its header announces {header.FileLength} ({header.Width}x{header.Height} 16-bit samples)");
        return null;
    }

    /// <summary>The checked map of two checked tables: both the same size, which is the output's size.</summary>
    public static Result<StitchMap> Remap(RemapDefinition definition, string xPath, PgmHeader x, string yPath, PgmHeader y)
    {
        if (x.Width != y.Width || x.Height != y.Height)
            return Result<StitchMap>.Fail(ErrorCode.InvalidValue,
                $"remap tables differ in size: xmap '{Shown(definition.XMap)}' is {x.Width}x{x.Height}, ymap '{Shown(definition.YMap)}' is {y.Width}x{y.Height}");
        return Result<StitchMap>.Ok(new RemapMap(xPath, yPath, x.Width, x.Height));
    }

    private static Dictionary<string, string> Canonical(params (string Canonical, string[] Names)[] groups) =>
        groups.SelectMany(g => g.Names.Select(n => (n, g.Canonical))).ToDictionary(p => p.n, p => p.Canonical, StringComparer.Ordinal);

    /// <summary>Plain decimal, never an exponent, with a negative zero as 0.</summary>
    private static string Num(double d) => (d + 0.0).ToString("0.##########", Inv);

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => $"the number {e.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => e.ValueKind.ToString(),
    };

    /// <summary>Client text echoed in a message: cut short, control characters shown as '?'.</summary>
    private static string Shown(string text)
    {
        var shown = new string(text.Take(80).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return text.Length > 80 ? shown + "…" : shown;
    }

    private static Result<StitchMapDefinition> Fail(string message) =>
        Result<StitchMapDefinition>.Fail(ErrorCode.InvalidValue, message);

    private static Result<string> Bad(string message) => Result<string>.Fail(ErrorCode.InvalidValue, message);
}
