using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Akka.Transcode.Actors.Intake;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Actors.Storage;
using Akka.Transcode.Actors.Tests.Support;
using Akka.Transcode.Domain.Jobs;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Akka.Transcode.Actors.Tests.Intake;

/// <summary>
/// The intake on the node's real journal (Akka.Persistence.Sql on a SQLite file, tables made by the plugin): jobs
/// it stored are the ones their entities recover, in the start order; a taken id and a journal without tables go to
/// the job's entity instead. Probes stand in for the job region and the starter.
/// </summary>
public sealed class JobIntakeTests : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private static readonly TranscodeSettings Settings = new() { IdlePassivation = TimeSpan.FromMinutes(5) };

    private readonly string _dir;
    private readonly Database _db;
    private readonly JobQueue _queue;
    private readonly TestProbe _jobs;
    private readonly TestProbe _starter;
    private readonly IActorRef _intake;

    public JobIntakeTests(ITestOutputHelper output)
        : this(output, Directory.CreateTempSubdirectory("akka-transcode-intake-").FullName)
    {
    }

    private JobIntakeTests(ITestOutputHelper output, string dir) : base(ConfigurationFactory.ParseString("akka.loglevel = WARNING")
        .WithFallback(TestConfig.SqliteJournal(Path.Combine(dir, "t.db"))), output: output)
    {
        _dir = dir;
        _db = new Database(StorageProvider.Sqlite, $"Data Source={Path.Combine(dir, "t.db")}");
        _db.PrepareSqliteFile();
        OwnTables.EnsureAsync(_db).GetAwaiter().GetResult();
        _queue = new JobQueue(_db);
        _jobs = CreateTestProbe("jobs");
        _starter = CreateTestProbe("starter");
        _intake = Sys.ActorOf(JobIntake.Props(_queue, _jobs.Ref, _starter.Ref));
    }

    void IDisposable.Dispose()
    {
        base.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Submissions_are_stored_in_start_order_and_each_entity_recovers_its_job_from_the_row()
    {
        CreateJournalTables();
        // Fifty callers at once, as add_job's requests arrive; every other job has a higher priority.
        var callers = Enumerable.Range(0, 50).Select(i => (Id: $"j{i:D2}", Probe: CreateTestProbe(), Priority: i % 2 * 5)).ToList();
        foreach (var c in callers) c.Probe.Send(_intake, new SubmitJob(c.Id, Samples.H264Job(_dir, c.Priority)));
        foreach (var c in callers) Assert.Null(c.Probe.ExpectMsg<JobCommandReply>(r => r.JobId == c.Id).Error);
        _starter.ExpectMsg<JobsQueued>();
        _jobs.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // Highest priority first, then in the order they were accepted.
        var order = Await(_queue.NextAsync(100));
        var expected = callers.Where(c => c.Priority == 5).Concat(callers.Where(c => c.Priority == 0)).Select(c => c.Id).ToList();
        Assert.Equal(expected, order);
        // What get_job shows of a job that waits, before the job list has it.
        var waiting = Await(_queue.GetAsync("j07"))!;
        Assert.Equal((JobState.Init, Samples.SourcePath, 5), (waiting.State, waiting.SourcePath, waiting.Priority));

        // The row is the job's first event: its entity recovers it (and, being told to start, says it is there).
        var tasks = CreateTestProbe();
        var job = StepParents.Spawn(Sys, JobEntity.Props("j07", tasks.Ref, CreateTestProbe().Ref,
            FakeProber.Returning(FakeProber.H264Aac60), Settings), CreateTestProbe().Ref);
        job.Tell(new StartJob("j07"));
        Assert.Equal(new JobStartReply("j07", true, false), ExpectMsg<JobStartReply>());
        job.Tell(new GetJob("j07", false));
        var view = ExpectMsg<GetJobReply>().Job!.Summary;
        Assert.Equal((Samples.SourcePath, 5), (view.SourcePath, view.Priority));
        // ... and goes on with it: planned, its tasks asked to start.
        tasks.ExpectMsg<Tasks.StartTask>(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void A_job_id_already_taken_is_answered_by_its_entity()
    {
        CreateJournalTables();
        var first = CreateTestProbe();
        first.Send(_intake, new SubmitJob("same", Samples.H264Job(_dir)));
        Assert.Null(first.ExpectMsg<JobCommandReply>().Error);

        // The entity decides: the same job again is fine, another under its id a conflict. The caller gets its answer.
        var again = CreateTestProbe();
        again.Send(_intake, new SubmitJob("same", Samples.H264Job(_dir, priority: 3)));
        Assert.Equal("same", _jobs.ExpectMsg<SubmitJob>().JobId);
        Assert.Equal(again.Ref, _jobs.LastSender);
        Assert.Equal(1, TableRows.Count(_db, "job_queue"));
    }

    [Fact]
    public void Before_the_journal_has_tables_jobs_go_to_their_entities()
    {
        var caller = CreateTestProbe();
        caller.Send(_intake, new SubmitJob("early", Samples.H264Job(_dir)));
        Assert.Equal("early", _jobs.ExpectMsg<SubmitJob>().JobId);
        Assert.Equal(caller.Ref, _jobs.LastSender);
        Assert.Equal(0, TableRows.Count(_db, "job_queue"));
    }

    [Fact]
    public void A_store_that_fails_is_answered_with_a_fixed_message_and_the_database_words_stay_in_the_log()
    {
        CreateJournalTables();
        using (var c = new SqliteConnection($"Data Source={Path.Combine(_dir, "t.db")}"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            // A failure of the database's own: its text must not reach the caller of add_job.
            cmd.CommandText = "CREATE TRIGGER refuse BEFORE INSERT ON job_queue BEGIN SELECT RAISE(ABORT, 'internal-detail host=db.internal'); END;";
            cmd.ExecuteNonQuery();
        }
        var caller = CreateTestProbe();
        EventFilter.Warning(contains: "storing 1 job(s) failed").ExpectOne(() =>
            caller.Send(_intake, new SubmitJob("refused", Samples.H264Job(_dir))));
        var error = caller.ExpectMsg<JobCommandReply>().Error!;
        Assert.Equal(Domain.ErrorCode.Unavailable, error.Code);
        Assert.Equal(JobIntake.StoreFailed, error.Message);
        Assert.DoesNotContain("internal-detail", error.Message);
        _jobs.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    /// <summary>The plugin creates its tables on first use: one job through its entity does that.</summary>
    private void CreateJournalTables()
    {
        var job = StepParents.Spawn(Sys, JobEntity.Props("first", CreateTestProbe().Ref, CreateTestProbe().Ref,
            FakeProber.Returning(FakeProber.H264Aac60), Settings), CreateTestProbe().Ref);
        job.Tell(new SubmitJob("first", Samples.H264Job(_dir)));
        Assert.Null(ExpectMsg<JobCommandReply>(TimeSpan.FromSeconds(10)).Error);
    }

    private static T Await<T>(Task<T> task) => task.GetAwaiter().GetResult();
}
