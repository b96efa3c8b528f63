using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;

namespace Akka.Transcode.Actors.Serialization;

/// <summary>
/// JSON with the stable manifests of <see cref="Manifests"/> for every event and remote message. JSON keeps the
/// journal readable with plain SQL, and unknown fields are ignored on read, so adding a field to an event is safe.
/// </summary>
public sealed class TranscodeSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 4711;

    public static readonly JsonSerializerOptions Options = new()
    {
        // Derived values (TaskSpec.FromTime, TimeRange.Duration, ...) are computed again on read.
        IgnoreReadOnlyProperties = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    public override int Identifier => SerializerId;

    public override string Manifest(object o) =>
        Manifests.ByType.TryGetValue(o.GetType(), out var name)
            ? name
            : throw new ArgumentException($"{o.GetType()} has no manifest in {nameof(Manifests)}");

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Options);

    public override object FromBinary(byte[] bytes, string manifest) =>
        Manifests.ByName.TryGetValue(manifest, out var type)
            ? JsonSerializer.Deserialize(bytes, type, Options)!
            : throw new System.Runtime.Serialization.SerializationException($"unknown manifest '{manifest}'");

    /// <summary>HOCON that registers the serializer for every event and message, under <see cref="SerializerId"/>.</summary>
    public static readonly string Hocon = $$"""
        akka.actor {
          serializers.transcode = "Akka.Transcode.Actors.Serialization.TranscodeSerializer, Akka.Transcode.Actors"
          serialization-bindings {
            "Akka.Transcode.Actors.ITranscodeMessage, Akka.Transcode.Actors" = transcode
            "Akka.Transcode.Domain.Jobs.IJobEvent, Akka.Transcode.Domain" = transcode
            "Akka.Transcode.Domain.Tasks.ITaskEvent, Akka.Transcode.Domain" = transcode
          }
          serialization-identifiers {
            "Akka.Transcode.Actors.Serialization.TranscodeSerializer, Akka.Transcode.Actors" = {{SerializerId}}
          }
        }
        """;
}
