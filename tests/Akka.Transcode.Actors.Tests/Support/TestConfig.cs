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
    /// Every message sent between actors is serialized and deserialized, as if it crossed nodes; messages between an
    /// entity and its own children (<see cref="Akka.Transcode.Actors.Common.ILocalMessage"/>) never do and are left out.
    /// Not usable with a job entity that gets planned: the journal plugin's internal replies carry the planned event
    /// as the planner made it, and the stock JSON serializer this check uses for them cannot rebuild its lists (the
    /// events still cross the project's serializer in the journal).
    /// </summary>
    public const string SerializeMessages = """
        akka.actor.serialize-messages = on
        """;

    /// <summary>The node's journal (<see cref="Akka.Transcode.Actors.ReadModel.SequenceNumberJournal"/>) on the SQLite
    /// file <paramref name="file"/>, its tables made by the plugin on first use; snapshots in memory.</summary>
    public static Config SqliteJournal(string file) => ConfigurationFactory.ParseString($$"""
        akka.persistence.journal.plugin = "akka.persistence.journal.sql"
        akka.persistence.journal.sql {
          class = "{{typeof(Akka.Transcode.Actors.ReadModel.SequenceNumberJournal).AssemblyQualifiedName}}"
          connection-string = "Data Source={{file}}"
          provider-name = "SQLite.MS"
          auto-initialize = on
        }
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """);

    /// <summary>
    /// Akka.Persistence.Sql's journal table on SQLite as the plugin creates it, for tests that write rows themselves.
    /// </summary>
    public const string SqliteJournalTable = """
        CREATE TABLE [journal] ([ordering] INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, [created] INTEGER NOT NULL,
          [deleted] Bit NOT NULL, [persistence_id] NVarChar(255) NOT NULL, [sequence_number] INTEGER NOT NULL,
          [message] VarBinary NOT NULL, [manifest] NVarChar(500) NULL, [identifier] INTEGER NULL,
          [writer_uuid] NVarChar(128) NULL);
        """;

    public static Config Local(bool serializeMessages = true, string extra = "") =>
        ConfigurationFactory.ParseString(string.Join("\n", extra, Persistence,
            serializeMessages ? SerializeMessages : "", TranscodeSerializer.Hocon));
}
