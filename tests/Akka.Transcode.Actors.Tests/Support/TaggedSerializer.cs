using Akka.Actor;
using Akka.Persistence.Journal;
using Akka.Serialization;

namespace Akka.Transcode.Actors.Tests.Support;

/// <summary>
/// Test-only: with serialize-messages on, Akka round-trips the journal's WriteMessageSuccess, whose payload is the
/// <see cref="Tagged"/> wrapper the job entity persists. Tagged has no serializer of its own (a real journal
/// unwraps it before storing), so the default JSON one turns it into an empty struct. This serializer writes the
/// wrapped event with the serializer bound to it (the project's) and the tags around it.
/// </summary>
public sealed class TaggedSerializer(ExtendedActorSystem system) : Serializer(system)
{
    public const string Hocon = """
        akka.actor {
          serializers.test-tagged = "Akka.Transcode.Actors.Tests.Support.TaggedSerializer, Akka.Transcode.Actors.Tests"
          serialization-bindings {
            "Akka.Persistence.Journal.Tagged, Akka.Persistence" = test-tagged
          }
          serialization-identifiers {
            "Akka.Transcode.Actors.Tests.Support.TaggedSerializer, Akka.Transcode.Actors.Tests" = 4799
          }
        }
        """;

    public override int Identifier => 4799;
    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj)
    {
        var tagged = (Tagged)obj;
        var serializer = system.Serialization.FindSerializerFor(tagged.Payload);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, tagged.Payload);
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms);
        w.Write(serializer.Identifier);
        w.Write(manifest);
        var bytes = serializer.ToBinary(tagged.Payload);
        w.Write(bytes.Length);
        w.Write(bytes);
        w.Write(tagged.Tags.Count);
        foreach (var t in tagged.Tags) w.Write(t);
        w.Flush();
        return ms.ToArray();
    }

    public override object FromBinary(byte[] bytes, Type type)
    {
        using var r = new BinaryReader(new MemoryStream(bytes));
        var id = r.ReadInt32();
        var manifest = r.ReadString();
        var payload = system.Serialization.Deserialize(r.ReadBytes(r.ReadInt32()), id, manifest);
        var tags = Enumerable.Range(0, r.ReadInt32()).Select(_ => r.ReadString()).ToList();
        return new Tagged(payload, tags);
    }
}
