using System.Reflection;
using Akka.Actor;
using Akka.Persistence;
using Akka.Serialization;

namespace Akka.Transcode.Actors.Tests.Support;

/// <summary>
/// Test-only. The journal protocol's own messages are exempt from serialize-messages, except the internal envelope
/// (AsyncWriteJournal+Desequenced) in which the journal sends its replies through its resequencer. Akka's default
/// JSON serializer handles that envelope and ignores the bindings of what is inside, so a persisted
/// <see cref="Akka.Persistence.Journal.Tagged"/> event comes back to the actor empty. This serializer writes the
/// envelope itself and each confirmed event with the serializer bound to it: every event a test persists crosses
/// the project's serializer on its way back to the actor.
/// </summary>
public sealed class JournalReplySerializer(ExtendedActorSystem system) : Serializer(system)
{
    private const string DesequencedName = "Akka.Persistence.Journal.AsyncWriteJournal+Desequenced, Akka.Persistence";

    public const string Hocon = $$"""
        akka.actor {
          serializers.test-journal-reply = "Akka.Transcode.Actors.Tests.Support.JournalReplySerializer, Akka.Transcode.Actors.Tests"
          serialization-bindings {
            "{{DesequencedName}}" = test-journal-reply
          }
          serialization-identifiers {
            "Akka.Transcode.Actors.Tests.Support.JournalReplySerializer, Akka.Transcode.Actors.Tests" = 4798
          }
        }
        """;

    private static readonly Type Desequenced = Type.GetType(DesequencedName, throwOnError: true)!;
    private static readonly ConstructorInfo DesequencedCtor = Desequenced.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance).Single();

    public override int Identifier => 4798;
    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj)
    {
        var message = Desequenced.GetProperty("Message")!.GetValue(obj)!;
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms);
        w.Write((long)Desequenced.GetProperty("SequenceNr")!.GetValue(obj)!);
        WriteRef(w, (IActorRef?)Desequenced.GetProperty("Target")!.GetValue(obj));
        WriteRef(w, (IActorRef?)Desequenced.GetProperty("Sender")!.GetValue(obj));
        if (message is WriteMessageSuccess s)
        {
            w.Write(true);
            w.Write(s.ActorInstanceId);
            WritePersistent(w, s.Persistent);
        }
        else
        {
            w.Write(false);
            WriteObject(w, message);
        }
        w.Flush();
        return ms.ToArray();
    }

    public override object FromBinary(byte[] bytes, Type type)
    {
        using var r = new BinaryReader(new MemoryStream(bytes));
        var seqNr = r.ReadInt64();
        var target = ReadRef(r);
        var sender = ReadRef(r);
        object message;
        if (r.ReadBoolean())
        {
            var instance = r.ReadInt32();
            message = new WriteMessageSuccess(ReadPersistent(r), instance);
        }
        else message = ReadObject(r);
        return DesequencedCtor.Invoke([message, seqNr, target, sender]);
    }

    private void WritePersistent(BinaryWriter w, IPersistentRepresentation p)
    {
        w.Write(p.PersistenceId ?? "");
        w.Write(p.SequenceNr);
        w.Write(p.Manifest ?? "");
        w.Write(p.WriterGuid ?? "");
        w.Write(p.Timestamp);
        w.Write(p.IsDeleted);
        WriteRef(w, p.Sender);
        WriteObject(w, p.Payload);
    }

    private IPersistentRepresentation ReadPersistent(BinaryReader r)
    {
        var persistenceId = r.ReadString();
        var seqNr = r.ReadInt64();
        var manifest = r.ReadString();
        var writer = r.ReadString();
        var timestamp = r.ReadInt64();
        var deleted = r.ReadBoolean();
        var sender = ReadRef(r);
        var payload = ReadObject(r);
        return new Persistent(payload, seqNr, persistenceId, manifest, deleted, sender, writer, timestamp);
    }

    /// <summary>Any object, with the serializer bound to its type (the Tagged wrapper has its own, see TaggedSerializer).</summary>
    private void WriteObject(BinaryWriter w, object o)
    {
        var serializer = system.Serialization.FindSerializerFor(o);
        w.Write(serializer.Identifier);
        w.Write(Akka.Serialization.Serialization.ManifestFor(serializer, o));
        var bytes = serializer.ToBinary(o);
        w.Write(bytes.Length);
        w.Write(bytes);
    }

    private object ReadObject(BinaryReader r)
    {
        var id = r.ReadInt32();
        var manifest = r.ReadString();
        return system.Serialization.Deserialize(r.ReadBytes(r.ReadInt32()), id, manifest)!;
    }

    private static void WriteRef(BinaryWriter w, IActorRef? actor) =>
        w.Write(actor is null || actor.IsNobody() ? "" : Akka.Serialization.Serialization.SerializedActorPath(actor));

    private IActorRef ReadRef(BinaryReader r)
    {
        var path = r.ReadString();
        return path.Length == 0 ? ActorRefs.NoSender : system.Provider.ResolveActorRef(path);
    }
}
