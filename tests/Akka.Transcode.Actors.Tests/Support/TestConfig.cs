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
    /// Every message sent between actors is serialized and deserialized, as if it crossed nodes. Not usable with the
    /// job entity: its private self-messages (the plan piped back from probing) are not meant to be serializable and
    /// the stock JSON serializer cannot read them back; its events still cross the project's serializer in the journal.
    /// </summary>
    public const string SerializeMessages = """
        akka.actor.serialize-messages = on
        """;

    public static Config Local(bool serializeMessages = true, string extra = "") =>
        ConfigurationFactory.ParseString(string.Join("\n", extra, Persistence,
            serializeMessages ? SerializeMessages : "", TranscodeSerializer.Hocon));
}
