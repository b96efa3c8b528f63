using Akka.Configuration;
using Akka.Transcode.Actors.Serialization;

namespace Akka.Transcode.Actors.Tests.Support;

public static class TestConfig
{
    /// <summary>
    /// In-memory journal and snapshot store. The journal is the stock in-memory one, except that every event passes
    /// through the configured serializer on its way in (see <see cref="RoundTripMemoryJournal"/>).
    /// </summary>
    public const string Persistence = """
        akka.loglevel = WARNING
        akka.stdout-loglevel = WARNING
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.journal.inmem.class = "Akka.Transcode.Actors.Tests.Support.RoundTripMemoryJournal, Akka.Transcode.Actors.Tests"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """;

    /// <summary>
    /// Every message sent between actors is serialized and deserialized, as if it crossed nodes. The two test-only
    /// serializers make the journal's replies carry their events through the project's serializer too.
    /// </summary>
    public const string SerializeMessages = """
        akka.actor.serialize-messages = on
        """ + "\n" + TaggedSerializer.Hocon + "\n" + JournalReplySerializer.Hocon;

    public static Config Local(string extra = "") =>
        ConfigurationFactory.ParseString(extra + "\n" + Persistence + "\n" + SerializeMessages + "\n" + TranscodeSerializer.Hocon);
}
