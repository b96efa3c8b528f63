using Akka.Actor;
using Akka.TestKit;
using Akka.Transcode.Actors.Intake;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Actors.Storage;
using Akka.Transcode.Actors.Tests.Support;
using Akka.Transcode.Actors.Workers;
using Akka.Transcode.Domain.Jobs;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Akka.Transcode.Actors.Tests.Intake;

/// <summary>
/// The job starter over a real queue and job list (SQLite): it starts the front of the queue, a window at a time,
/// takes a job out of the queue once its entity answered, and starts the next when one ends. Probes stand in for
/// the job region (they answer the starts) and the worker registry.
/// </summary>
public sealed class JobStarterTests : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private static readonly StarterSettings Window2 = new(2, 1, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(3));

    private readonly string _dir = Directory.CreateTempSubdirectory("akka-transcode-starter-").FullName;
    private readonly Database _db;
    private readonly JobQueue _queue;
    private readonly JobReadStore _list;
    private readonly TestProbe _jobs;
    private readonly TestProbe _registry;
    private readonly DateTimeOffset _t0 = DateTimeOffset.UtcNow;

    public JobStarterTests(ITestOutputHelper output) : base(TestConfig.Local(serializeMessages: false), output: output)
    {
        var file = Path.Combine(_dir, "t.db");
        // The plugin's journal table, which the queue writes each job's first event into.
        PluginTables.CreateSqlite(file);
        _db = new Database(StorageProvider.Sqlite, $"Data Source={file}");
        _db.PrepareSqliteFile();
        Await(OwnTables.EnsureAsync(_db));
        _queue = new JobQueue(_db);
        _list = new JobReadStore(_db);
        _jobs = CreateTestProbe("jobs");
        _registry = CreateTestProbe("registry");
        // No workers: the window is the minimum.
        _registry.SetAutoPilot(new DelegateAutoPilot((sender, m) =>
        {
            if (m is GetWorkers) sender.Tell(new WorkersSnapshot([], 0));
            return AutoPilot.KeepRunning;
        }));
    }

    void IDisposable.Dispose()
    {
        base.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void The_queue_front_starts_a_window_at_a_time_and_an_end_lets_the_next_in()
    {
        Enqueue(("a", 0, 0), ("b", 0, 1), ("urgent", 5, 2), ("d", 0, 3));
        var starter = Sys.ActorOf(JobStarter.Props(_queue, _list, _jobs.Ref, _registry.Ref, Window2));

        // Highest priority first, then the oldest; two at a time.
        Assert.Equal("urgent", AnswerStart(exists: true, ended: false));
        Assert.Equal("a", AnswerStart(exists: true, ended: false));
        _jobs.ExpectNoMsg(TimeSpan.FromMilliseconds(600));
        // Answered starts leave the queue: their entities carry them now.
        AwaitAssert(() => Assert.Equal(["b", "d"], Await(_queue.NextAsync(10))), TimeSpan.FromSeconds(5));

        starter.Tell(new JobEnded("urgent"));
        Assert.Equal("b", AnswerStart(exists: true, ended: false));
        _jobs.ExpectNoMsg(TimeSpan.FromMilliseconds(600));
    }

    [Fact]
    public void A_job_the_list_shows_ended_frees_its_place_without_being_announced()
    {
        Enqueue(("a", 0, 0), ("b", 0, 1), ("c", 0, 2));
        Sys.ActorOf(JobStarter.Props(_queue, _list, _jobs.Ref, _registry.Ref, Window2));
        Assert.Equal("a", AnswerStart(exists: true, ended: false));
        Assert.Equal("b", AnswerStart(exists: true, ended: false));
        _jobs.ExpectNoMsg(TimeSpan.FromMilliseconds(400));

        // "a" ends and its JobEnded is lost: the list says so, and the starter's next look sees it.
        Await(_list.ApplyAsync("test", [Submitted("a", 0), new JobCanceled("a", _t0.AddSeconds(5))], 0));
        Assert.Equal("c", AnswerStart(exists: true, ended: false));
    }

    [Fact]
    public void A_job_that_ended_while_queued_only_leaves_the_queue()
    {
        Enqueue(("gone", 0, 0), ("a", 0, 1), ("b", 0, 2));
        Sys.ActorOf(JobStarter.Props(_queue, _list, _jobs.Ref, _registry.Ref, Window2));
        // Cancelled while it waited: its entity says it has ended, so it takes no place in the window.
        Assert.Equal("gone", AnswerStart(exists: true, ended: true));
        Assert.Equal("a", AnswerStart(exists: true, ended: false));
        Assert.Equal("b", AnswerStart(exists: true, ended: false));
        AwaitAssert(() => Assert.Equal(0, TableRows.Count(_db, "job_queue")), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void A_new_starter_counts_the_jobs_already_running()
    {
        // A fail-over: "x" runs (listed, unfinished, not queued); the new starter has room for one more only.
        Await(_list.ApplyAsync("test", [Submitted("x", 0)], 0));
        Enqueue(("a", 0, 1), ("b", 0, 2));
        Sys.ActorOf(JobStarter.Props(_queue, _list, _jobs.Ref, _registry.Ref, Window2));
        Assert.Equal("a", AnswerStart(exists: true, ended: false));
        _jobs.ExpectNoMsg(TimeSpan.FromMilliseconds(600));
    }

    [Fact]
    public void A_job_its_entity_runs_without_the_starter_takes_a_place()
    {
        Enqueue(("a", 0, 0), ("b", 0, 1));
        var starter = Sys.ActorOf(JobStarter.Props(_queue, _list, _jobs.Ref, _registry.Ref, Window2));
        // Submitted to its entity directly (a journal without tables yet): the entity says it runs it.
        starter.Tell(new JobRunning("direct"));
        Assert.Equal("a", AnswerStart(exists: true, ended: false));
        _jobs.ExpectNoMsg(TimeSpan.FromMilliseconds(600));

        starter.Tell(new JobEnded("direct"));
        Assert.Equal("b", AnswerStart(exists: true, ended: false));
    }

    [Fact]
    public void A_start_that_is_not_answered_is_made_again()
    {
        Enqueue(("a", 0, 0));
        Sys.ActorOf(JobStarter.Props(_queue, _list, _jobs.Ref, _registry.Ref,
            Window2 with { StartTimeout = TimeSpan.FromMilliseconds(300) }));
        Assert.Equal("a", _jobs.ExpectMsg<StartJob>().JobId);
        // Not answered: the job stays queued and is asked again.
        Assert.Equal("a", AnswerStart(exists: true, ended: false));
        AwaitAssert(() => Assert.Equal(0, TableRows.Count(_db, "job_queue")), TimeSpan.FromSeconds(5));
    }

    /// <summary>The next start the starter makes, answered as its entity would; returns the job id.</summary>
    private string AnswerStart(bool exists, bool ended)
    {
        var start = _jobs.ExpectMsg<StartJob>(TimeSpan.FromSeconds(5));
        _jobs.Reply(new JobStartReply(start.JobId, exists, ended));
        return start.JobId;
    }

    private void Enqueue(params (string Id, int Priority, int Second)[] jobs)
    {
        var serialization = Sys.Serialization;
        var rows = jobs.Select(j =>
        {
            var e = Submitted(j.Id, j.Priority, j.Second);
            var s = serialization.FindSerializerFor(e);
            return new QueuedJob(j.Id, j.Priority, e.At, s.Identifier, Akka.Serialization.Serialization.ManifestFor(s, e), s.ToBinary(e),
                JobEntityState.Empty.Apply(e).ToSummary(0));
        }).ToList();
        Await(_queue.AppendAsync(rows, "test"));
    }

    private JobSubmitted Submitted(string id, int priority, int second = 0) =>
        new(id, Samples.H264Job(_dir, priority), _t0.AddSeconds(second));

    private static T Await<T>(Task<T> task) => task.GetAwaiter().GetResult();
    private static void Await(Task task) => task.GetAwaiter().GetResult();
}
