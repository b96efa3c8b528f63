using Akka.Actor;
using Akka.Transcode.Actors.Storage;
using Akka.Transcode.Actors.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Akka.Transcode.Actors.Tests.Storage;

public sealed class JournalWarmUpTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("akka-transcode-warm-up-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Each_start_persists_and_deletes_on_one_stream_per_node_leaving_nothing_to_replay()
    {
        var db = new Database(StorageProvider.Sqlite, $"Data Source={Path.Combine(_dir, "t.db")}");
        db.PrepareSqliteFile();
        await using var node = PluginNode.Start(db);

        // Two starts of the same node: the second finds the first's stream and numbers on.
        for (var start = 1; start <= 2; start++)
        {
            var warmUp = node.System.ActorOf(JournalWarmUp.Props("127.0.0.1-4053"));
            var answer = await warmUp.Ask<JournalWarmUp.Warm>(JournalWarmUp.Run.Instance, TimeSpan.FromSeconds(30));
            Assert.Same(JournalWarmUp.Warm.Instance, answer);
        }

        var stream = await node.RecoverAsync(JournalWarmUp.PersistenceIdPrefix + "127.0.0.1-4053");
        Assert.Equal(2, stream.LastSequenceNr);
        Assert.Empty(stream.Events);
    }
}
