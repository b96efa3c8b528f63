using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Akka.Transcode.Protocol;

/// <summary>The one set of JSON options for everything on the wire: snake_case names, nulls left out.</summary>
public static class ProtocolJson
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var o = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
            Converters = { new UtcTimestampConverter() },
        };
        // Shared by every caller: freezing it stops one of them changing the wire format for all.
        o.MakeReadOnly();
        return o;
    }
}
