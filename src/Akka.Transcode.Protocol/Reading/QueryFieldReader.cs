using Akka.Transcode.Domain;

namespace Akka.Transcode.Protocol.Reading;

/// <summary>
/// Fields of a query string for the read-only GET calls. Every value is text, so numbers and booleans are parsed
/// from it; a key given twice is refused because which one wins would be a guess.
/// </summary>
internal sealed class QueryFieldReader : FieldReader
{
    private readonly Dictionary<string, string> _fields = new(StringComparer.Ordinal);

    public QueryFieldReader(IEnumerable<KeyValuePair<string, string?>> pairs) : base("")
    {
        foreach (var (key, value) in pairs)
        {
            if (!_fields.TryAdd(key, value ?? ""))
                Fail<int>(ErrorCode.InvalidRequest, key, "query parameter appears more than once");
        }
    }

    protected override RawField Get(string field) =>
        _fields.TryGetValue(field, out var v) ? new RawField(RawKind.String, v, Untyped: true) : RawField.Absent;

    /// <summary>Splits <c>?a=1&amp;b=x%20y</c> into decoded pairs; '+' is a space as in HTML forms.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> Split(string? query)
    {
        if (string.IsNullOrEmpty(query)) yield break;
        foreach (var part in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            var key = eq < 0 ? part : part[..eq];
            var value = eq < 0 ? "" : part[(eq + 1)..];
            yield return new(Decode(key), Decode(value));
        }
    }

    private static string Decode(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));
}
