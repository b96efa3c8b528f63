using System.Text.Json;
using Akka.Transcode.Domain;

namespace Akka.Transcode.Protocol.Reading;

/// <summary>Fields of one JSON object. JSON null counts as absent, so an optional field may be sent as null.</summary>
internal sealed class JsonFieldReader : FieldReader
{
    private readonly Dictionary<string, JsonElement> _fields = new(StringComparer.Ordinal);

    /// <summary><paramref name="obj"/> null makes a reader with no fields, used once a failure is recorded.</summary>
    private JsonFieldReader(JsonElement? obj, string prefix, FieldReader? parent) : base(prefix, parent)
    {
        if (obj is not { } o) return;
        foreach (var p in o.EnumerateObject())
        {
            // A repeated key is read differently by different JSON libraries; refuse rather than pick one.
            if (!_fields.TryAdd(p.Name, p.Value))
                Fail<int>(ErrorCode.InvalidRequest, p.Name, "field appears more than once");
        }
    }

    /// <summary>The request body: anything but an object is a wrong type (-2).</summary>
    public static JsonFieldReader ForBody(JsonElement root)
    {
        if (root.ValueKind == JsonValueKind.Object)
            return new JsonFieldReader(root, "", null);
        var empty = new JsonFieldReader(null, "", null);
        empty.Fail<int>(ErrorCode.InvalidRequest, "body", $"expected a JSON object, got {TypeName(root.ValueKind)}");
        return empty;
    }

    /// <summary>A nested object such as <c>job</c>; its failures are reported through this reader.</summary>
    public JsonFieldReader Object(string field, bool required = true)
    {
        var child = new JsonFieldReader(null, Name(field) + ".", this);
        if (Error is not null) return child;
        if (!_fields.TryGetValue(field, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            if (required) Fail<int>(ErrorCode.InvalidRequest, field, "required field is missing");
            return child;
        }
        if (v.ValueKind != JsonValueKind.Object)
        {
            Fail<int>(ErrorCode.InvalidRequest, field, $"expected an object, got {TypeName(v.ValueKind)}");
            return child;
        }
        return new JsonFieldReader(v, Name(field) + ".", this);
    }

    /// <summary>
    /// A JSON array of objects, such as add_job's <c>outputs</c>: one reader per element, named <c>field[i].</c> so a
    /// failure names the element. Null when absent (or null); an element that is not an object fails with -2.
    /// </summary>
    public IReadOnlyList<JsonFieldReader>? Array(string field)
    {
        if (Error is not null || !_fields.TryGetValue(field, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Array)
            return Fail<IReadOnlyList<JsonFieldReader>>(ErrorCode.InvalidRequest, field, $"expected an array, got {TypeName(v.ValueKind)}");
        var items = new List<JsonFieldReader>();
        var i = 0;
        foreach (var item in v.EnumerateArray())
        {
            var name = $"{field}[{i++}]";
            if (item.ValueKind != JsonValueKind.Object)
                return Fail<IReadOnlyList<JsonFieldReader>>(ErrorCode.InvalidRequest, name, $"expected an object, got {TypeName(item.ValueKind)}");
            items.Add(new JsonFieldReader(item, Name(name) + ".", this));
        }
        return items;
    }

    protected override RawField Get(string field)
    {
        if (!_fields.TryGetValue(field, out var v))
            return RawField.Absent;
        return v.ValueKind switch
        {
            JsonValueKind.Null => RawField.Absent,
            JsonValueKind.String => StringOf(field, v),
            JsonValueKind.Number => new RawField(RawKind.Number, v.GetRawText(), TypeName: "number"),
            JsonValueKind.True => new RawField(RawKind.Boolean, "true", TypeName: "boolean"),
            JsonValueKind.False => new RawField(RawKind.Boolean, "false", TypeName: "boolean"),
            var k => new RawField(RawKind.Other, null, TypeName: TypeName(k)),
        };
    }

    // The document parser checks structure, not the bytes inside strings; those fail only when decoded.
    private RawField StringOf(string field, JsonElement v)
    {
        try
        {
            return new RawField(RawKind.String, v.GetString());
        }
        catch (InvalidOperationException)
        {
            Fail<int>(ErrorCode.InvalidJson, field, "string is not valid UTF-8 or has an unpaired surrogate");
            return RawField.Absent;
        }
    }

    private static string TypeName(JsonValueKind k) => k switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
