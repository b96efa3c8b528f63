using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Transcode.Actors.Hosting;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Actors.Tasks;
using Akka.Transcode.Actors.Tests.Support;
using Akka.Transcode.Actors.Workers;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Tasks;
using Xunit.Abstractions;

namespace Akka.Transcode.Actors.Tests;

/// <summary>
/// The whole master and worker wiring in one single-node cluster: job and task shards with the project's extractors,
/// the worker registry, and a worker node whose executor writes each task's output at once (no ffmpeg).
/// </summary>
public sealed class ClusterTests : Akka.TestKit.Xunit2.TestKit
{
    private const string ClusterConfig = """
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        akka.cluster.sharding.state-store-mode = ddata
        akka.cluster.sharding.distributed-data.durable.keys = []
        akka.cluster.sharding.remember-entities = off
        akka.cluster.sharding.retry-interval = 200ms
        akka.coordinated-shutdown.exit-clr = off
        """;

    private static readonly TranscodeSettings Settings = new()
    {
        MaxTaskSeconds = 10,
        TaskPolicy = new TaskPolicy(MaxAttempts: 2),
        RetryInterval = TimeSpan.FromMilliseconds(300),
        BaseRetryBackoff = TimeSpan.FromMilliseconds(100),
        HeartbeatInterval = TimeSpan.FromMilliseconds(300),
        AttemptSilenceTimeout = TimeSpan.FromSeconds(5),
        IdlePassivation = TimeSpan.FromMinutes(1),
    };

    private readonly string _dst = Directory.CreateTempSubdirectory("akka-transcode-cluster-").FullName;
    private readonly ScriptedExecutor _executor = new();

    public ClusterTests(ITestOutputHelper output)
        : base(TestConfig.Local(serializeMessages: false, extra: ClusterConfig), output: output)
    {
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        try { Directory.Delete(_dst, recursive: true); } catch (IOException) { }
    }

    /// <summary>Forms the one-node cluster and starts everything a master and a worker run; returns the job region.</summary>
    private IActorRef StartNode()
    {
        var cluster = Cluster.Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        AwaitCondition(() => cluster.SelfMember.Status == MemberStatus.Up, TimeSpan.FromSeconds(10));

        var sharding = ClusterSharding.Get(Sys);
        var shardSettings = ClusterShardingSettings.Create(Sys);
        var prober = FakeProber.Returning(FakeProber.H264Aac60);
        IActorRef jobs = ActorRefs.Nobody, registry = ActorRefs.Nobody;
        // The entity factories run only when an entity starts, by which time all three refs are set.
        var tasks = sharding.Start(TranscodeHosting.TaskTypeName, id => TaskEntity.Props(id, jobs, registry, Settings),
            shardSettings, new TaskMessageExtractor());
        jobs = sharding.Start(TranscodeHosting.JobTypeName, id => JobEntity.Props(id, tasks, registry, prober, Settings),
            shardSettings, new JobMessageExtractor());
        registry = Sys.ActorOf(WorkerRegistry.Props(tasks, Settings), TranscodeHosting.RegistryName);
        Sys.ActorOf(WorkerNode.Props("akka:" + cluster.SelfAddress, 2, registry, tasks, _executor, Settings), "worker");
        AwaitAssert(() => Assert.Single(Ask<WorkersSnapshot>(registry, GetWorkers.Instance).Workers));
        return jobs;
    }

    private T Ask<T>(IActorRef target, object message)
    {
        var client = CreateTestProbe();
        client.Send(target, message);
        return client.ExpectMsg<T>(TimeSpan.FromSeconds(5));
    }

    private JobView Get(IActorRef jobs, string id, bool detail = false)
    {
        var reply = Ask<GetJobReply>(jobs, new GetJob(id, detail));
        Assert.Null(reply.Error);
        return reply.Job!;
    }

    [Fact]
    public void A_chunked_job_completes_through_the_cluster_and_a_job_whose_tasks_always_fail_fails_after_MaxAttempts()
    {
        var jobs = StartNode();

        // A 60 s source, video re-encoded, at most 10 s per task: several chunks and a join.
        var reply = Ask<JobCommandReply>(jobs, new SubmitJob("ok-1", Samples.H264Job(_dst)));
        Assert.Null(reply.Error);

        AwaitAssert(() => Assert.Equal(JobState.Completed, Get(jobs, "ok-1").Summary.State),
            TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(200));
        var done = Get(jobs, "ok-1", detail: true);
        Assert.Equal(100, done.Summary.Progress);
        Assert.True(done.Summary.TaskCount >= 3, $"expected a chunked plan, got {done.Summary.TaskCount} task(s)");
        Assert.Equal(done.Summary.TaskCount, done.Summary.CompletedTasks.Count);
        Assert.All(done.Tasks!, t => Assert.Equal((int)Domain.Tasks.TaskStatus.Succeeded, t.State));
        Assert.Equal("join", done.Tasks![^1].Kind);
        Assert.All(done.Tasks!, t => Assert.Equal(1, _executor.CallsFor(t.Id)));
        var output = Path.Combine(_dst, "movie.mp4");
        Assert.Equal(output, done.Summary.OutputPath);
        Assert.True(File.Exists(output));
        Assert.StartsWith("Join ok-1-t", File.ReadAllText(output));
        Assert.Empty(Directory.GetFiles(_dst, "*.tmp"));
        Assert.False(Directory.Exists(Path.Combine(_dst, ".transcode-ok-1")));

        // Same source copied (one task) for a job whose every attempt fails.
        var bad = Samples.H264Job(_dst) with { Output = Domain.Media.OutputSettings.Default, DstFormat = "mkv" };
        Assert.Null(Ask<JobCommandReply>(jobs, new SubmitJob("bad-1", bad)).Error);

        AwaitAssert(() => Assert.Equal(JobState.Failed, Get(jobs, "bad-1").Summary.State),
            TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(200));
        var failed = Get(jobs, "bad-1").Summary;
        Assert.Equal(ErrorCode.Internal, failed.ErrorCode);
        Assert.Contains("ffmpeg exited with code 1", failed.ErrorMessage);
        Assert.Equal(1, failed.TaskCount);
        Assert.Equal(Settings.TaskPolicy.MaxAttempts, _executor.CallsFor("bad-1-t0"));
        Assert.False(File.Exists(Path.Combine(_dst, "movie.mkv")));
    }
}
