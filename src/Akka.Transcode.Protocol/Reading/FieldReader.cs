using System.Globalization;
using Akka.Transcode.Domain;

namespace Akka.Transcode.Protocol.Reading;

/// <summary>
/// Reads typed fields out of a request and keeps the first failure. Parsers read every field in order and check
/// <see cref="Error"/> once at the end, which keeps each request's rules in one readable block; after a failure
/// further reads return defaults and record nothing, so the reported error is always the first in field order.
/// </summary>
internal abstract class FieldReader(string prefix, FieldReader? parent = null)
{
    private Failure? _error;

    /// <summary>The first failure of this request; a nested object's reader shares its parent's.</summary>
    public Failure? Error
    {
        get => parent is null ? _error : parent.Error;
        private set { if (parent is null) _error = value; else parent.Error = value; }
    }

    public string Name(string field) => prefix + field;

    protected abstract RawField Get(string field);

    /// <summary>Records a failure for <paramref name="field"/> unless one is already recorded; returns default.</summary>
    public T? Fail<T>(ErrorCode code, string field, string message)
    {
        Error ??= new Failure(code, $"{Name(field)}: {message}");
        return default;
    }

    /// <summary>Absent or JSON null gives null; a required field that is absent fails with -2.</summary>
    public string? String(string field, bool required = false)
    {
        if (Error is not null) return null;
        var raw = Get(field);
        switch (raw.Kind)
        {
            case RawKind.Absent:
                return required ? Fail<string>(ErrorCode.InvalidRequest, field, "required field is missing") : null;
            case RawKind.String:
                // NUL ends C strings: a path with one would name a different file to ffmpeg than to us.
                return raw.Text!.Contains('\0')
                    ? Fail<string>(ErrorCode.InvalidValue, field, "contains a NUL character")
                    : raw.Text;
            default:
                return WrongType<string>(field, "a string", raw);
        }
    }

    /// <summary>
    /// An integer. A JSON number that is not a whole number, or out of range of long, is a bad value (-4);
    /// any other JSON type, or query text that is not an integer, is a wrong type (-2).
    /// </summary>
    public long? Integer(string field, bool required = false)
    {
        if (Error is not null) return null;
        var raw = Get(field);
        if (raw.Kind == RawKind.Absent)
            return required ? Fail<long?>(ErrorCode.InvalidRequest, field, "required field is missing") : null;
        if (raw.Kind == RawKind.String && raw.Untyped)
            return long.TryParse(raw.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var q)
                ? q
                : Fail<long?>(ErrorCode.InvalidRequest, field, $"expected an integer, got '{raw.Text}'");
        if (raw.Kind != RawKind.Number)
            return WrongType<long?>(field, "an integer", raw);
        return WholeNumber(raw.Text!) is { } n
            ? n
            : Fail<long?>(ErrorCode.InvalidValue, field, $"expected a whole number, got {raw.Text}");
    }

    /// <summary>An integer that must lie in [min, max] (-4 otherwise); absent gives <paramref name="fallback"/>.</summary>
    public int IntegerIn(string field, int min, int max, int fallback, bool required = false)
    {
        var v = Integer(field, required);
        if (v is null) return fallback;
        return v < min || v > max
            ? Fail<int>(ErrorCode.InvalidValue, field, $"{v} is out of range ({min}..{max})")
            : (int)v.Value;
    }

    public bool? Boolean(string field, bool required = false)
    {
        if (Error is not null) return null;
        var raw = Get(field);
        if (raw.Kind == RawKind.Absent)
            return required ? Fail<bool?>(ErrorCode.InvalidRequest, field, "required field is missing") : null;
        if (raw.Kind == RawKind.Boolean)
            return raw.Text == "true";
        if (raw.Kind == RawKind.String && raw.Untyped)
            return raw.Text!.ToLowerInvariant() switch
            {
                "true" => true,
                "false" => false,
                _ => Fail<bool?>(ErrorCode.InvalidRequest, field, $"expected true or false, got '{raw.Text}'"),
            };
        return WrongType<bool?>(field, "true or false", raw);
    }

    /// <summary>PROTOCOL.md: <c>type</c> may be absent; present it must be the integer 0 (-2 otherwise).</summary>
    public void RequestType()
    {
        var t = Integer("type");
        if (t is not null and not 0)
            Fail<int>(ErrorCode.InvalidRequest, "type", $"must be 0 for a request, got {t}");
    }

    /// <summary>The text of a field whatever its JSON type, for fields such as bitrates that take a number or a string.</summary>
    public RawField Raw(string field) => Error is null ? Get(field) : RawField.Absent;

    public T? WrongType<T>(string field, string expected, RawField raw) =>
        Fail<T>(ErrorCode.InvalidRequest, field, $"expected {expected}, got {raw.TypeName ?? raw.Kind.ToString().ToLowerInvariant()}");

    // JSON allows 1e3 and 10.0 for an integer; both are whole numbers, so take them rather than quibble.
    internal static long? WholeNumber(string text)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
            return l;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            && double.IsFinite(d) && Math.Floor(d) == d && Math.Abs(d) < 9e15)
            return (long)d;
        return null;
    }
}
