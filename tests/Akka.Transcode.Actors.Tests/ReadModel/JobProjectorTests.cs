using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using Akka.Transcode.Actors.ReadModel;
using Akka.Transcode.Actors.Storage;
using Akka.Transcode.Actors.Tests.Support;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Jobs;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Akka.Transcode.Actors.Tests.ReadModel;

/// <summary>
/// The job list's projection over a SQLite file holding Akka.Persistence.Sql's journal table (made by the plugin
/// itself, <see cref="PluginTables"/>), written here row by row so that holes in the orderings, late rows and unreadable rows can be made
/// on purpose. The payloads are real events serialized by the node's serializer.
/// </summary>
public sealed class JobProjectorTests : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private static readonly ProjectorSettings Fast = new(TimeSpan.FromMilliseconds(20), 3,
        TimeSpan.FromMilliseconds(400), TimeSpan.FromMinutes(1));

    private readonly string _dir = Directory.CreateTempSubdirectory("akka-transcode-projector-").FullName;
    private readonly Database _db;
    private readonly JobReadStore _store;
    private readonly Dictionary<string, long> _sequence = [];

    public JobProjectorTests(ITestOutputHelper output) : base(ConfigurationFactory.ParseString("akka.loglevel = INFO").WithFallback(TestConfig.Local(serializeMessages: false)), output: output)
    {
        var file = Path.Combine(_dir, "t.db");
        PluginTables.CreateSqlite(file);
        _db = new Database(StorageProvider.Sqlite, $"Data Source={file}");
        _db.PrepareSqliteFile();
        _store = new JobReadStore(_db);
        OwnTables.EnsureAsync(_db).GetAwaiter().GetResult();
    }

    void IDisposable.Dispose()
    {
        base.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Job_events_build_the_list_and_other_rows_move_the_offset()
    {
        Write(1, Submitted("a"));
        WriteOther(2, "task-a-t0");
        Write(3, new JobPlanned("a", [], 10, "/m/a.tmp", "/m/w", [], At(1)));
        Write(4, Submitted("b"));
        WriteOther(5, "/sharding/jobShard/1");
        Write(6, new JobCompleted("a", "/m/a.flv", At(2)));
        WriteOther(7, "task-b-t0");
        Sys.ActorOf(JobProjector.Props(_store, _store.Journal, Fast));

        AwaitAssert(() =>
        {
            Assert.Equal(JobState.Completed, Row("a")?.State);
            Assert.Equal(JobState.Init, Row("b")?.State);
            Assert.Equal(7, Offset());
            Assert.Equal(new Dictionary<JobState, long> { [JobState.Completed] = 1, [JobState.Init] = 1 }, Counts());
            Assert.Equal(2, Total());
        }, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_list_from_before_the_counts_gets_them_when_the_projection_starts()
    {
        Write(1, Submitted("a"));
        Write(2, Submitted("b"));
        Write(3, new JobCompleted("b", "/m/b.flv", At(2)));
        var first = Sys.ActorOf(JobProjector.Props(_store, _store.Journal, Fast));
        AwaitAssert(() => Assert.Equal(3, Offset()), TimeSpan.FromSeconds(10));
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first);
        Exec("DELETE FROM job_counts");

        Sys.ActorOf(JobProjector.Props(_store, _store.Journal, Fast));
        AwaitAssert(() => Assert.Equal(new Dictionary<JobState, long> { [JobState.Completed] = 1, [JobState.Init] = 1 }, Counts()),
            TimeSpan.FromSeconds(10));
        Write(4, new JobCanceled("a", At(4)));
        AwaitAssert(() => Assert.Equal(new Dictionary<JobState, long> { [JobState.Completed] = 1, [JobState.Canceled] = 1 }, Counts()),
            TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_hole_is_waited_for_so_a_late_commit_is_applied_in_order()
    {
        Write(1, Submitted("a"));
        Write(3, new JobCompleted("a", "/m/a.flv", At(3)));
        Sys.ActorOf(JobProjector.Props(_store, _store.Journal, Fast with { GapTimeout = TimeSpan.FromSeconds(30) }));
        AwaitAssert(() => Assert.Equal(JobState.Init, Row("a")?.State), TimeSpan.FromSeconds(10));
        Assert.Equal(1, Offset());

        // The transaction holding ordering 2 commits after 3 was visible.
        Write(2, new JobFailed("a", ErrorCode.Internal, "first attempt", At(2)));
        AwaitAssert(() =>
        {
            Assert.Equal(JobState.Completed, Row("a")?.State);
            Assert.Equal(3, Offset());
        }, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_hole_that_never_fills_is_passed_after_the_timeout()
    {
        Write(1, Submitted("a"));
        // Orderings 2 to 4 were taken by a writer that crashed before committing.
        Write(5, Submitted("b"));
        Write(6, new JobCompleted("b", "/m/b.flv", At(2)));
        Sys.ActorOf(JobProjector.Props(_store, _store.Journal, Fast));
        AwaitAssert(() => Assert.Equal(JobState.Completed, Row("b")?.State), TimeSpan.FromSeconds(10));
        Assert.NotNull(Row("a"));
    }

    [Fact]
    public void A_row_that_arrives_in_a_hole_already_passed_is_still_applied()
    {
        Write(1, Submitted("a"));
        Write(3, Submitted("b"));
        Sys.ActorOf(JobProjector.Props(_store, _store.Journal, Fast));
        AwaitAssert(() => Assert.NotNull(Row("b")), TimeSpan.FromSeconds(10));

        // Later than the gap timeout, "a" gets an event in the passed hole, then one more after it.
        Write(4, new JobStarted("a", At(4)));
        AwaitAssert(() => Assert.Equal(JobState.InProgress, Row("a")?.State), TimeSpan.FromSeconds(10));
        Write(2, new JobCanceled("a", At(2)), sequenceNr: 2, renumberFrom: 4);
        AwaitAssert(() => Assert.Equal(JobState.Canceled, Row("a")?.State), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void An_unreadable_row_is_left_out_and_the_rows_after_it_are_applied()
    {
        Write(1, Submitted("a"));
        Exec("INSERT INTO journal VALUES (2, 0, 0, 'job-a', 2, x'00ff00', 'job.no-such-event.v1', " +
             $"{Serializer(Submitted("a")).Identifier}, NULL);");
        _sequence["job-a"] = 2;
        Write(3, new JobCompleted("a", "/m/a.flv", At(3)));
        Sys.ActorOf(JobProjector.Props(_store, _store.Journal, Fast));
        AwaitAssert(() => Assert.Equal(JobState.Completed, Row("a")?.State), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_restarted_projection_goes_on_from_its_stored_offset()
    {
        Write(1, Submitted("a"));
        var first = Sys.ActorOf(JobProjector.Props(_store, _store.Journal, Fast));
        AwaitAssert(() => Assert.NotNull(Row("a")), TimeSpan.FromSeconds(10));
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first);

        Write(2, Submitted("b"));
        Write(3, new JobCompleted("a", "/m/a.flv", At(3)));
        Sys.ActorOf(JobProjector.Props(_store, _store.Journal, Fast));
        AwaitAssert(() =>
        {
            Assert.Equal(JobState.Completed, Row("a")?.State);
            Assert.NotNull(Row("b"));
            Assert.Equal(2, Total());
        }, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_projection_started_before_the_journal_has_tables_picks_up_once_they_appear()
    {
        // A fresh database: the plugin creates the journal's tables on its first use, after the projection started.
        Exec("DROP TABLE journal;");
        EventFilter.Info(contains: "the journal has no tables yet").ExpectOne(() => Sys.ActorOf(JobProjector.Props(_store, _store.Journal, Fast)));
        PluginTables.Create(_db);
        Write(1, Submitted("a"));
        AwaitAssert(() => Assert.Equal(JobState.Init, Row("a")?.State), TimeSpan.FromSeconds(10));
    }

    private static DateTimeOffset At(int s) => new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero).AddSeconds(s);

    private static JobSubmitted Submitted(string id) => new(id, Samples.H264Job("/m"), At(0));

    private JobSummary? Row(string id) => _store.GetAsync(id).GetAwaiter().GetResult();

    private Dictionary<JobState, long> Counts() =>
        _store.CountByStateAsync().GetAwaiter().GetResult().ToDictionary(kv => kv.Key, kv => kv.Value);

    private long Offset() => _store.LoadOffsetAsync(JobProjector.Name).GetAwaiter().GetResult();

    private long Total() => _store.QueryAsync(0, 10, true, null).GetAwaiter().GetResult().Total;

    private Serializer Serializer(object e) => Sys.Serialization.FindSerializerFor(e);

    /// <param name="renumberFrom">Sequence numbers of the same job from here on move up one, as if this event had
    /// been persisted before them (the hole case: its ordering is lower, its sequence number too).</param>
    private void Write(long ordering, IJobEvent e, long? sequenceNr = null, long? renumberFrom = null)
    {
        var pid = "job-" + e.JobId;
        if (renumberFrom is not null)
        {
            Exec($"UPDATE journal SET sequence_number = sequence_number + 1 WHERE persistence_id = '{pid}' AND ordering >= {renumberFrom}");
        }
        var seq = sequenceNr ?? (_sequence[pid] = _sequence.GetValueOrDefault(pid) + 1);
        var serializer = Serializer(e);
        var manifest = serializer is SerializerWithStringManifest m ? m.Manifest(e) : "";
        using var c = new SqliteConnection(_db.ConnectionString);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            INSERT INTO journal (ordering, created, deleted, persistence_id, sequence_number, message, manifest, identifier)
            VALUES (@o, 0, 0, @p, @s, @m, @man, @id);
            """;
        cmd.Parameters.AddWithValue("@o", ordering);
        cmd.Parameters.AddWithValue("@p", pid);
        cmd.Parameters.AddWithValue("@s", seq);
        cmd.Parameters.AddWithValue("@m", serializer.ToBinary(e));
        cmd.Parameters.AddWithValue("@man", manifest);
        cmd.Parameters.AddWithValue("@id", serializer.Identifier);
        cmd.ExecuteNonQuery();
    }

    private void WriteOther(long ordering, string pid) =>
        Exec($"INSERT INTO journal VALUES ({ordering}, 0, 0, '{pid}', {ordering}, x'00', 'CE', 13, NULL)");

    private void Exec(string sql)
    {
        using var c = new SqliteConnection(_db.ConnectionString);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
