using System.Globalization;
using Akka.Transcode.Domain;
using Akka.Transcode.Protocol.Reading;

namespace Akka.Transcode.Protocol.Requests;

/// <summary>Field rules several requests share.</summary>
internal static class FieldRules
{
    public static string? Id(this FieldReader r, string field, bool required)
    {
        var id = r.String(field, required);
        if (id is null || ProtocolId.IsValid(id)) return id;
        return r.Fail<string>(ErrorCode.InvalidValue, field,
            $"'{id}' is not a valid id (1..{ProtocolId.MaxLength} characters of A-Z a-z 0-9 . _ -)");
    }

    /// <summary>Missing is -2 like any required field; present but blank is a bad value (-4).</summary>
    public static string? NonEmpty(this FieldReader r, string field)
    {
        var s = r.String(field, required: true);
        return s is not null && string.IsNullOrWhiteSpace(s)
            ? r.Fail<string>(ErrorCode.InvalidValue, field, "must not be empty")
            : s;
    }

    /// <summary>
    /// One of a fixed set of words, matched without regard to case and returned in lower case; absent gives
    /// <paramref name="fallback"/>, or fails with -2 when <paramref name="required"/>.
    /// </summary>
    public static string? Word(this FieldReader r, string field, IReadOnlyList<string> allowed, string? fallback,
        string what = "value", bool required = false)
    {
        var s = r.String(field, required);
        if (s is null) return fallback;
        var lower = s.ToLowerInvariant();
        return allowed.Contains(lower)
            ? lower
            : r.Fail<string>(ErrorCode.InvalidValue, field, $"unsupported {what} '{s}' (expected one of {string.Join(", ", allowed)})");
    }

    /// <summary>get_job and the task calls take <c>task_id</c> as a synonym of the id field, as one draft did.</summary>
    public static string? IdOrSynonym(this FieldReader r, string field, string synonym)
    {
        var a = r.Id(field, required: false);
        var b = r.Id(synonym, required: false);
        if (r.Error is not null) return null;
        if (a is not null && b is not null && a != b)
            return r.Fail<string>(ErrorCode.InvalidRequest, field, $"{field} and {synonym} name different ids");
        return a ?? b ?? r.Fail<string>(ErrorCode.InvalidRequest, field, $"required field is missing ({synonym} is accepted too)");
    }

    /// <summary>A number (fractions allowed) in [min, max] (-4 otherwise); absent gives <paramref name="fallback"/>.</summary>
    public static double NumberIn(this FieldReader r, string field, double min, double max, double fallback)
    {
        var raw = r.Raw(field);
        if (raw.Kind == RawKind.Absent) return fallback;
        if (raw.Kind != RawKind.Number && !(raw.Kind == RawKind.String && raw.Untyped))
            return r.WrongType<double>(field, "a number", raw);
        if (!double.TryParse(raw.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d))
            return r.Fail<double>(ErrorCode.InvalidValue, field, $"expected a number, got '{raw.Text}'");
        return d < min || d > max
            ? r.Fail<double>(ErrorCode.InvalidValue, field, $"{d.ToString(CultureInfo.InvariantCulture)} is out of range " +
                                                            $"({min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)})")
            : d;
    }

    /// <summary>An optional frame dimension in [min, max] that must be even: 4:2:0 video (and the scaler) halves it.</summary>
    public static int? EvenIn(this FieldReader r, string field, int min, int max)
    {
        if (r.Raw(field).Kind == RawKind.Absent) return null;
        var v = r.IntegerIn(field, min, max, fallback: 0);
        if (r.Error is not null) return null;
        return v % 2 == 0 ? v : r.Fail<int?>(ErrorCode.InvalidValue, field, $"{v} must be even");
    }
}
