using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Transcode.Actors.Storage;
using Akka.Transcode.Domain.Jobs;
using Microsoft.Data.Sqlite;

namespace Akka.Transcode.Actors.Tests.Support;

/// <summary>
/// An actor system with the node's persistence (<see cref="PersistencePlugin"/>: its HOCON and its SQLite connection
/// setup) on a database, and persistent streams of job events to write, read back and delete through the plugin.
/// </summary>
public sealed class PluginNode : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public ActorSystem System { get; }

    private PluginNode(ActorSystem system) => System = system;

    public static PluginNode Start(Database db)
    {
        var bootstrap = BootstrapSetup.Create().WithConfig(ConfigurationFactory.ParseString("akka.loglevel = WARNING")
            .WithFallback(TestConfig.NodePersistence(db)));
        var setup = PersistencePlugin.SqliteConnectionSetup(db) is { } sqlite ? bootstrap.And(sqlite) : ActorSystemSetup.Create(bootstrap);
        return new PluginNode(ActorSystem.Create("plugin-" + Guid.NewGuid().ToString("N")[..8], setup));
    }

    /// <summary>Persists <paramref name="e"/> on the stream; returns its sequence number.</summary>
    public Task<long> PersistAsync(string persistenceId, IJobEvent e) => Ask<long>(persistenceId, new Write(e));

    /// <summary>The stream as a new incarnation recovers it: its last sequence number and its events.</summary>
    public Task<StreamState> RecoverAsync(string persistenceId) => Ask<StreamState>(persistenceId, new Read());

    /// <summary>Deletes the stream's events up to <paramref name="toSequenceNr"/> through the plugin.</summary>
    public Task DeleteAsync(string persistenceId, long toSequenceNr) => Ask<bool>(persistenceId, new Delete(toSequenceNr));

    public async ValueTask DisposeAsync() => await System.Terminate();

    private async Task<T> Ask<T>(string persistenceId, object message)
    {
        // A new incarnation each time: what it answers comes from the journal, not from an earlier one's memory.
        var stream = System.ActorOf(Props.Create(() => new Stream(persistenceId)));
        try { return await stream.Ask<T>(message, Timeout); }
        finally { System.Stop(stream); }
    }

    public sealed record StreamState(long LastSequenceNr, IReadOnlyList<IJobEvent> Events);

    private sealed record Write(IJobEvent Event);
    private sealed record Read;
    private sealed record Delete(long ToSequenceNr);

    private sealed class Stream : ReceivePersistentActor
    {
        private readonly List<IJobEvent> _events = [];
        private IActorRef _deleting = ActorRefs.Nobody;
        public override string PersistenceId { get; }

        public Stream(string persistenceId)
        {
            PersistenceId = persistenceId;
            Recover<IJobEvent>(_events.Add);
            Command<Write>(w => Persist(w.Event, _ => Sender.Tell(LastSequenceNr)));
            Command<Read>(_ => Sender.Tell(new StreamState(LastSequenceNr, _events.ToList())));
            Command<Delete>(d =>
            {
                _deleting = Sender;
                DeleteMessages(d.ToSequenceNr);
            });
            Command<DeleteMessagesSuccess>(_ => _deleting.Tell(true));
            Command<DeleteMessagesFailure>(f => _deleting.Tell(new Status.Failure(f.Cause)));
        }
    }
}

/// <summary>
/// Akka.Persistence.Sql's tables as the plugin itself makes them, for tests that write journal rows of their own: a
/// <see cref="PluginNode"/> recovers one stream, which has the journal and the snapshot store create their tables
/// (auto-initialize, as on the node); nothing is written. No test keeps a copy of the plugin's DDL.
/// </summary>
public static class PluginTables
{
    public static void Create(Database db)
    {
        var node = PluginNode.Start(db);
        try { node.RecoverAsync("plugin-tables").GetAwaiter().GetResult(); }
        finally { node.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    // Made once per test run, then copied: an actor system per test would cost each test about a second.
    private static readonly Lazy<string> SqliteTemplate = new(() =>
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("akka-transcode-plugin-tables-").FullName, "template.db");
        var db = new Database(StorageProvider.Sqlite, $"Data Source={file}");
        Create(db);
        using (var c = new SqliteConnection(db.ConnectionString)) SqliteConnection.ClearPool(c);
        return file;
    });

    /// <summary>A new SQLite file at <paramref name="file"/> holding the plugin's tables, empty.</summary>
    public static void CreateSqlite(string file) => File.Copy(SqliteTemplate.Value, file);
}
