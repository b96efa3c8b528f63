using System.Collections.Concurrent;
using System.Security.Cryptography;
using Akka.Actor;
using Akka.TestKit;
using Akka.Transcode.Actors.Tasks;
using Akka.Transcode.Actors.Tests.Support;
using Akka.Transcode.Actors.Workers;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Scheduling;
using Akka.Transcode.Domain.Tasks;
using Xunit.Abstractions;
using TaskStatus = Akka.Transcode.Domain.Tasks.TaskStatus;

namespace Akka.Transcode.Actors.Tests;

/// <summary>
/// Workers outside the cluster, both sides: the registry with its <see cref="HttpWorkerProxy"/> children against a
/// fake worker (<see cref="FakeGateway"/>), and the worker's <see cref="HttpWorkerHost"/> against a fake master.
/// Messages are not forced through serialization here: the proxy's and host's own messages never leave their node,
/// and the remote ones are covered by SerializerTests.
/// </summary>
// One collection: both rely on heartbeats of a fraction of a second, which parallel classes on 2 cores can starve.
[Collection("worker registry")]
public sealed class HttpWorkerTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly DateTimeOffset T0 = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly TranscodeSettings Settings = new()
    {
        HeartbeatInterval = TimeSpan.FromMilliseconds(200),
        WorkerTimeout = TimeSpan.FromSeconds(1),
        RetryInterval = TimeSpan.FromMilliseconds(300),
    };

    private readonly TestProbe _tasks;
    private readonly FakeGateway _worker = new();

    public HttpWorkerTests(ITestOutputHelper output) : base(TestConfig.Local(serializeMessages: false), output: output)
    {
        _tasks = CreateTestProbe("tasks");
        _tasks.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            if (message is AttemptResult r) sender.Tell(new AttemptResultAck(r.TaskId, r.Attempt));
            return AutoPilot.KeepRunning;
        }));
    }

    private IActorRef Registry(TranscodeSettings? settings = null) =>
        Sys.ActorOf(WorkerRegistry.Props(_tasks.Ref, settings ?? Settings, _worker));

    private string Register(IActorRef registry, string ip = "10.0.0.5", int port = 20001, int slots = 1) =>
        Assert.IsType<WorkerRegistered>(RegisterReply(registry, ip, port, slots)).WorkerId;

    private object RegisterReply(IActorRef registry, string ip = "10.0.0.5", int port = 20001, int slots = 1)
    {
        var edge = CreateTestProbe();
        edge.Send(registry, new RegisterHttpWorker(ip, port, slots));
        return edge.ExpectMsg<object>();
    }

    /// <summary>Heartbeats as the HTTP edge would forward them, so only what the test means to break breaks.</summary>
    private IDisposable KeepAlive(IActorRef registry, string id) =>
        new Stopping(Sys.Scheduler.ScheduleTellRepeatedlyCancelable(TimeSpan.Zero, TimeSpan.FromMilliseconds(200), registry,
            new HttpWorkerHeartbeat(id, 0), CreateTestProbe().Ref));

    private sealed class Stopping(ICancelable timer) : IDisposable
    {
        public void Dispose() => timer.Cancel();
    }

    private static RequestWork Request(string jobId, int index = 0, int attempt = 1)
    {
        var spec = Samples.VideoTask(jobId, index) with
        {
            FileIds = new Dictionary<string, string> { [Samples.SourcePath] = "0cc175b9c0f1b6a831c399e269772661" },
        };
        return new RequestWork(spec.TaskId, attempt, spec, 0, T0);
    }

    private WorkersSnapshot Snapshot(IActorRef registry)
    {
        var client = CreateTestProbe();
        client.Send(registry, GetWorkers.Instance);
        return client.ExpectMsg<WorkersSnapshot>();
    }

    private string? Resolve(IActorRef registry, object question) => Location(registry, question).Path;

    private FileLocation Location(IActorRef registry, object question)
    {
        var client = CreateTestProbe();
        client.Send(registry, question);
        return client.ExpectMsg<FileLocation>();
    }

    [Fact]
    public void An_http_worker_registers_under_an_id_of_its_address_and_heartbeats()
    {
        var registry = Registry();

        var id = Register(registry, slots: 2);

        Assert.Equal(WorkerRegistryState.IdFor("http:10.0.0.5:20001"), id);
        var info = Assert.Single(Snapshot(registry).Workers);
        Assert.Equal(("http://10.0.0.5:20001", 2), (info.HttpEndpoint, info.Slots));
        var edge = CreateTestProbe();
        edge.Send(registry, new HttpWorkerHeartbeat(id, 0));
        edge.ExpectMsg<HeartbeatAck>();
        edge.Send(registry, new HttpWorkerHeartbeat("w-unknown", 0));
        edge.ExpectMsg<UnknownWorker>();
    }

    [Fact]
    public void A_task_is_handed_over_with_add_task_followed_by_polling_and_its_result_reported()
    {
        var registry = Registry();
        var id = Register(registry);
        using var alive = KeepAlive(registry, id);
        var request = Request("j1");
        _worker.Info = (_, _) => new WorkerTaskInfo(1, (int)TaskStatus.Running, null, 40, 1.5, null);

        registry.Tell(request);

        var started = _tasks.ExpectMsg<AttemptAlive>();
        Assert.Equal((request.TaskId, 1, id, 0.0), (started.TaskId, started.Attempt, started.WorkerId, started.Percent));
        var (endpoint, sent, attempt) = Assert.Single(_worker.Added);
        Assert.Equal(("http://10.0.0.5:20001", request.TaskId, 1), (endpoint, sent.TaskId, attempt));
        var progress = _tasks.FishForMessage<AttemptAlive>(a => a.Percent > 0);
        Assert.Equal((40.0, 1.5), (progress.Percent, progress.Speed));

        // While it runs, its inputs can be fetched by id and its output sent back, with the attempt's file token.
        var token = sent.FileToken!;
        Assert.Equal(Samples.SourcePath, Resolve(registry, new ResolveFile("0cc175b9c0f1b6a831c399e269772661", token)));
        Assert.Equal(request.Spec.OutputPath, Resolve(registry, new ResolveUpload(request.TaskId, token)));

        _worker.Info = (_, _) => new WorkerTaskInfo(1, (int)TaskStatus.Succeeded, 0, 100, null, null);
        var result = _tasks.FishForMessage<AttemptResult>(_ => true);
        Assert.True(result.Success);
        AwaitAssert(() => Assert.Empty(Snapshot(registry).Workers.Single().Running), TimeSpan.FromSeconds(5));
        Assert.Equal(new FileLocation(null), Location(registry, new ResolveUpload(request.TaskId, token)));
    }

    [Fact]
    public void A_failure_on_the_worker_becomes_the_attempts_result_with_its_code()
    {
        var registry = Registry();
        using var alive = KeepAlive(registry, Register(registry));
        _worker.Info = (_, _) => new WorkerTaskInfo(1, (int)TaskStatus.Failed, -9, 0, null, "src_filename does not match its file id");

        registry.Tell(Request("j1"));

        var result = _tasks.FishForMessage<AttemptResult>(_ => true);
        Assert.False(result.Success);
        Assert.Equal(ErrorCode.SourceUnusable, result.Code);
        Assert.Contains("does not match", result.Error);
    }

    [Fact]
    public void A_task_the_worker_refuses_as_invalid_is_started_then_failed_with_the_workers_code()
    {
        // A task entity takes a result only for an attempt that started (sent AttemptAlive). A refusal at add_task
        // (-4, -2) sent alone was dropped there, and the task waited for ever instead of failing.
        var registry = Registry();
        using var alive = KeepAlive(registry, Register(registry));
        _worker.AddReply = _ => new WorkerReply(true, ErrorCode.InvalidValue, "task.keyframe_cuts: only video and join tasks take keyframe_cuts");

        registry.Tell(Request("j1"));

        var first = _tasks.FishForMessage(m => m is AttemptAlive or AttemptResult, TimeSpan.FromSeconds(5));
        Assert.IsType<AttemptAlive>(first);
        var result = _tasks.FishForMessage<AttemptResult>(_ => true, TimeSpan.FromSeconds(5));
        Assert.False(result.Success);
        Assert.Equal(ErrorCode.InvalidValue, result.Code);
        Assert.Contains("keyframe_cuts", result.Error);
    }

    [Fact]
    public void A_busy_worker_gives_the_task_back_and_gets_it_again_when_it_has_room()
    {
        var registry = Registry();
        using var alive = KeepAlive(registry, Register(registry));
        _worker.AddReply = n => n == 1
            ? new WorkerReply(true, ErrorCode.Conflict, "no free slot")
            : new WorkerReply(true, ErrorCode.Ok, "ok");

        registry.Tell(Request("j1"));

        _tasks.FishForMessage<AttemptAlive>(_ => true, TimeSpan.FromSeconds(5));
        Assert.Equal(2, _worker.Added.Count);
    }

    [Fact]
    public void A_worker_that_forgot_the_attempt_loses_it()
    {
        var registry = Registry();
        using var alive = KeepAlive(registry, Register(registry));
        _worker.InfoReply = _ => new WorkerReply(true, ErrorCode.NotFound, "task is not known on this worker");

        registry.Tell(Request("j1"));

        var lost = _tasks.FishForMessage<AttemptWorkerLost>(_ => true, TimeSpan.FromSeconds(5));
        Assert.Contains("no longer has", lost.Reason);
    }

    [Fact]
    public void A_worker_that_answers_no_call_is_removed_and_its_attempt_lost_even_while_it_heartbeats()
    {
        var registry = Registry();
        var id = Register(registry);
        using var alive = KeepAlive(registry, id);
        _worker.InfoReply = _ => WorkerReply.Unreached("Connection refused");

        registry.Tell(Request("j1"));

        var lost = _tasks.FishForMessage<AttemptWorkerLost>(_ => true, Settings.WorkerTimeout * 5);
        Assert.Contains("no answer to any call", lost.Reason);
        Assert.Contains("Connection refused", lost.Reason);
        Assert.Empty(Snapshot(registry).Workers);
    }

    [Fact]
    public void A_silent_worker_is_declared_dead_and_asked_to_cancel_what_it_ran()
    {
        var registry = Registry();
        var id = Register(registry);
        var request = Request("j1");

        registry.Tell(request);

        _tasks.ExpectMsg<AttemptAlive>();
        var lost = _tasks.FishForMessage<AttemptWorkerLost>(_ => true, Settings.WorkerTimeout * 5);
        Assert.Equal((request.TaskId, id), (lost.TaskId, lost.WorkerId));
        Assert.Contains("no heartbeat", lost.Reason);
        AwaitAssert(() => Assert.Contains(request.TaskId, _worker.Canceled), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void A_worker_that_registers_again_after_a_restart_gets_the_attempts_it_lost_re_queued_at_once()
    {
        var registry = Registry(Settings with { WorkerTimeout = TimeSpan.FromSeconds(30), HeartbeatInterval = TimeSpan.FromSeconds(20) });
        var id = Register(registry);
        registry.Tell(Request("j1"));
        _tasks.ExpectMsg<AttemptAlive>();
        // The restarted worker knows nothing of what it ran.
        _worker.InfoReply = _ => new WorkerReply(true, ErrorCode.NotFound, "unknown task");

        Assert.Equal(id, Register(registry));

        // Long before the next regular poll (20 s): the registration made the master ask.
        var lost = _tasks.FishForMessage<AttemptWorkerLost>(_ => true, TimeSpan.FromSeconds(3));
        Assert.Contains("no longer has the attempt", lost.Reason);
    }

    [Fact]
    public void A_forged_registration_of_a_live_workers_address_neither_evicts_it_nor_re_queues_its_attempts()
    {
        var registry = Registry(Settings with { WorkerTimeout = TimeSpan.FromSeconds(30) });
        var id = Register(registry, slots: 2);
        using var alive = KeepAlive(registry, id);
        var request = Request("j1");
        registry.Tell(request);
        _tasks.ExpectMsg<AttemptAlive>();
        var token = Assert.Single(_worker.Added).Spec.FileToken;

        // Someone else sends the worker's ip:port; the worker itself still runs its attempt.
        Assert.Equal(id, Register(registry, slots: 64));

        // The master asked the worker (polls go on) and kept everything as it was.
        var polls = _worker.Polls;
        AwaitCondition(() => _worker.Polls >= polls + 3, TimeSpan.FromSeconds(5));
        Assert.DoesNotContain(_tasks.ReceiveWhile(TimeSpan.FromMilliseconds(200), m => m), m => m is AttemptWorkerLost or AttemptResult);
        Assert.Empty(_worker.Canceled);
        Assert.Single(_worker.Added);
        var info = Assert.Single(Snapshot(registry).Workers);
        Assert.Equal((id, 2), (info.WorkerId, info.Slots));
        Assert.Equal([new RunningAttempt(request.TaskId, 1)], info.Running);
        Assert.Equal(request.Spec.OutputPath, Resolve(registry, new ResolveUpload(request.TaskId, token)));
    }

    [Fact]
    public void No_more_than_the_configured_number_of_workers_register_under_one_ip()
    {
        var registry = Registry(Settings with { MaxHttpWorkersPerAddress = 2, WorkerTimeout = TimeSpan.FromSeconds(30) });
        Register(registry, port: 20001);
        var second = Register(registry, port: 20002);

        var refused = Assert.IsType<RegistrationRefused>(RegisterReply(registry, port: 20003));

        Assert.Contains("2 workers are registered under 10.0.0.5", refused.Reason);
        Assert.Contains("MaxWorkersPerAddress", refused.Reason);
        // Registering again does not count twice, and another ip has a cap of its own.
        Assert.Equal(second, Register(registry, port: 20002));
        Register(registry, ip: "10.0.0.6", port: 20003);
        Assert.Equal(3, Snapshot(registry).Workers.Count);
    }

    [Fact]
    public void Files_are_served_only_with_the_file_token_of_the_attempt_that_needs_them()
    {
        var registry = Registry();
        var id = Register(registry, slots: 2);
        using var alive = KeepAlive(registry, id);
        var first = Request("j1");
        var other = Request("j2");
        var otherSpec = other.Spec with
        {
            FileIds = new Dictionary<string, string> { [Samples.SourcePath + ".other"] = "92eb5ffee6ae2fec3ad71c777531578f" },
        };
        registry.Tell(first);
        registry.Tell(other with { Spec = otherSpec });
        AwaitCondition(() => _worker.Added.Count == 2, TimeSpan.FromSeconds(5));
        var tokens = _worker.Added.ToDictionary(a => a.Spec.TaskId, a => a.Spec.FileToken!);
        Assert.NotEqual(tokens[first.TaskId], tokens[other.TaskId]);
        Assert.All(tokens.Values, t => Assert.True(t.Length >= 40, t));

        const string input = "0cc175b9c0f1b6a831c399e269772661";
        // Without a token, with a wrong one, or with the token of an attempt that does not read the file: refused.
        Assert.Equal(new FileLocation(null, Forbidden: true), Location(registry, new ResolveFile(input)));
        Assert.Equal(new FileLocation(null, Forbidden: true), Location(registry, new ResolveFile(input, "not-the-token-0123456789")));
        Assert.Equal(new FileLocation(null, Forbidden: true), Location(registry, new ResolveFile(input, tokens[other.TaskId])));
        Assert.Equal(Samples.SourcePath, Resolve(registry, new ResolveFile(input, tokens[first.TaskId])));
        // Uploads likewise: only the attempt's own token sends its output.
        Assert.Equal(new FileLocation(null, Forbidden: true), Location(registry, new ResolveUpload(first.TaskId)));
        Assert.Equal(new FileLocation(null, Forbidden: true), Location(registry, new ResolveUpload(first.TaskId, tokens[other.TaskId])));
        Assert.Equal(first.Spec.OutputPath, Resolve(registry, new ResolveUpload(first.TaskId, tokens[first.TaskId])));
        // A file no running attempt reads is simply not served.
        Assert.Equal(new FileLocation(null), Location(registry, new ResolveFile("00000000000000000000000000000000", tokens[first.TaskId])));
    }

    [Fact]
    public void A_cancelled_attempt_is_cancelled_on_the_worker_and_its_slot_freed()
    {
        var registry = Registry();
        using var alive = KeepAlive(registry, Register(registry));
        var request = Request("j1");
        registry.Tell(request);
        var started = _tasks.ExpectMsg<AttemptAlive>();

        _tasks.Send(_tasks.LastSender, new CancelAttempt(started.TaskId, started.Attempt));

        AwaitAssert(() => Assert.Contains(request.TaskId, _worker.Canceled), TimeSpan.FromSeconds(3));
        AwaitAssert(() => Assert.Empty(Snapshot(registry).Workers.Single().Running), TimeSpan.FromSeconds(3));
    }

    /// <summary>
    /// Inputs made by other tasks, a join's parts and a sprite's still stream, get their content ids before the task
    /// is handed out, so a worker without the master's storage can fetch them; the upload goes to the task's own
    /// output (for a sprite, inside the job's temporary output directory) and nowhere else.
    /// </summary>
    [Theory]
    [InlineData("join")]
    [InlineData("sprite")]
    public void A_task_reading_other_tasks_outputs_gets_their_content_ids_before_it_is_handed_out(string kind)
    {
        var dir = Directory.CreateTempSubdirectory("http-worker-parts").FullName;
        try
        {
            var names = kind == "join" ? new[] { "video-0000.mkv", "video-0001.mkv" } : ["thumbs-stills.jpeg"];
            var parts = names.Select(n => Path.Combine(dir, n)).ToList();
            for (var i = 0; i < parts.Count; i++) File.WriteAllText(parts[i], $"part {i}");
            var task = kind == "join"
                ? new TaskSpec
                {
                    TaskId = "j1-t2", JobId = "j1", Index = 2, Kind = TaskKind.Join, SourcePath = Samples.SourcePath,
                    VideoParts = parts, OutputPath = Path.Combine(dir, "out.mp4"), Muxer = "mp4", Video = VideoOp.Copy,
                    Audio = AudioOp.Drop, Duration = 20, Weight = 1,
                }
                : new TaskSpec
                {
                    TaskId = "j1-t3", JobId = "j1", Index = 3, Kind = TaskKind.Sprite, SourcePath = Samples.SourcePath,
                    VideoParts = parts, OutputPath = Path.Combine(dir, ".source.j1.tmp", "thumbs", "sprite.jpg"), Muxer = "image2",
                    Video = VideoOp.Drop, Audio = AudioOp.Drop, Duration = 20, Weight = 1,
                    Stills = new StillsOp(10, 320, 180, "jpeg", 2, 10, 1), DependsOn = [2],
                };
            var registry = Registry();
            using var alive = KeepAlive(registry, Register(registry));

            registry.Tell(new RequestWork(task.TaskId, 1, task, 0, T0));

            _tasks.ExpectMsg<AttemptAlive>();
            var sent = Assert.Single(_worker.Added).Spec;
            for (var i = 0; i < parts.Count; i++) Assert.Equal(Md5($"part {i}"), sent.FileIds[parts[i]]);
            Assert.Equal(parts[^1], Resolve(registry, new ResolveFile(Md5($"part {parts.Count - 1}"), sent.FileToken)));
            Assert.Equal(task.OutputPath, Resolve(registry, new ResolveUpload(task.TaskId, sent.FileToken)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(System.Text.Encoding.UTF8.GetBytes(text)));

    // ---- the worker's side ------------------------------------------------------------------------------------

    private IActorRef Host(Media.Execution.ITaskExecutor executor, FakeMaster master, int slots = 1) =>
        Sys.ActorOf(HttpWorkerHost.Props(slots, executor, master, Settings));

    private static WorkerTaskReply Ask(IActorRef host, object message) =>
        host.Ask<WorkerTaskReply>(message, TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();

    private static TaskSpec Spec(string jobId) => Samples.VideoTask(jobId, 0);

    /// <summary>A worker host with attempt 1 of job j1's task accepted and running.</summary>
    private (IActorRef Host, TaskSpec Spec) HostRunning(Media.Execution.ITaskExecutor executor, FakeMaster master)
    {
        var host = Host(executor, master);
        var spec = Spec("j1");
        Assert.Equal(ErrorCode.Ok, Ask(host, new AddWorkerTask(spec, 1)).Code);
        AwaitAssert(() => Assert.Equal((int)TaskStatus.Running, Ask(host, new GetWorkerTask(spec.TaskId)).Task!.State),
            TimeSpan.FromSeconds(5));
        return (host, spec);
    }

    [Fact]
    public void The_worker_registers_heartbeats_and_registers_again_when_the_master_forgot_it()
    {
        var master = new FakeMaster();
        Host(new InstantExecutor(), master, slots: 2);

        AwaitAssert(() => Assert.True(master.Beats >= 2), TimeSpan.FromSeconds(5));
        Assert.Equal((1, 2), (master.Registrations, master.LastSlots));
        master.ForgetWorker = true;
        AwaitAssert(() => Assert.True(master.Registrations >= 2), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void A_worker_the_master_forgot_stops_its_attempts_before_it_registers_again()
    {
        // -7 on a heartbeat: the master declared this worker dead and re-queued what ran here, so those attempts may
        // already run elsewhere, writing the same output. Nothing will read their results: they stop.
        var master = new FakeMaster();
        var executor = new SlowToStopExecutor(TimeSpan.FromMilliseconds(100));
        var (host, spec) = HostRunning(executor, master);

        master.ForgetWorker = true;

        AwaitAssert(() => Assert.True(master.Registrations >= 2), TimeSpan.FromSeconds(5));
        AwaitAssert(() => Assert.True(executor.HasEnded(spec.TaskId), "the attempt still runs after the master forgot the worker"),
            TimeSpan.FromSeconds(5));
        Assert.Equal((int)TaskStatus.Canceled, Ask(host, new GetWorkerTask(spec.TaskId)).Task!.State);
        // Its slot is free again once the run has ended.
        AwaitAssert(() => Assert.Equal(ErrorCode.Ok, Ask(host, new AddWorkerTask(Spec("j2"), 1)).Code), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void A_task_runs_and_reports_its_result_through_get_task_info()
    {
        var host = Host(new InstantExecutor(), new FakeMaster());
        var spec = Spec("j1");

        Assert.Equal(ErrorCode.Ok, Ask(host, new AddWorkerTask(spec, 2)).Code);

        AwaitAssert(() =>
        {
            var info = Ask(host, new GetWorkerTask(spec.TaskId)).Task!;
            Assert.Equal((2, (int)TaskStatus.Succeeded, (int?)0, 100.0), (info.Attempt, info.State, info.Result, info.Progress));
        }, TimeSpan.FromSeconds(5));
        Assert.Equal(ErrorCode.NotFound, Ask(host, new GetWorkerTask("nope")).Code);
    }

    [Fact]
    public void A_failed_task_reports_its_code_and_message()
    {
        var host = Host(new FailingExecutor(ErrorCode.SourceUnusable, "does not match its file id"), new FakeMaster());
        var spec = Spec("j1");

        Ask(host, new AddWorkerTask(spec, 1));

        AwaitAssert(() =>
        {
            var info = Ask(host, new GetWorkerTask(spec.TaskId)).Task!;
            Assert.Equal(((int)TaskStatus.Failed, (int?)(int)ErrorCode.SourceUnusable), (info.State, info.Result));
            Assert.Contains("does not match", info.Error);
        }, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void A_full_worker_refuses_more_but_takes_the_same_attempt_again()
    {
        var host = Host(new BlockingExecutor(), new FakeMaster());

        Assert.Equal(ErrorCode.Ok, Ask(host, new AddWorkerTask(Spec("j1"), 1)).Code);
        Assert.Equal(ErrorCode.Ok, Ask(host, new AddWorkerTask(Spec("j1"), 1)).Code);
        var busy = Ask(host, new AddWorkerTask(Spec("j2"), 1));

        Assert.Equal(ErrorCode.Conflict, busy.Code);
        Assert.Contains("no free slot", busy.Message);
    }

    [Fact]
    public void Cancel_is_answered_once_the_run_has_really_ended()
    {
        var executor = new SlowToStopExecutor(TimeSpan.FromMilliseconds(600));
        var (host, spec) = HostRunning(executor, new FakeMaster());

        var reply = Ask(host, new CancelWorkerTask(spec.TaskId));

        Assert.Equal(ErrorCode.Ok, reply.Code);
        Assert.True(executor.HasEnded(spec.TaskId), "cancel_task answered before the run had ended");
        Assert.Equal((int)TaskStatus.Canceled, reply.Task!.State);
    }

    [Fact]
    public async Task A_run_replaced_by_a_newer_attempt_still_holds_the_drain_until_it_has_ended()
    {
        // The master's newer attempt replaces the stale one at once; the stale run's ffmpeg may still be ending.
        var executor = new FirstRunSlowToStopExecutor(TimeSpan.FromMilliseconds(1500));
        var (host, spec) = HostRunning(executor, new FakeMaster());
        Assert.Equal(ErrorCode.Ok, Ask(host, new AddWorkerTask(spec, 2)).Code);
        AwaitCondition(() => executor.Started.Count == 2);
        Assert.False(executor.FirstRunEnded);

        await host.Ask<WorkerDrained>(DrainWorker.Instance, TimeSpan.FromSeconds(10));
        Assert.True(executor.FirstRunEnded, "drained while the replaced run was still stopping");
    }

    [Fact]
    public async Task A_draining_worker_stops_its_runs_before_it_answers_and_takes_no_new_task()
    {
        var executor = new SlowToStopExecutor(TimeSpan.FromMilliseconds(300));
        var (host, spec) = HostRunning(executor, new FakeMaster());

        await host.Ask<WorkerDrained>(DrainWorker.Instance, TimeSpan.FromSeconds(10));

        Assert.True(executor.HasEnded(spec.TaskId));
        Assert.Equal(ErrorCode.Unavailable, Ask(host, new AddWorkerTask(Spec("j2"), 1)).Code);
    }

    /// <summary>A worker as its master sees it over HTTP: what it was given, and answers the test chooses.</summary>
    private sealed class FakeGateway : IWorkerGateway
    {
        public ConcurrentQueue<(string Endpoint, TaskSpec Spec, int Attempt)> AddedQueue { get; } = new();
        public IReadOnlyList<(string Endpoint, TaskSpec Spec, int Attempt)> Added => AddedQueue.ToList();
        public ConcurrentBag<string> Canceled { get; } = new();
        public Func<int, WorkerReply> AddReply { get; set; } = _ => new WorkerReply(true, ErrorCode.Ok, "ok");
        public Func<string, int, WorkerTaskInfo> Info { get; set; } =
            (_, attempt) => new WorkerTaskInfo(attempt, (int)TaskStatus.Running, null, 1, null, null);
        public Func<string, WorkerReply?> InfoReply { get; set; } = _ => null;
        private readonly ConcurrentDictionary<string, int> _attempts = new();

        public Task<WorkerReply> AddTaskAsync(string endpoint, TaskSpec spec, int attempt, CancellationToken ct)
        {
            AddedQueue.Enqueue((endpoint, spec, attempt));
            _attempts[spec.TaskId] = attempt;
            return Task.FromResult(AddReply(AddedQueue.Count));
        }

        private int _polls;
        public int Polls => Volatile.Read(ref _polls);

        public Task<WorkerReply> GetTaskInfoAsync(string endpoint, string taskId, CancellationToken ct)
        {
            Interlocked.Increment(ref _polls);
            return Task.FromResult(InfoReply(taskId)
                                   ?? new WorkerReply(true, ErrorCode.Ok, "ok", Info(taskId, _attempts.GetValueOrDefault(taskId, 1))));
        }

        public Task<WorkerReply> CancelTaskAsync(string endpoint, string taskId, CancellationToken ct)
        {
            Canceled.Add(taskId);
            return Task.FromResult(new WorkerReply(true, ErrorCode.Ok, "ok"));
        }
    }

    private sealed class FakeMaster : IMasterLink
    {
        private int _registrations, _beats;
        public int Registrations => Volatile.Read(ref _registrations);
        public int Beats => Volatile.Read(ref _beats);
        public int LastSlots { get; private set; }
        public volatile bool ForgetWorker;

        public Task<(WorkerReply Reply, string? WorkerId)> RegisterAsync(int state, int slots, CancellationToken ct)
        {
            Interlocked.Increment(ref _registrations);
            LastSlots = slots;
            ForgetWorker = false;
            return Task.FromResult((new WorkerReply(true, ErrorCode.Ok, "ok"), (string?)"w-test"));
        }

        public Task<WorkerReply> HeartbeatAsync(string workerId, int state, CancellationToken ct)
        {
            Interlocked.Increment(ref _beats);
            return Task.FromResult(ForgetWorker
                ? new WorkerReply(true, ErrorCode.NotFound, "register again")
                : new WorkerReply(true, ErrorCode.Ok, "ok"));
        }
    }
}
