using Akka.Configuration;
using Akka.Transcode.Actors.Serialization;
using Akka.Transcode.Actors.Storage;

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

    /// <summary>
    /// The node's persistence (<see cref="PersistencePlugin"/>: its journal <see cref="SequenceNumberJournal"/>, the SQL
    /// snapshot store, tables made by the plugin on first use) on <paramref name="db"/>, with the plugin's defaults
    /// under it and the node's serializer.
    /// </summary>
    public static Config NodePersistence(Database db) => ConfigurationFactory.ParseString(PersistencePlugin.Hocon(db))
        .WithFallback(ConfigurationFactory.ParseString(TranscodeSerializer.Hocon))
        .WithFallback(Akka.Persistence.Sql.SqlPersistence.DefaultConfiguration);

    /// <summary>The node's journal on the SQLite file <paramref name="file"/>, its tables made by the plugin on first
    /// use; snapshots in memory (the entities take none, and one plugin less to start keeps a test's first recovery short).</summary>
    public static Config SqliteJournal(string file) => ConfigurationFactory
        .ParseString("akka.persistence.snapshot-store.plugin = \"akka.persistence.snapshot-store.inmem\"")
        .WithFallback(NodePersistence(new Database(StorageProvider.Sqlite, $"Data Source={file}")));

    public static Config Local(bool serializeMessages = true, string extra = "") =>
        ConfigurationFactory.ParseString(string.Join("\n", extra, Persistence,
            serializeMessages ? SerializeMessages : "", TranscodeSerializer.Hocon));
}
