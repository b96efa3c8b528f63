using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Akka.Transcode.Protocol;

/// <summary>
/// Writes times as ISO 8601 UTC with milliseconds, e.g. 2026-11-23T18:44:23.123Z, whatever the offset held:
/// the default writer varies the digits and keeps local offsets, which clients comparing strings trip on.
/// Reads any ISO 8601 form.
/// </summary>
public sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    public const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture));
}
