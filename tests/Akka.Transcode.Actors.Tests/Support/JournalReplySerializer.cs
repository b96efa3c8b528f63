using Akka.Actor;
using Akka.Persistence;
using Akka.Serialization;

namespace Akka.Transcode.Actors.Tests.Support;

/// <summary>
/// Test-only: with serialize-messages on, Akka round-trips the journal's replies (WriteMessageSuccess after a
/// persist, ReplayedMessage during recovery) with its default JSON serializer, which knows nothing of the bindings
/// of the event inside. This one writes the persistent representation's fields and serializes the event with the
/// serializer bound to it: every confirmed or replayed event crosses the project's
/// serializer.
/// </summary>
public sealed class JournalReplySerializer(ExtendedActorSystem system) : Serializer(system)
{
    public const string Hocon = """
        akka.actor {
          serializers.test-journal-reply = "Akka.Transcode.Actors.Tests.Support.JournalReplySerializer, Akka.Transcode.Actors.Tests"
          serialization-bindings {
            "Akka.Persistence.WriteMessageSuccess, Akka.Persistence" = test-journal-reply
            "Akka.Persistence.ReplayedMessage, Akka.Persistence" = test-journal-reply
          }
          serialization-identifiers {
            "Akka.Transcode.Actors.Tests.Support.JournalReplySerializer, Akka.Transcode.Actors.Tests" = 4798
          }
        }
        """;

    public override int Identifier => 4798;
    public override bool IncludeManifest => true;

    public override byte[] ToBinary(object obj)
    {
        var (p, instance) = obj switch
        {
            WriteMessageSuccess s => (s.Persistent, s.ActorInstanceId),
            ReplayedMessage r => (r.Persistent, 0),
            _ => throw new ArgumentException($"cannot serialize {obj.GetType()}"),
        };
        var serializer = system.Serialization.FindSerializerFor(p.Payload);
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms);
        w.Write(instance);
        w.Write(p.PersistenceId ?? "");
        w.Write(p.SequenceNr);
        w.Write(p.Manifest ?? "");
        w.Write(p.WriterGuid ?? "");
        w.Write(p.Timestamp);
        w.Write(p.IsDeleted);
        w.Write(p.Sender is null || p.Sender.IsNobody() ? "" : Akka.Serialization.Serialization.SerializedActorPath(p.Sender));
        w.Write(serializer.Identifier);
        w.Write(Akka.Serialization.Serialization.ManifestFor(serializer, p.Payload));
        var bytes = serializer.ToBinary(p.Payload);
        w.Write(bytes.Length);
        w.Write(bytes);
        w.Flush();
        return ms.ToArray();
    }

    public override object FromBinary(byte[] bytes, Type type)
    {
        using var r = new BinaryReader(new MemoryStream(bytes));
        var instance = r.ReadInt32();
        var persistenceId = r.ReadString();
        var seqNr = r.ReadInt64();
        var manifest = r.ReadString();
        var writer = r.ReadString();
        var timestamp = r.ReadInt64();
        var deleted = r.ReadBoolean();
        var senderPath = r.ReadString();
        var sender = senderPath.Length == 0 ? ActorRefs.NoSender : system.Provider.ResolveActorRef(senderPath);
        var id = r.ReadInt32();
        var payloadManifest = r.ReadString();
        var payload = system.Serialization.Deserialize(r.ReadBytes(r.ReadInt32()), id, payloadManifest);
        var p = new Persistent(payload, seqNr, persistenceId, manifest, deleted, sender, writer, timestamp);
        return type == typeof(WriteMessageSuccess) ? new WriteMessageSuccess(p, instance) : new ReplayedMessage(p);
    }
}
