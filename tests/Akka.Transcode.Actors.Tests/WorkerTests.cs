using System.Diagnostics;
using Akka.Actor;
using Akka.TestKit;
using Akka.Transcode.Actors.Tasks;
using Akka.Transcode.Actors.Tests.Support;
using Akka.Transcode.Actors.Workers;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Scheduling;
using Akka.Transcode.Media.Execution;
using Akka.Transcode.Media.Hashing;
using Akka.Transcode.Media.Paths;
using Akka.Transcode.Media.Transfer;
using Xunit.Abstractions;

namespace Akka.Transcode.Actors.Tests;

/// <summary>
/// The worker registry with worker nodes and their task runners in one actor system. A probe stands in for the task
/// region and answers results as a task entity would; fake executors stand in for ffmpeg. Every message crosses the
/// project's serializer (serialize-messages = on).
/// </summary>
// One collection: both rely on heartbeats of a fraction of a second, which parallel classes on 2 cores can starve.
[Collection("worker registry")]
public sealed class WorkerTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly DateTimeOffset T0 = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly TranscodeSettings Settings = new()
    {
        HeartbeatInterval = TimeSpan.FromMilliseconds(200),
        WorkerTimeout = TimeSpan.FromSeconds(1),
        RetryInterval = TimeSpan.FromMilliseconds(300),
    };

    /// <summary>For probes registered as workers: they never heartbeat, so they must not time out mid-test.</summary>
    private static readonly TranscodeSettings Patient = Settings with { WorkerTimeout = TimeSpan.FromSeconds(30) };
    // For "at once, not after the worker timeout": a timeout far beyond what a loaded test machine can stall.
    private static readonly TranscodeSettings SlowToTimeOut = Settings with { WorkerTimeout = TimeSpan.FromSeconds(5) };

    private readonly TestProbe _tasks;

    public WorkerTests(ITestOutputHelper output) : base(TestConfig.Local(), output: output)
    {
        _tasks = CreateTestProbe("tasks");
        // Acts as the task entities: takes each result and acknowledges it, so the runner can stop.
        _tasks.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            if (message is AttemptResult r) sender.Tell(new AttemptResultAck(r.TaskId, r.Attempt));
            return AutoPilot.KeepRunning;
        }));
    }

    private IActorRef Registry(TranscodeSettings? settings = null) => Sys.ActorOf(WorkerRegistry.Props(_tasks.Ref, settings ?? Settings));

    private IActorRef Node(IActorRef registry, ITaskExecutor executor, int slots, string key = "node-a") =>
        Sys.ActorOf(WorkerNode.Props(key, slots, registry, _tasks.Ref, executor, Settings));

    private static RequestWork Request(string jobId, int index = 0, int attempt = 1, int priority = 0, DateTimeOffset? created = null)
    {
        var spec = Samples.VideoTask(jobId, index);
        return new RequestWork(spec.TaskId, attempt, spec, priority, created ?? T0);
    }

    private WorkersSnapshot Snapshot(IActorRef registry)
    {
        var client = CreateTestProbe();
        client.Send(registry, GetWorkers.Instance);
        return client.ExpectMsg<WorkersSnapshot>();
    }

    private static string Register(IActorRef registry, TestProbe worker, string key, int slots)
    {
        worker.Send(registry, new RegisterWorker(key, slots, "http://" + key));
        return worker.ExpectMsg<WorkerRegistered>().WorkerId;
    }

    [Fact]
    public void Registration_gives_the_same_worker_id_to_the_same_key()
    {
        var registry = Registry(Patient);
        var a = CreateTestProbe();
        var b = CreateTestProbe();

        var first = Register(registry, a, "10.0.0.1:4053", 2);
        var again = Register(registry, a, "10.0.0.1:4053", 2);
        var other = Register(registry, b, "10.0.0.2:4053", 3);

        Assert.Equal(first, again);
        Assert.Equal(WorkerRegistryState.IdFor("10.0.0.1:4053"), first);
        Assert.NotEqual(first, other);
        var snapshot = Snapshot(registry);
        Assert.Equal(2, snapshot.Workers.Count);
        Assert.Equal(5, snapshot.TotalSlots);
        Assert.Equal("http://10.0.0.1:4053", snapshot.Workers.Single(w => w.WorkerId == first).HttpEndpoint);
    }

    [Fact]
    public void A_worker_registering_again_from_a_new_process_replaces_the_old_one_whose_attempts_are_lost()
    {
        var registry = Registry(Patient);
        var old = CreateTestProbe();
        var id = Register(registry, old, "node-x", 1);
        registry.Tell(Request("r"));
        old.ExpectMsg<AssignTask>(a => a.TaskId == "r-t0");

        var restarted = CreateTestProbe();
        Assert.Equal(id, Register(registry, restarted, "node-x", 1));

        _tasks.FishForMessage<AttemptWorkerLost>(l => l.TaskId == "r-t0" && l.Attempt == 1 && l.WorkerId == id);
        Assert.Single(Snapshot(registry).Workers);
    }

    [Fact]
    public void A_worker_registering_with_a_new_registry_brings_its_running_attempts_which_are_not_handed_out_again()
    {
        // The registry restarted on another node: a task whose attempt 1 runs on node-a asks again (it has not yet
        // heard from that attempt), and node-b, with more free slots, registered too.
        var registry = Registry(Patient);
        var a = CreateTestProbe();
        var b = CreateTestProbe();
        var running = Request("dup");
        registry.Tell(running);
        a.Send(registry, new RegisterWorker("node-a", 1, null, [new RunningAttempt(running.TaskId, 1)]));
        var aId = a.ExpectMsg<WorkerRegistered>().WorkerId;
        Assert.Equal(0, Snapshot(registry).QueueLength); // the queued request was for the attempt node-a runs

        Register(registry, b, "node-b", 3);
        registry.Tell(running); // the task asks again

        b.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        a.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        var snapshot = Snapshot(registry);
        Assert.Equal(0, snapshot.QueueLength);
        Assert.Equal([new RunningAttempt(running.TaskId, 1)], snapshot.Workers.Single(w => w.WorkerId == aId).Running);
        // Its next attempt is new work, and goes to the free worker.
        registry.Tell(Request("dup", attempt: 2));
        Assert.Equal(2, b.ExpectMsg<AssignTask>(t => t.TaskId == running.TaskId).Attempt);
    }

    [Fact]
    public void Waiting_tasks_go_out_by_priority_then_job_age_then_task_order()
    {
        var registry = Registry(Patient);
        var oldJob = T0.AddMinutes(-20);
        var midJob = T0.AddMinutes(-10);
        registry.Tell(Request("mid", index: 1, created: midJob));
        registry.Tell(Request("new-urgent", priority: 5, created: T0));
        registry.Tell(Request("mid", index: 0, created: midJob));
        registry.Tell(Request("old", created: oldJob));
        registry.Tell(Request("old", created: oldJob)); // a repeat while waiting is not queued twice
        Assert.Equal(4, Snapshot(registry).QueueLength);

        var worker = CreateTestProbe();
        var id = Register(registry, worker, "single-slot", 1);
        var order = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var assigned = worker.ExpectMsg<AssignTask>();
            Assert.Equal(id, assigned.WorkerId);
            order.Add(assigned.TaskId);
            worker.ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // one slot: nothing more until it is free
            registry.Tell(new SlotFreed(id, assigned.TaskId, assigned.Attempt), worker.Ref);
        }

        Assert.Equal(["new-urgent-t0", "old-t0", "mid-t0", "mid-t1"], order);
    }

    [Fact]
    public void A_worker_gets_no_more_attempts_than_it_has_slots()
    {
        var registry = Registry(Patient);
        var worker = CreateTestProbe();
        var id = Register(registry, worker, "two-slots", 2);

        registry.Tell(Request("s1"));
        registry.Tell(Request("s2"));
        registry.Tell(Request("s3"));

        var first = worker.ExpectMsg<AssignTask>();
        var second = worker.ExpectMsg<AssignTask>();
        worker.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        var snapshot = Snapshot(registry);
        Assert.Equal(1, snapshot.QueueLength);
        Assert.Equal(2, snapshot.Workers.Single().Running.Count);

        registry.Tell(new SlotFreed(id, first.TaskId, first.Attempt), worker.Ref);
        var third = worker.ExpectMsg<AssignTask>();
        Assert.Equal(["s1-t0", "s2-t0", "s3-t0"], new[] { first.TaskId, second.TaskId, third.TaskId });
        Assert.Equal(0, Snapshot(registry).QueueLength);
    }

    [Fact]
    public void A_withdrawn_request_leaves_the_queue()
    {
        var registry = Registry(Patient);
        registry.Tell(Request("w1"));
        registry.Tell(Request("w2"));

        registry.Tell(new WithdrawWork("w1-t0"));

        Assert.Equal(1, Snapshot(registry).QueueLength);
        var worker = CreateTestProbe();
        Register(registry, worker, "late", 2);
        worker.ExpectMsg<AssignTask>(a => a.TaskId == "w2-t0");
        worker.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_heartbeat_from_an_unknown_worker_is_answered_with_UnknownWorker()
    {
        var registry = Registry();
        var stranger = CreateTestProbe();

        stranger.Send(registry, new WorkerHeartbeat("w-000000000000", 0, []));

        stranger.ExpectMsg<UnknownWorker>(u => u.WorkerId == "w-000000000000");
    }

    [Fact]
    public void Progress_of_a_running_attempt_reaches_the_task_as_rising_AttemptAlive_then_the_result()
    {
        var registry = Registry();
        var executor = new SteppedExecutor();
        Node(registry, executor, slots: 1);

        registry.Tell(Request("p"));

        var percents = new List<double>();
        bool Collect(AttemptAlive a, double atLeast)
        {
            Assert.Equal(("p-t0", 1, WorkerRegistryState.IdFor("node-a")), (a.TaskId, a.Attempt, a.WorkerId));
            percents.Add(a.Percent);
            return a.Percent >= atLeast;
        }
        _tasks.FishForMessage<AttemptAlive>(a => Collect(a, 30), TimeSpan.FromSeconds(3));
        executor.Step();
        _tasks.FishForMessage<AttemptAlive>(a => Collect(a, 70), TimeSpan.FromSeconds(3));
        executor.Step();

        var result = _tasks.FishForMessage<AttemptResult>(_ => true, TimeSpan.FromSeconds(3));
        Assert.True(result.Success);
        Assert.Equal(("p-t0", 1), (result.TaskId, result.Attempt));
        Assert.Equal(percents.Order(), percents);
        Assert.Equal(70, percents[^1]);
        // Acknowledged by the task: the runner stops and its slot is free again.
        AwaitAssert(() => Assert.Empty(Snapshot(registry).Workers.Single().Running));
    }

    [Fact]
    public void A_failing_executor_produces_a_failed_AttemptResult_with_its_error()
    {
        var registry = Registry();
        Node(registry, new FailingExecutor(ErrorCode.SourceUnusable, "Invalid data found when processing input"), slots: 1);

        registry.Tell(Request("f", attempt: 3));

        var result = _tasks.FishForMessage<AttemptResult>(_ => true, TimeSpan.FromSeconds(3));
        Assert.False(result.Success);
        Assert.Equal(("f-t0", 3, ErrorCode.SourceUnusable), (result.TaskId, result.Attempt, result.Code));
        Assert.Equal("Invalid data found when processing input", result.Error);
        AwaitAssert(() => Assert.Empty(Snapshot(registry).Workers.Single().Running));
    }

    [Fact]
    public void CancelAttempt_stops_the_runner_cancels_the_executor_and_frees_the_slot_for_the_next_task()
    {
        var registry = Registry();
        var executor = new BlockingExecutor();
        Node(registry, executor, slots: 2);

        registry.Tell(Request("c1"));
        registry.Tell(Request("c2"));
        registry.Tell(Request("c3"));

        AwaitCondition(() => executor.Started.Count == 2);
        Assert.Equal(["c1-t0", "c2-t0"], executor.Started.Order());
        var snapshot = Snapshot(registry);
        Assert.Equal(1, snapshot.QueueLength);
        Assert.Equal(2, snapshot.Workers.Single().Running.Count);

        registry.Tell(new CancelAttempt("c1-t0", 1));

        AwaitCondition(() => executor.WasCanceled("c1-t0"));
        AwaitCondition(() => executor.Started.Contains("c3-t0"));
        Assert.False(executor.WasCanceled("c2-t0"));
        Assert.Equal(0, Snapshot(registry).QueueLength);
        _tasks.FishForMessage<AttemptAlive>(a => a.TaskId == "c3-t0");
    }

    [Fact]
    public void A_heartbeating_worker_keeps_its_attempts_past_the_worker_timeout()
    {
        // Ten heartbeats to a timeout, not five: a test process stalled for a second by its neighbours (a full run
        // starts many test classes at once) must not pass for a silent worker.
        var settings = Settings with { WorkerTimeout = TimeSpan.FromSeconds(2) };
        var registry = Registry(settings);
        var executor = new BlockingExecutor();
        Node(registry, executor, slots: 1);
        registry.Tell(Request("hb"));
        AwaitCondition(() => executor.Started.Count == 1);

        // Everything the tasks hear for twice the worker timeout: the runner's AttemptAlive every second, nothing else.
        var heard = _tasks.ReceiveWhile<object>(settings.WorkerTimeout * 2, null, m => m, 100);

        Assert.DoesNotContain(heard, m => m is AttemptWorkerLost);
        Assert.Contains(heard, m => m is AttemptAlive { TaskId: "hb-t0" });
        var worker = Snapshot(registry).Workers.Single();
        Assert.Equal([new RunningAttempt("hb-t0", 1)], worker.Running);
        Assert.False(executor.WasCanceled("hb-t0"));
    }

    [Fact]
    public void A_stopped_worker_node_loses_its_attempts_at_once()
    {
        var registry = Registry(SlowToTimeOut);
        var executor = new BlockingExecutor();
        var node = Node(registry, executor, slots: 2, key: "doomed");
        registry.Tell(Request("d1"));
        registry.Tell(Request("d2"));
        AwaitCondition(() => executor.Started.Count == 2);

        var clock = Stopwatch.StartNew();
        Sys.Stop(node);

        var lost = new[]
        {
            _tasks.FishForMessage<AttemptWorkerLost>(_ => true, TimeSpan.FromSeconds(2)),
            _tasks.FishForMessage<AttemptWorkerLost>(_ => true, TimeSpan.FromSeconds(2)),
        };
        Assert.True(clock.Elapsed < SlowToTimeOut.WorkerTimeout, $"lost after {clock.Elapsed}");
        Assert.Equal(["d1-t0", "d2-t0"], lost.Select(l => l.TaskId).Order());
        Assert.All(lost, l => Assert.Equal(WorkerRegistryState.IdFor("doomed"), l.WorkerId));
        AwaitCondition(() => executor.WasCanceled("d1-t0") && executor.WasCanceled("d2-t0"));
        Assert.Empty(Snapshot(registry).Workers);
    }

    [Fact]
    public void A_cancel_that_meets_a_draining_run_still_holds_the_drain_until_the_run_has_ended()
    {
        // The tasks of a leaving worker hear at once that their attempts are lost and tell the runners to cancel; a
        // runner that stopped at that word let the node exit with its ffmpeg still running (the rolling-restart
        // test saw it).
        var registry = Registry(SlowToTimeOut);
        var stopTime = TimeSpan.FromMilliseconds(600);
        var executor = new SlowToStopExecutor(stopTime);
        var node = Node(registry, executor, slots: 2, key: "cancelled-leaving");
        registry.Tell(Request("c1"));
        AwaitCondition(() => executor.Started.Count == 1);
        _tasks.FishForMessage<AttemptAlive>(a => a.TaskId == "c1-t0", TimeSpan.FromSeconds(5));
        var runner = _tasks.LastSender;

        var shutdown = CreateTestProbe();
        shutdown.Send(node, DrainWorker.Instance);
        _tasks.FishForMessage<AttemptWorkerLost>(_ => true, TimeSpan.FromSeconds(2));
        // What TaskEntity.LoseAttempt sends, to the runner it heard from, and what it may send through the node.
        runner.Tell(new CancelAttempt("c1-t0", 1));
        node.Tell(new CancelAttempt("c1-t0", 1));

        shutdown.ExpectMsg<WorkerDrained>(TimeSpan.FromSeconds(5));
        Assert.True(executor.HasEnded("c1-t0"), "drained before the run ended");
    }

    [Fact]
    public void A_run_replaced_by_a_newer_attempt_still_holds_the_drain_until_it_has_ended()
    {
        // A newer attempt of a task replaces the run of the stale one, which then stops its ffmpeg (up to the grace
        // time) after the node has let go of it. A drain meanwhile counted only current runs and was answered with
        // that ffmpeg still running, so the process exited before it (the rolling-restart test saw it).
        var registry = Registry(SlowToTimeOut);
        var executor = new FirstRunSlowToStopExecutor(TimeSpan.FromMilliseconds(1500));
        var node = Node(registry, executor, slots: 1, key: "replaced");
        registry.Tell(Request("r1"));
        AwaitCondition(() => executor.Started.Count == 1);
        AwaitCondition(() => Snapshot(registry).Workers.Count == 1);

        var spec = Samples.VideoTask("r1", 0);
        var master = CreateTestProbe();
        master.Send(node, new AssignTask(spec.TaskId, 2, spec, WorkerRegistryState.IdFor("replaced")));
        AwaitCondition(() => executor.Started.Count == 2);
        Assert.False(executor.FirstRunEnded);

        var shutdown = CreateTestProbe();
        shutdown.Send(node, DrainWorker.Instance);
        shutdown.ExpectMsg<WorkerDrained>(TimeSpan.FromSeconds(5));
        Assert.True(executor.FirstRunEnded, "drained while the replaced run was still stopping");
    }

    [Fact]
    public void A_draining_worker_hands_back_its_attempts_at_once_and_answers_only_once_its_runs_have_ended()
    {
        var registry = Registry(SlowToTimeOut);
        var stopTime = TimeSpan.FromMilliseconds(600);
        var executor = new SlowToStopExecutor(stopTime);
        var node = Node(registry, executor, slots: 2, key: "leaving");
        registry.Tell(Request("l1"));
        registry.Tell(Request("l2"));
        AwaitCondition(() => executor.Started.Count == 2);

        var clock = Stopwatch.StartNew();
        var shutdown = CreateTestProbe();
        shutdown.Send(node, DrainWorker.Instance);

        // The registry re-queues both attempts at once, not after the worker timeout ...
        var lost = new[]
        {
            _tasks.FishForMessage<AttemptWorkerLost>(_ => true, TimeSpan.FromSeconds(2)),
            _tasks.FishForMessage<AttemptWorkerLost>(_ => true, TimeSpan.FromSeconds(2)),
        };
        Assert.True(clock.Elapsed < SlowToTimeOut.WorkerTimeout, $"lost after {clock.Elapsed}");
        Assert.Equal(["l1-t0", "l2-t0"], lost.Select(l => l.TaskId).Order());
        Assert.All(lost, l => Assert.Contains("shutting down", l.Reason));
        // ... and the drain is answered only when both runs have really ended (their ffmpeg stopped).
        shutdown.ExpectMsg<WorkerDrained>(TimeSpan.FromSeconds(5));
        Assert.True(executor.HasEnded("l1-t0") && executor.HasEnded("l2-t0"), "drained before the runs ended");
        Assert.True(clock.Elapsed >= stopTime, $"drained after {clock.Elapsed}");
        Assert.Empty(Snapshot(registry).Workers);

        // A leaving worker gets no more work: a new request waits in the queue.
        registry.Tell(Request("l3"));
        shutdown.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        Assert.DoesNotContain("l3-t0", executor.Started);
        Assert.Equal(1, Snapshot(registry).QueueLength);
    }

    [Fact]
    public void An_idle_draining_worker_answers_at_once_and_rejects_assignments()
    {
        var registry = Registry();
        var executor = new BlockingExecutor();
        var node = Node(registry, executor, slots: 1, key: "idle-leaver");
        AwaitCondition(() => Snapshot(registry).Workers.Count == 1);

        var shutdown = CreateTestProbe();
        shutdown.Send(node, DrainWorker.Instance);
        shutdown.ExpectMsg<WorkerDrained>(TimeSpan.FromSeconds(1));
        AwaitCondition(() => Snapshot(registry).Workers.Count == 0);

        var spec = Samples.VideoTask("late", 0);
        var stale = CreateTestProbe();
        stale.Send(node, new AssignTask(spec.TaskId, 1, spec, WorkerRegistryState.IdFor("idle-leaver")));
        stale.ExpectMsg<AssignmentRejected>(r => r.TaskId == spec.TaskId && r.Attempt == 1);
        Assert.Empty(executor.Started);
    }

    [Fact]
    public void WorkerLeaving_counts_only_from_the_registered_process()
    {
        var registry = Registry(Patient);
        var worker = CreateTestProbe();
        var id = Register(registry, worker, "node-y", 1);
        registry.Tell(Request("y"));
        worker.ExpectMsg<AssignTask>(a => a.TaskId == "y-t0");

        var earlier = CreateTestProbe();
        earlier.Send(registry, new WorkerLeaving(id));
        _tasks.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Single(Snapshot(registry).Workers);

        worker.Send(registry, new WorkerLeaving(id));
        _tasks.FishForMessage<AttemptWorkerLost>(l => l.TaskId == "y-t0" && l.WorkerId == id);
        Assert.Empty(Snapshot(registry).Workers);
    }

    [Fact]
    public void A_worker_that_stops_heartbeating_loses_its_attempts_after_the_worker_timeout()
    {
        var registry = Registry();
        var silent = CreateTestProbe();
        var id = Register(registry, silent, "mute", 1);
        var clock = Stopwatch.StartNew();
        registry.Tell(Request("m"));
        silent.ExpectMsg<AssignTask>();

        var lost = _tasks.FishForMessage<AttemptWorkerLost>(_ => true, Settings.WorkerTimeout * 3);

        Assert.True(clock.Elapsed >= Settings.WorkerTimeout * 0.9, $"lost after {clock.Elapsed}");
        Assert.Equal(("m-t0", 1, id), (lost.TaskId, lost.Attempt, lost.WorkerId));
        Assert.Contains("no heartbeat", lost.Reason);
        Assert.Empty(Snapshot(registry).Workers);

        // It comes back: its next heartbeat is refused, so it knows to register again.
        silent.Send(registry, new WorkerHeartbeat(id, 0, []));
        silent.ExpectMsg<UnknownWorker>();
    }

    [Fact]
    public void A_cluster_worker_refuses_an_assignment_whose_paths_lie_outside_its_roots_and_writes_nothing()
    {
        var temp = Directory.CreateTempSubdirectory("worker-roots-").FullName;
        try
        {
            var root = Directory.CreateDirectory(Path.Combine(temp, "root")).FullName;
            var outside = Directory.CreateDirectory(Path.Combine(temp, "outside")).FullName;
            File.WriteAllText(Path.Combine(root, "in.bin"), "inside");
            File.WriteAllText(Path.Combine(outside, "secret.bin"), "secret");
            // Wired as ClusterWiring wires a cluster worker: staging and the executor check this node's own roots.
            var roots = new MediaRoots([root]);
            var executor = new StagingTaskExecutor(new InstantTaskExecutor(new PathGuard(roots)),
                new StagingOptions(p => roots.Recheck(p, "path").IsOk, Path.Combine(temp, "transfer")), null, new ContentIdCache());
            var node = Node(Registry(Patient), executor, slots: 2, key: "rooted");
            var master = CreateTestProbe();

            var readsOutside = Samples.VideoTask("read-out", 0, Path.Combine(root, "out")) with { SourcePath = Path.Combine(outside, "secret.bin") };
            var writesOutside = Samples.VideoTask("write-out", 0, Path.Combine(outside, "out")) with { SourcePath = Path.Combine(root, "in.bin") };
            master.Send(node, new AssignTask(readsOutside.TaskId, 1, readsOutside, "w"));
            master.Send(node, new AssignTask(writesOutside.TaskId, 1, writesOutside, "w"));

            var results = new[]
            {
                _tasks.FishForMessage<AttemptResult>(_ => true, TimeSpan.FromSeconds(10)),
                _tasks.FishForMessage<AttemptResult>(_ => true, TimeSpan.FromSeconds(10)),
            }.OrderBy(r => r.TaskId).ToList();
            Assert.Equal([readsOutside.TaskId, writesOutside.TaskId], results.Select(r => r.TaskId));
            Assert.All(results, r =>
            {
                Assert.False(r.Success);
                Assert.Equal(ErrorCode.Forbidden, r.Code);
                Assert.Contains("outside this worker's media roots", r.Error);
            });
            Assert.False(Directory.Exists(Path.Combine(root, "out")));
            Assert.Equal(["secret.bin"], Directory.GetFileSystemEntries(outside).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }
}
