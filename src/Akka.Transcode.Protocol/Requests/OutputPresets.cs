using System.Text.Json;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Outputs;

namespace Akka.Transcode.Protocol.Requests;

/// <summary>
/// The presets add_job's <c>outputs</c> may name: the built-in ones (<see cref="Presets.BuiltIn"/>) and the node's
/// Transcode:Presets:&lt;name&gt;. Configured presets are checked by <see cref="OutputsReader"/>, the code that checks
/// a request, so a preset the node starts with is one a client could have sent.
/// </summary>
public sealed class OutputPresets
{
    public static readonly OutputPresets BuiltIn = new(Presets.BuiltIn);

    private readonly IReadOnlyDictionary<string, IReadOnlyList<OutputSpec>> _byName;

    private OutputPresets(IReadOnlyDictionary<string, IReadOnlyList<OutputSpec>> byName) => _byName = byName;

    /// <summary>Every preset's name, built-in ones first, for the -4 that lists them.</summary>
    public IReadOnlyList<string> Names => _byName.Keys.ToList();

    /// <summary>The preset's spelled-out outputs; names match without regard to case, as configuration keys do.</summary>
    public IReadOnlyList<OutputSpec>? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>
    /// The built-in presets plus <paramref name="configured"/> (name → the JSON array of its entries, with the
    /// request's field names), or the first reason one is refused, naming the preset and the field.
    /// </summary>
    public static Result<OutputPresets> With(IEnumerable<KeyValuePair<string, JsonElement>> configured)
    {
        var all = new Dictionary<string, IReadOnlyList<OutputSpec>>(Presets.BuiltIn, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, entries) in configured)
        {
            if (Presets.BuiltIn.ContainsKey(name))
                return Result<OutputPresets>.Fail(ErrorCode.InvalidValue, $"{name}: is a built-in preset; choose another name");
            if (!OutputsReader.IsPlainName(name))
                return Result<OutputPresets>.Fail(ErrorCode.InvalidValue,
                    $"{name}: a preset name is 1..{OutputsReader.MaxNameLength} characters of A-Z a-z 0-9 _ -");
            if (all.ContainsKey(name))
                return Result<OutputPresets>.Fail(ErrorCode.InvalidValue, $"{name}: given twice (names match without regard to case)");
            var read = OutputsReader.ReadPreset(entries);
            if (!read.IsOk) return Result<OutputPresets>.Fail(read.Error!.Code, $"{name}: {read.Error.Message}");
            all[name] = read.Value!;
        }
        return Result<OutputPresets>.Ok(new OutputPresets(all));
    }
}
