using System.Reflection;
using Akka.Transcode.Actors.Storage;
using Akka.Transcode.Actors.Tests.Support;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Akka.Transcode.Actors.Tests.Storage;

/// <summary>
/// Every statement of the storage area against tables the persistence plugin made itself: an actor system with the
/// node's persistence (<see cref="PersistencePlugin"/>) creates them (auto-initialize) and persists events through a
/// real persistent actor; then each operation of <see cref="JournalTable"/>, <see cref="JobQueue"/>,
/// <see cref="JobReadStore"/> and <see cref="OwnTables"/> runs, and what the plugin wrote and what we wrote are read
/// back the other way round. On SQLite and on the PostgreSQL that ops/test.sh starts (TRANSCODE_TEST_PG). A plugin
/// upgrade that renames a column, changes a type or drops the unique index fails here.
/// </summary>
public sealed class StorageStatementsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("akka-transcode-statements-").FullName;
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 9, 0, 0, TimeSpan.Zero);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public Task Every_statement_runs_against_the_plugins_own_tables_on_SQLite() =>
        RunEveryStatementAsync(new Database(StorageProvider.Sqlite, $"Data Source={Path.Combine(_dir, "t.db")}"));

    [Fact]
    public async Task Every_statement_runs_against_the_plugins_own_tables_on_PostgreSQL() =>
        await RunEveryStatementAsync(new Database(StorageProvider.Postgres, await TestPostgres.CreateDatabaseAsync()));

    /// <summary>
    /// The operations <see cref="RunEveryStatementAsync"/> runs. A new statement in the storage area fails
    /// <see cref="Every_storage_operation_is_run_here"/> until it is run here too.
    /// </summary>
    private static readonly Dictionary<Type, string[]> Covered = new()
    {
        [typeof(JournalTable)] =
        [
            nameof(JournalTable.ReadAfterAsync), nameof(JournalTable.ReadInAsync), nameof(JournalTable.ReadStreamAsync),
            nameof(JournalTable.HighestSequenceNrAsync), nameof(JournalTable.HighestOrderingsAsync),
            "InsertFirstEventsAsync", "DeleteMarkersAsync",
        ],
        [typeof(JobQueue)] = [nameof(JobQueue.AppendAsync), nameof(JobQueue.NextAsync), nameof(JobQueue.RemoveAsync), nameof(JobQueue.GetAsync)],
        [typeof(JobReadStore)] =
        [
            nameof(JobReadStore.EnsureCountsAsync), nameof(JobReadStore.LoadOffsetAsync), nameof(JobReadStore.ApplyAsync),
            nameof(JobReadStore.ReplaceAsync), nameof(JobReadStore.QueryAsync), nameof(JobReadStore.CountUnfinishedAsync),
            nameof(JobReadStore.CountByStateAsync), nameof(JobReadStore.EndedAmongAsync), nameof(JobReadStore.RunningNotQueuedAsync),
            nameof(JobReadStore.GetAsync), nameof(JobReadStore.EndedCreatedBeforeAsync), nameof(JobReadStore.ProjectedAsync),
            nameof(JobReadStore.ForgetAsync),
        ],
        [typeof(OwnTables)] = [nameof(OwnTables.EnsureAsync)],
        [typeof(SequenceNumberJournal)] = [nameof(SequenceNumberJournal.ReadHighestSequenceNrAsync)],
    };

    [Fact]
    public void Every_storage_operation_is_run_here()
    {
        var storage = typeof(Database).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(Database).Namespace && !t.IsInterface && !t.IsNested);
        foreach (var type in storage)
        {
            // Public and internal methods declared by the type that run statements (they return a task).
            var operations = type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance |
                                             BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Where(m => (m.IsPublic || m.IsAssembly) && typeof(Task).IsAssignableFrom(m.ReturnType))
                .Select(m => m.Name).Distinct().Order().ToList();
            // Database's own (connections, write turns, the schema lock) are run by every operation above.
            if (type == typeof(Database) || type == typeof(SchemaSetup)) continue;
            Assert.Equal(Covered.GetValueOrDefault(type, []).Order(), operations);
        }
    }

    private async Task RunEveryStatementAsync(Database db)
    {
        db.PrepareSqliteFile();
        var journal = new JournalTable(db);
        var queue = new JobQueue(db);
        var list = new JobReadStore(db);

        // A fresh database: the journal's tables are missing, in the way the node's actors recognise and wait out.
        var missing = await Assert.ThrowsAnyAsync<Exception>(() => journal.ReadAfterAsync(JobPrefix, 0, 10));
        Assert.True(DatabaseErrors.IsMissingTable(missing), missing.ToString());

        await OwnTables.EnsureAsync(db);
        await OwnTables.EnsureAsync(db); // a second node's schema step finds them made
        await using var node = PluginNode.Start(db);

        // The plugin writes (and, through SequenceNumberJournal, numbers) a job's events.
        Assert.Equal(1, await node.PersistAsync("job-a", Submitted("a", 0)));
        Assert.Equal(2, await node.PersistAsync("job-a", new JobCompleted("a", "/m/a.flv", T0.AddSeconds(5))));
        Assert.Equal(1, await node.PersistAsync("task-a-t0", Submitted("not-a-job-row", 0)));

        // The tail reads see the plugin's rows: ordering, persistence id, serializer id, manifest and payload.
        var tail = await journal.ReadAfterAsync(JobPrefix, 0, 10);
        Assert.Equal(["job-a", "job-a", "task-a-t0"], tail.Select(r => r.PersistenceId));
        Assert.True(tail[0].Ordering < tail[1].Ordering && tail[1].Ordering < tail[2].Ordering);
        Assert.Null(tail[2].Message); // another entity's row: no payload
        Same(new object[] { Submitted("a", 0), new JobCompleted("a", "/m/a.flv", T0.AddSeconds(5)) },
            tail.Take(2).Select(r => Deserialize(node, r)).ToList());
        Assert.Equal([tail[1]], await journal.ReadAfterAsync(JobPrefix, tail[0].Ordering, 1), new TailRowEquality());
        Assert.Equal([(tail[0].Ordering, "job-a"), (tail[1].Ordering, "job-a")],
            (await journal.ReadInAsync(JobPrefix, [(tail[0].Ordering, tail[2].Ordering)])).OrderBy(f => f.Ordering));
        Assert.Equal(tail.Take(2), await journal.ReadStreamAsync("job-a"), new TailRowEquality());
        Assert.Equal(2, await journal.HighestSequenceNrAsync("job-a", 0));
        Assert.Equal(2, await journal.HighestSequenceNrAsync("job-a", 1));
        Assert.Equal(0, await journal.HighestSequenceNrAsync("job-a", 2));
        Assert.Equal(0, await journal.HighestSequenceNrAsync("job-none", 0));
        Assert.Equal(new Dictionary<string, long> { ["job-a"] = tail[1].Ordering },
            await journal.HighestOrderingsAsync(["job-a", "job-none"]));

        // The intake's rows: the plugin recovers a job from them and numbers on after them.
        await queue.AppendAsync([Queued(node, "b", priority: 0, second: 1), Queued(node, "c", priority: 5, second: 2)], "test-writer");
        var b = await node.RecoverAsync("job-b");
        Assert.Equal(1L, b.LastSequenceNr);
        Same(Submitted("b", 1), Assert.Single(b.Events));
        Assert.Equal(2, await node.PersistAsync("job-b", new JobStarted("b", T0.AddSeconds(3))));
        // The plugin's unique index turns a repeated job id into a unique violation, all or none.
        var again = await Assert.ThrowsAnyAsync<Exception>(() => queue.AppendAsync([Queued(node, "d", 0, 3), Queued(node, "b", 0, 3)], "test-writer"));
        Assert.True(DatabaseErrors.IsUniqueViolation(again), again.ToString());
        Assert.Equal(["c", "b"], await queue.NextAsync(10));
        Assert.Equal(["c"], await queue.NextAsync(1));
        Assert.Equal((JobState.Init, 5), ((await queue.GetAsync("c"))!.State, (await queue.GetAsync("c"))!.Priority));
        Assert.Null(await queue.GetAsync("d"));

        // The job list, as the projection writes it and the api nodes read it.
        await list.EnsureCountsAsync();
        Assert.Equal(0, await list.LoadOffsetAsync("list"));
        var bRows = await journal.ReadStreamAsync("job-b");
        await list.ApplyAsync("list", [Submitted("a", 0), new JobCompleted("a", "/m/a.flv", T0.AddSeconds(5)),
            Submitted("b", 1), new JobStarted("b", T0.AddSeconds(3))], bRows[^1].Ordering);
        Assert.Equal(bRows[^1].Ordering, await list.LoadOffsetAsync("list"));
        await list.ReplaceAsync([JobEntityState.Empty.Apply(Submitted("c", 2, priority: 5)).ToSummary(0)]);
        Assert.Equal(JobState.Completed, (await list.GetAsync("a"))?.State);
        Assert.Equal(JobState.InProgress, (await list.GetAsync("b"))?.State);
        var page = await list.QueryAsync(0, 2, newestFirst: true, state: null);
        Assert.Equal(3, page.Total);
        Assert.Equal(["c", "b"], page.Jobs.Select(j => j.Id));
        Assert.Equal(["a"], (await list.QueryAsync(0, 10, newestFirst: false, state: (int)JobState.Completed)).Jobs.Select(j => j.Id));
        Assert.Equal((2L, 1L), await list.CountUnfinishedAsync(["b", "x"]));
        Assert.Equal(new Dictionary<JobState, long> { [JobState.Completed] = 1, [JobState.InProgress] = 1, [JobState.Init] = 1 },
            await list.CountByStateAsync());
        Assert.Equal(["a"], await list.EndedAmongAsync(["a", "b", "x"]));
        Assert.Empty(await list.RunningNotQueuedAsync());
        await queue.RemoveAsync(["b"]);
        Assert.Equal(["b"], await list.RunningNotQueuedAsync());
        Assert.Equal(["a"], (await list.EndedCreatedBeforeAsync(T0.AddDays(1), 10)).Select(j => j.Id));

        // Retention: "a" is read to its end, "b" is not (its journal rows lie past the offset once it has one more).
        await node.PersistAsync("job-b", new JobCanceled("b", T0.AddSeconds(6)));
        Assert.Equal(["a", "none"], await list.ProjectedAsync("list", ["a", "b", "none"], JobPrefix));
        // The plugin deletes the stream and keeps its last row marked deleted; forgetting the job removes that too.
        await node.DeleteAsync("job-a", 2);
        Assert.Equal(2, await journal.HighestSequenceNrAsync("job-a", 0));
        await list.ForgetAsync(["a"], ["job-a"]);
        Assert.Empty(await journal.ReadStreamAsync("job-a"));
        Assert.Equal(0, await journal.HighestSequenceNrAsync("job-a", 0));
        Assert.Null(await list.GetAsync("a"));
        Assert.Equal(new Dictionary<JobState, long> { [JobState.InProgress] = 1, [JobState.Init] = 1 }, await list.CountByStateAsync());
        Assert.Equal(2, (await list.QueryAsync(0, 10, true, null)).Total);
    }

    private const string JobPrefix = "job-";

    private static JobSubmitted Submitted(string id, int second, int priority = 0) =>
        new(id, Samples.H264Job("/m", priority), T0.AddSeconds(second));

    /// <summary>A job as the intake stores it: its event serialized by the node's serializer.</summary>
    private static QueuedJob Queued(PluginNode node, string id, int priority, int second)
    {
        var e = Submitted(id, second, priority);
        var serializer = node.System.Serialization.FindSerializerFor(e);
        return new QueuedJob(id, priority, e.At, serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, e),
            serializer.ToBinary(e), JobEntityState.Empty.Apply(e).ToSummary(0));
    }

    private static void Same(object expected, object actual) =>
        Assert.Null(DeepEquality.FirstDifference(expected, actual));

    private static object Deserialize(PluginNode node, TailRow r) =>
        node.System.Serialization.Deserialize(r.Message!, r.SerializerId!.Value, r.Manifest ?? "");

    private sealed class TailRowEquality : IEqualityComparer<TailRow>
    {
        public bool Equals(TailRow? x, TailRow? y) => x is not null && y is not null &&
            (x.Ordering, x.PersistenceId, x.SerializerId, x.Manifest) == (y.Ordering, y.PersistenceId, y.SerializerId, y.Manifest) &&
            (x.Message ?? []).SequenceEqual(y.Message ?? []);
        public int GetHashCode(TailRow r) => r.Ordering.GetHashCode();
    }
}
