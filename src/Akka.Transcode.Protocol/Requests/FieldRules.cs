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
}
