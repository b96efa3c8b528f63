using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.TestKit;
using Akka.Transcode.Actors.Feed;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Actors.Tasks;
using Akka.Transcode.Actors.Tests.Support;
using Akka.Transcode.Actors.Workers;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Tasks;
using Xunit.Abstractions;
using TaskStatus = Akka.Transcode.Domain.Tasks.TaskStatus;

namespace Akka.Transcode.Actors.Tests;

/// <summary>
/// The live-view path: entities and the registry publish their changes, and an api node's <see cref="DashboardFeed"/>
/// hands them to the dashboards that may see them. A one-node cluster, so pub-sub and membership are the real ones.
/// </summary>
public sealed class LiveFeedTests : Akka.TestKit.Xunit2.TestKit
{
    private const string ClusterConfig = """
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        akka.coordinated-shutdown.exit-clr = off
        """;

    private static readonly TranscodeSettings Settings = new()
    {
        MaxTaskSeconds = 30,
        RetryInterval = TimeSpan.FromMilliseconds(300),
        IdlePassivation = TimeSpan.FromMinutes(5),
        LiveViewInterval = TimeSpan.FromMilliseconds(400),
        // No progress checkpoints are stored, so every publication below comes from the live path being tested.
        ProgressStep = 100,
    };

    private readonly string _dst = Directory.CreateTempSubdirectory("akka-transcode-feed-").FullName;

    public LiveFeedTests(ITestOutputHelper output)
        : base(TestConfig.Local(serializeMessages: false, extra: ClusterConfig), output: output)
    {
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        try { Directory.Delete(_dst, recursive: true); } catch (IOException) { }
    }

    private static T Published<T>(TestProbe mediator, string topic, TimeSpan? within = null)
    {
        var p = mediator.ExpectMsg<Publish>(within ?? TimeSpan.FromSeconds(3));
        Assert.Equal(topic, p.Topic);
        return Assert.IsType<T>(p.Message);
    }

    [Fact]
    public void A_job_publishes_each_stored_change_at_once_and_its_moving_progress_at_most_once_per_interval()
    {
        var tasks = CreateTestProbe();
        var registry = CreateTestProbe();
        var mediator = CreateTestProbe();
        var job = StepParents.Spawn(Sys, JobEntity.Props("j1", tasks.Ref, registry.Ref, FakeProber.Returning(FakeProber.H264Aac60),
            Settings, changes: new ChangeFeed(mediator.Ref)), CreateTestProbe().Ref);

        job.Tell(new SubmitJob("j1", Samples.H264Job(_dst)), TestActor);
        ExpectMsg<JobCommandReply>();
        Assert.Equal(JobState.Init, Published<JobChanged>(mediator, ChangeFeed.JobsTopic).Job.Summary.State);

        registry.ExpectMsg<GetWorkers>();
        registry.Reply(new WorkersSnapshot([new WorkerInfo("w-1", "key-1", null, 2, [], DateTimeOffset.UtcNow)], 0));
        var planned = Published<JobChanged>(mediator, ChangeFeed.JobsTopic).Job.Summary;
        Assert.Equal((JobState.Ready, 3), (planned.State, planned.TaskCount));
        foreach (var start in new[] { tasks.ExpectMsg<StartTask>(), tasks.ExpectMsg<StartTask>() })
            job.Tell(new TaskStartAck("j1", start.Spec.Index), tasks.Ref);

        job.Tell(new JobTaskStarted("j1", 0, 1, "w-1"), tasks.Ref);
        Assert.Equal(JobState.InProgress, Published<JobChanged>(mediator, ChangeFeed.JobsTopic).Job.Summary.State);

        // Twenty reports at once (a job with many busy tasks): one publication now at most, then one with the newest
        // figures when the interval is over; never one per report.
        for (var i = 1; i <= 20; i++) job.Tell(new JobTaskProgress("j1", i % 2, i * 4, 1.0 + i / 100.0), tasks.Ref);
        // The first may take a while on a busy machine (the reports are persisted first); then at most one more.
        var live = new List<JobChanged?> { Published<JobChanged>(mediator, ChangeFeed.JobsTopic) };
        live.AddRange(mediator.ReceiveWhile(Settings.LiveViewInterval * 3, m => ((Publish)m).Message as JobChanged));
        Assert.InRange(live.Count, 1, 2);
        var probe = CreateTestProbe();
        probe.Send(job, new GetJob("j1", false));
        var now = probe.ExpectMsg<GetJobReply>().Job!;
        Assert.Equal(now.Summary.Progress, live[^1]!.Job.Summary.Progress);
        Assert.Equal(1.19 + 1.20, live[^1]!.Job.Speed!.Value, 2); // the two tasks' last speeds, summed

        job.Tell(new JobTaskFinished("j1", 0, "j1-t0", true, null, null), tasks.Ref);
        tasks.ExpectMsg<JobTaskFinishedAck>();
        var done = Published<JobChanged>(mediator, ChangeFeed.JobsTopic).Job.Summary;
        Assert.Equal([0], done.CompletedTasks);
        mediator.ExpectNoMsg(Settings.LiveViewInterval * 2); // nothing moved since

    }

    [Fact]
    public void A_task_publishes_its_state_attempt_worker_and_progress()
    {
        var jobs = CreateTestProbe();
        var registry = CreateTestProbe();
        var runner = CreateTestProbe();
        var mediator = CreateTestProbe();
        var spec = Samples.VideoTask("j2", 1);
        var task = StepParents.Spawn(Sys, TaskEntity.Props(spec.TaskId, jobs.Ref, registry.Ref, Settings, new ChangeFeed(mediator.Ref)),
            CreateTestProbe().Ref);

        task.Tell(new StartTask(spec.TaskId, spec, 0, DateTimeOffset.UtcNow), jobs.Ref);
        var created = Published<TaskChanged>(mediator, ChangeFeed.TasksTopic);
        Assert.Equal(("j2", spec.TaskId, (int)TaskStatus.Pending, 0, (string?)null), (created.JobId, created.Task.Id, created.Task.State,
            created.Task.Attempts, created.Task.WorkerId));
        Assert.Equal(("video", spec.FromTime, spec.ToTime), (created.Task.Kind, created.Task.FromTime, created.Task.ToTime));

        task.Tell(new AttemptAlive(spec.TaskId, 1, "w-7", 12.5, 1.1), runner.Ref);
        var started = Published<TaskChanged>(mediator, ChangeFeed.TasksTopic).Task;
        Assert.Equal(((int)TaskStatus.Running, 1, "w-7", 12.5), (started.State, started.Attempts, started.WorkerId, started.Progress));

        task.Tell(new AttemptAlive(spec.TaskId, 1, "w-7", 60, 1.1), runner.Ref);
        Assert.Equal(60, Published<TaskChanged>(mediator, ChangeFeed.TasksTopic).Task.Progress);
        task.Tell(new AttemptAlive(spec.TaskId, 1, "w-7", 60, 1.1), runner.Ref);
        mediator.ExpectNoMsg(Settings.LiveViewInterval * 2); // the same figures again: nothing to tell

        task.Tell(new AttemptResult(spec.TaskId, 1, "w-7", true, null, null), runner.Ref);
        var succeeded = Published<TaskChanged>(mediator, ChangeFeed.TasksTopic).Task;
        Assert.Equal(((int)TaskStatus.Succeeded, (int?)0, 100.0, "w-7"), (succeeded.State, succeeded.Result, succeeded.Progress, succeeded.WorkerId));
    }

    private sealed class TextFormatter : IFeedFormatter
    {
        public FeedFrame Job(JobChanged c) => FeedFrame.Create("job:" + c.Job.Summary.Id, "job", $"\"{c.Job.Summary.Id}\"");
        public FeedFrame Task(TaskChanged c) => FeedFrame.Create("task:" + c.Task.Id, "task", $"\"{c.Task.Id}\"");
        public FeedFrame Workers(WorkersChanged c) => FeedFrame.Create("workers", "workers", c.Workers.Workers.Count.ToString());
        public FeedFrame Members(Akka.Cluster.Cluster cluster) =>
            FeedFrame.Create("members", "members", cluster.State.Members.Count(m => m.Status == MemberStatus.Up).ToString());
    }

    private static JobChanged JobChange(string id) => new(new JobView(new JobSummary { Id = id }, null, null, null));

    private static TaskChanged TaskChange(string jobId, int index) =>
        new(jobId, new TaskView($"{jobId}-t{index}", "video", 1, null, 5, "w-1", 0, 10, 1, null));

    private static async Task<IReadOnlyList<string>> Take(FeedClient client)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return await client.TakeAsync(cts.Token) ?? throw new InvalidOperationException("closed");
    }

    [Fact]
    public async Task The_feed_relays_published_changes_and_membership_to_the_clients_that_may_see_them()
    {
        var mediator = DistributedPubSub.Get(Sys).Mediator;
        var feed = Sys.ActorOf(DashboardFeed.Props(mediator, new TextFormatter()));
        var admin = new FeedClient(admin: true, jobId: "j1");
        var client = new FeedClient(admin: false, jobId: null);
        var other = new FeedClient(admin: false, jobId: "j2");
        foreach (var c in new[] { admin, client, other })
        {
            feed.Tell(new ConnectFeedClient(Guid.NewGuid(), c), TestActor);
            ExpectMsg<FeedClientConnected>();
        }

        // Membership: the node joins its own cluster and becomes Up.
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        AwaitCondition(() => cluster.SelfMember.Status == MemberStatus.Up, TimeSpan.FromSeconds(10));
        await AwaitAssertAsync(async () => Assert.Contains(FeedFrame.Create("members", "members", "1").Text, await Take(admin)),
            TimeSpan.FromSeconds(5));

        var changes = new ChangeFeed(mediator);
        // The feed's subscriptions reach the mediator asynchronously: publish until the first change arrives.
        await AwaitAssertAsync(async () =>
        {
            changes.Publish(JobChange("j0"));
            Assert.Contains(FeedFrame.Create("job:j0", "job", "\"j0\"").Text, await Take(client));
        }, TimeSpan.FromSeconds(5));
        await Take(admin);
        await Take(other);

        changes.Publish(JobChange("j9"));
        changes.Publish(TaskChange("j1", 0));
        changes.Publish(new WorkersChanged(new WorkersSnapshot([new WorkerInfo("w-1", "k", null, 1, [], DateTimeOffset.UtcNow)], 0)));
        changes.Publish(TaskChange("j2", 3));
        changes.Publish(JobChange("j8"));

        // Each sees every job, only its own job's tasks, and workers only with an admin token. (Each topic keeps its
        // order; different topics may interleave, so a task frame may come after the last job frame: each waits for
        // its whole set.)
        await AwaitAssertAsync(async () => Assert.Equal(["job", "job", "task", "workers"], Events(await Peek(admin))), TimeSpan.FromSeconds(5));
        Assert.Contains(_peeked[admin], f => f.Contains("\"j1-t0\""));
        await AwaitAssertAsync(async () => Assert.Equal(["job", "job", "task"], Events(await Peek(other))), TimeSpan.FromSeconds(5));
        Assert.Contains(_peeked[other], f => f.Contains("\"j2-t3\""));
        // The client without a job sees no task; by now every frame published above has reached the others.
        await AwaitAssertAsync(async () => Assert.Equal(["job", "job"], Events(await Peek(client))), TimeSpan.FromSeconds(5));
        Assert.Equal(["job", "job"], Events(await Peek(client)));

        // A client that leaves is closed and gets nothing more.
        var id = Guid.NewGuid();
        var leaving = new FeedClient(admin: false, jobId: null);
        feed.Tell(new ConnectFeedClient(id, leaving), TestActor);
        ExpectMsg<FeedClientConnected>();
        feed.Tell(new DisconnectFeedClient(id));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        Assert.Null(await leaving.TakeAsync(cts.Token));
    }

    private readonly Dictionary<FeedClient, List<string>> _peeked = new();

    /// <summary>Everything a client has been given so far (frames arrive over time, in order).</summary>
    private async Task<List<string>> Peek(FeedClient c)
    {
        if (!_peeked.TryGetValue(c, out var all)) _peeked[c] = all = [];
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        try { all.AddRange(await c.TakeAsync(cts.Token) ?? []); }
        catch (OperationCanceledException) { /* nothing new yet */ }
        return all;
    }

    private static IEnumerable<string> Events(IEnumerable<string> frames) =>
        frames.Select(f => f.Split('\n')[0]["event: ".Length..]).Where(e => e != "members").Order();
}
