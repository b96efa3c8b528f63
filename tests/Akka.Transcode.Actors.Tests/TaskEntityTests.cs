using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.TestKit;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Actors.Tasks;
using Akka.Transcode.Actors.Tests.Support;
using Akka.Transcode.Actors.Workers;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Tasks;
using Xunit.Abstractions;
using TaskStatus = Akka.Transcode.Domain.Tasks.TaskStatus;

namespace Akka.Transcode.Actors.Tests;

/// <summary>
/// One task entity, created directly; probes stand in for the job region, the worker registry, the attempt's
/// runner and the shard. Every message crosses the project's serializer (serialize-messages = on).
/// </summary>
public sealed class TaskEntityTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly DateTimeOffset JobCreatedAt = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Short timings; a silence timeout long enough that no test trips it by accident.</summary>
    private static readonly TranscodeSettings Settings = new()
    {
        RetryInterval = TimeSpan.FromMilliseconds(250),
        AttemptSilenceTimeout = TimeSpan.FromSeconds(3),
        BaseRetryBackoff = TimeSpan.FromMilliseconds(300),
        TaskPolicy = new TaskPolicy(MaxAttempts: 2, MaxLost: 5),
        IdlePassivation = TimeSpan.FromMinutes(5),
    };

    /// <summary>For the tests about silence: an attempt that says nothing for 1.5 s is lost.</summary>
    // Long enough that a loaded 2-core CI machine never delays a 300 ms report past it; short enough to keep tests quick.
    private static readonly TranscodeSettings Silent = Settings with { AttemptSilenceTimeout = TimeSpan.FromMilliseconds(1500) };

    private readonly TestProbe _jobs;
    private readonly TestProbe _registry;
    private readonly TestProbe _runner;
    private readonly TestProbe _parent;

    public TaskEntityTests(ITestOutputHelper output) : base(TestConfig.Local(), output: output)
    {
        _jobs = CreateTestProbe("jobs");
        _registry = CreateTestProbe("registry");
        _runner = CreateTestProbe("runner");
        _parent = CreateTestProbe("shard");
    }

    private IActorRef StartEntity(string taskId, TranscodeSettings? settings = null) =>
        StepParents.Spawn(Sys, TaskEntity.Props(taskId, _jobs.Ref, _registry.Ref, settings ?? Settings), _parent.Ref);

    /// <summary>Creates the task from its job and returns it waiting for a worker (the first RequestWork consumed).</summary>
    private IActorRef Created(string jobId, int index = 0, TranscodeSettings? settings = null)
    {
        var spec = Samples.VideoTask(jobId, index);
        var task = StartEntity(spec.TaskId, settings);
        task.Tell(new StartTask(spec.TaskId, spec, 7, JobCreatedAt), _jobs.Ref);
        _jobs.ExpectMsg<TaskStartAck>(a => a.JobId == jobId && a.Index == index);
        _registry.ExpectMsg<RequestWork>(r => r.TaskId == spec.TaskId && r.Attempt == 1);
        return task;
    }

    /// <summary>The runner checks in: the task is running, and tells its job it started.</summary>
    private void Alive(IActorRef task, string taskId, int attempt, TestProbe? runner = null, double percent = 5)
    {
        task.Tell(new AttemptAlive(taskId, attempt, "w-1", percent, 1.2), (runner ?? _runner).Ref);
        // JobTaskStarted is sent once the start is persisted, so it may follow the progress report.
        var seen = _jobs.ReceiveN(2).ToList();
        Assert.Contains(seen, m => m is JobTaskStarted s && s.Index == 0 && s.Attempt == attempt && s.WorkerId == "w-1");
        Assert.Contains(seen, m => m is JobTaskProgress p && p.Percent == percent);
    }

    private GetTaskReply Get(IActorRef task, string taskId)
    {
        var client = CreateTestProbe();
        client.Send(task, new GetTask(taskId));
        return client.ExpectMsg<GetTaskReply>();
    }

    /// <summary>Drops RequestWork repeats that were already on their way.</summary>
    private void DrainRequests() => _registry.ReceiveWhile(TimeSpan.FromMilliseconds(50), m => m as RequestWork);

    [Fact]
    public void StartTask_is_acknowledged_and_work_is_requested_again_and_again_while_waiting()
    {
        var spec = Samples.VideoTask("a", 3);
        var task = StartEntity(spec.TaskId);

        task.Tell(new StartTask(spec.TaskId, spec, 7, JobCreatedAt), _jobs.Ref);

        _jobs.ExpectMsg<TaskStartAck>(a => a.JobId == "a" && a.Index == 3);
        var first = _registry.ExpectMsg<RequestWork>();
        Assert.Equal((spec.TaskId, 1, 7, JobCreatedAt), (first.TaskId, first.Attempt, first.Priority, first.JobCreatedAt));
        Assert.Equal(spec.OutputPath, first.Spec.OutputPath);
        _registry.ExpectMsg<RequestWork>(r => r.Attempt == 1, TimeSpan.FromSeconds(1));
        _registry.ExpectMsg<RequestWork>(r => r.Attempt == 1, TimeSpan.FromSeconds(1));

        // A repeated StartTask (the job did not get the ack) is acknowledged again and changes nothing.
        task.Tell(new StartTask(spec.TaskId, spec, 7, JobCreatedAt), _jobs.Ref);
        _jobs.ExpectMsg<TaskStartAck>(a => a.Index == 3);
        var state = Get(task, spec.TaskId);
        Assert.Equal((int)TaskStatus.Pending, state.State);
        Assert.Equal(0, state.Attempts);
    }

    [Fact]
    public void A_successful_attempt_is_acknowledged_and_reported_to_the_job_until_the_job_acknowledges()
    {
        var task = Created("b");
        Alive(task, "b-t0", 1, percent: 40);
        var running = Get(task, "b-t0");
        Assert.Equal((int)TaskStatus.Running, running.State);
        Assert.Equal(("w-1", 1, 40.0), (running.WorkerId, running.Attempts, running.Progress));
        DrainRequests();
        _registry.ExpectNoMsg(Settings.RetryInterval * 2); // running: no more asking for a slot

        task.Tell(new AttemptResult("b-t0", 1, "w-1", true, null, null), _runner.Ref);

        _runner.ExpectMsg<AttemptResultAck>(a => a.TaskId == "b-t0" && a.Attempt == 1);
        var finished = _jobs.ExpectMsg<JobTaskFinished>();
        Assert.Equal(("b", 0, "b-t0", true), (finished.JobId, finished.Index, finished.TaskId, finished.Success));
        _jobs.ExpectMsg<JobTaskFinished>(f => f.Success, TimeSpan.FromSeconds(1)); // not acknowledged: sent again
        Assert.Equal((int)TaskStatus.Succeeded, Get(task, "b-t0").State);

        task.Tell(new JobTaskFinishedAck("b-t0"), _jobs.Ref);
        _parent.ExpectMsg<Passivate>();
        _jobs.ReceiveWhile(TimeSpan.FromMilliseconds(50), m => m as JobTaskFinished);
        _jobs.ExpectNoMsg(Settings.RetryInterval * 2);
    }

    [Fact]
    public void A_failed_attempt_with_attempts_left_asks_again_after_the_backoff()
    {
        var task = Created("c");
        Alive(task, "c-t0", 1);

        var clock = Stopwatch.StartNew();
        task.Tell(new AttemptResult("c-t0", 1, "w-1", false, ErrorCode.Internal, "exit code 1"), _runner.Ref);

        _runner.ExpectMsg<AttemptResultAck>(a => a.Attempt == 1);
        DrainRequests();
        // The registry hears of the failure (for the worker's circuit breaker), then the retry asks to avoid w-1.
        var outcome = _registry.ExpectMsg<AttemptOutcome>();
        Assert.Equal(("w-1", "c-t0", 1, false, true), (outcome.WorkerId, outcome.TaskId, outcome.Attempt, outcome.Success, outcome.WorkerFault));
        var again = _registry.ExpectMsg<RequestWork>(TimeSpan.FromSeconds(2));
        Assert.Equal(2, again.Attempt);
        Assert.Equal(["w-1"], again.Avoid!);
        Assert.True(clock.Elapsed >= Settings.BaseRetryBackoff * 0.9, $"asked again after {clock.Elapsed}");
        var state = Get(task, "c-t0");
        Assert.Equal((int)TaskStatus.Pending, state.State);
        Assert.Equal("exit code 1", state.Error);
        _jobs.ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // the job hears nothing of a retried failure
    }

    [Fact]
    public void Failures_up_to_MaxAttempts_fail_the_task_and_the_job_is_told()
    {
        var task = Created("d");
        Alive(task, "d-t0", 1);
        task.Tell(new AttemptResult("d-t0", 1, "w-1", false, ErrorCode.Internal, "first"), _runner.Ref);
        _registry.FishForMessage<RequestWork>(r => r.Attempt == 2, TimeSpan.FromSeconds(2));
        Alive(task, "d-t0", 2);

        task.Tell(new AttemptResult("d-t0", 2, "w-1", false, ErrorCode.Internal, "second"), _runner.Ref);

        var finished = _jobs.ExpectMsg<JobTaskFinished>();
        Assert.False(finished.Success);
        Assert.Equal(ErrorCode.Internal, finished.Code);
        Assert.Equal("second", finished.Error);
        var state = Get(task, "d-t0");
        Assert.Equal((int)TaskStatus.Failed, state.State);
        Assert.Equal(2, state.Attempts);
        DrainRequests();
        _registry.ExpectMsg<AttemptOutcome>(o => o.Attempt == 2 && o.WorkerFault);
        _registry.ExpectNoMsg(Settings.RetryInterval * 2);
    }

    [Fact]
    public void An_unusable_source_fails_the_task_at_once_without_retries()
    {
        var task = Created("e");
        Alive(task, "e-t0", 1);

        task.Tell(new AttemptResult("e-t0", 1, "w-1", false, ErrorCode.SourceUnusable, "moov atom not found"), _runner.Ref);

        var finished = _jobs.ExpectMsg<JobTaskFinished>();
        Assert.Equal(ErrorCode.SourceUnusable, finished.Code);
        DrainRequests();
        // Not the worker's fault: its circuit breaker must not count it.
        _registry.ExpectMsg<AttemptOutcome>(o => !o.Success && !o.WorkerFault);
        _registry.ExpectNoMsg(Settings.RetryInterval * 2);
    }

    [Fact]
    public void A_silent_attempt_is_lost_cancelled_and_the_next_attempt_is_requested()
    {
        var task = Created("f", settings: Silent);
        Alive(task, "f-t0", 1);
        var clock = Stopwatch.StartNew();

        _runner.ExpectMsg<CancelAttempt>(c => c.TaskId == "f-t0" && c.Attempt == 1, TimeSpan.FromSeconds(4));
        Assert.True(clock.Elapsed >= Silent.AttemptSilenceTimeout * 0.9, $"lost after {clock.Elapsed}");
        _registry.FishForMessage<RequestWork>(r => r.Attempt == 2, TimeSpan.FromSeconds(1));
        var state = Get(task, "f-t0");
        Assert.Equal((int)TaskStatus.Pending, state.State);
        Assert.Contains("no word from attempt 1", state.Error);
    }

    [Fact]
    public void An_attempt_that_goes_silent_after_its_second_report_is_lost()
    {
        var task = Created("f2", settings: Silent);
        Alive(task, "f2-t0", 1);
        task.Tell(new AttemptAlive("f2-t0", 1, "w-1", 10, 1), _runner.Ref);
        _jobs.ExpectMsg<JobTaskProgress>(m => m.Percent == 10);

        _runner.ExpectMsg<CancelAttempt>(c => c.TaskId == "f2-t0" && c.Attempt == 1, TimeSpan.FromSeconds(4));
        _registry.FishForMessage<RequestWork>(r => r.Attempt == 2, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void An_attempt_that_keeps_reporting_is_not_lost()
    {
        var task = Created("g", settings: Silent);
        Alive(task, "g-t0", 1, percent: 10);
        for (var p = 20; p <= 50; p += 10)
        {
            // Each report comes well before the silence timeout of the previous one runs out.
            _jobs.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
            task.Tell(new AttemptAlive("g-t0", 1, "w-1", p, 1), _runner.Ref);
            _jobs.ExpectMsg<JobTaskProgress>(m => m.Percent == p);
        }
        _runner.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal((int)TaskStatus.Running, Get(task, "g-t0").State);
    }

    [Fact]
    public void A_lost_worker_sends_the_task_back_to_the_queue_at_once()
    {
        var task = Created("h");
        Alive(task, "h-t0", 1);
        DrainRequests();

        task.Tell(new AttemptWorkerLost("h-t0", 1, "w-1", "no heartbeat for 5 s"));

        var again = _registry.ExpectMsg<RequestWork>(TimeSpan.FromMilliseconds(500)); // well before the 3 s silence
        Assert.Equal(2, again.Attempt);
        Assert.Contains("worker w-1 lost", Get(task, "h-t0").Error);

        // A report of a worker lost for an attempt that is not current changes nothing.
        task.Tell(new AttemptWorkerLost("h-t0", 1, "w-1", "again"));
        _registry.ExpectMsg<RequestWork>(r => r.Attempt == 2); // only the usual repeat of attempt 2
    }

    [Fact]
    public void A_stale_attempt_is_told_to_stop_and_its_result_is_ignored()
    {
        var task = Created("i");
        Alive(task, "i-t0", 1);
        task.Tell(new AttemptWorkerLost("i-t0", 1, "w-1", "partition"));
        _runner.ExpectMsg<CancelAttempt>(c => c.Attempt == 1); // the lost attempt is told to stop, in case it still runs
        _registry.FishForMessage<RequestWork>(r => r.Attempt == 2, TimeSpan.FromSeconds(1));
        var second = CreateTestProbe("runner-2");
        Alive(task, "i-t0", 2, second);

        // The old runner was cut off, not dead: it reports again.
        task.Tell(new AttemptAlive("i-t0", 1, "w-1", 90, 1), _runner.Ref);
        _runner.ExpectMsg<CancelAttempt>(c => c.Attempt == 1);
        task.Tell(new AttemptResult("i-t0", 1, "w-1", true, null, null), _runner.Ref);
        _runner.ExpectMsg<AttemptResultAck>(a => a.Attempt == 1); // acknowledged so it stops re-sending

        var state = Get(task, "i-t0");
        Assert.Equal((int)TaskStatus.Running, state.State);
        Assert.Equal(2, state.Attempts);
        _jobs.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_second_copy_of_the_current_attempt_on_another_worker_is_stopped_and_does_not_count()
    {
        // A registry that restarted on another node hands the same attempt out again before it hears that w-1 runs it.
        var task = Created("dup");
        Alive(task, "dup-t0", 1);
        DrainRequests();
        var copy = CreateTestProbe("copy-on-w-2");

        task.Tell(new AttemptAlive("dup-t0", 1, "w-2", 30, 1), copy.Ref);
        copy.ExpectMsg<CancelAttempt>(c => c.TaskId == "dup-t0" && c.Attempt == 1);
        // Its result (it finished before the stop arrived) is acknowledged, so it stops re-sending, and ignored.
        task.Tell(new AttemptResult("dup-t0", 1, "w-2", true, null, null), copy.Ref);
        copy.ExpectMsg<AttemptResultAck>(a => a.Attempt == 1);
        // Losing w-2 loses nothing: the attempt that counts runs on w-1.
        task.Tell(new AttemptWorkerLost("dup-t0", 1, "w-2", "killed"));
        _jobs.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // no progress, no result reached the job
        _runner.ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // the attempt on w-1 was not told to stop
        var state = Get(task, "dup-t0");
        Assert.Equal(((int)TaskStatus.Running, 1, "w-1"), (state.State, state.Attempts, state.WorkerId));

        task.Tell(new AttemptResult("dup-t0", 1, "w-1", true, null, null), _runner.Ref);
        _runner.ExpectMsg<AttemptResultAck>();
        Assert.True(_jobs.ExpectMsg<JobTaskFinished>().Success);
    }

    [Fact]
    public void CancelTask_while_running_stops_the_runner_and_withdraws_from_the_queue()
    {
        var task = Created("j");
        Alive(task, "j-t0", 1);
        DrainRequests();

        task.Tell(new CancelTask("j-t0"), _jobs.Ref);

        _runner.ExpectMsg<CancelAttempt>(c => c.TaskId == "j-t0" && c.Attempt == 1);
        _registry.ExpectMsg<WithdrawWork>(w => w.TaskId == "j-t0");
        Assert.Equal((int)TaskStatus.Canceled, Get(task, "j-t0").State);
        _jobs.ExpectNoMsg(Settings.RetryInterval * 2); // the job asked for it: no report back
    }

    [Fact]
    public void A_success_that_arrives_after_the_task_was_cancelled_leaves_no_output_or_partial_file()
    {
        var parts = Path.Combine(Directory.CreateTempSubdirectory("akka-transcode-late-").FullName, "parts");
        var spec = Samples.VideoTask("late", 0, parts);
        var task = StartEntity(spec.TaskId);
        task.Tell(new StartTask(spec.TaskId, spec, 7, JobCreatedAt), _jobs.Ref);
        _jobs.ExpectMsg<TaskStartAck>();
        Alive(task, spec.TaskId, 1);
        DrainRequests();
        task.Tell(new CancelTask(spec.TaskId), _jobs.Ref);
        _runner.ExpectMsg<CancelAttempt>();

        // The attempt had already finished: its output was renamed into place (an HTTP worker's upload leaves its
        // partial name beside it while it runs) after the job removed its files.
        Directory.CreateDirectory(parts);
        File.WriteAllText(spec.OutputPath, "late output");
        File.WriteAllText(spec.OutputPath + ".partial-up0123456789ab", "late upload");
        task.Tell(new AttemptResult(spec.TaskId, 1, "w-1", true, null, null), _runner.Ref);
        _runner.ExpectMsg<AttemptResultAck>();

        AwaitCondition(() => !Directory.Exists(parts));
        Assert.Equal((int)TaskStatus.Canceled, Get(task, spec.TaskId).State);
        _jobs.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Directory.Delete(Path.GetDirectoryName(parts)!);
    }

    [Fact]
    public void CancelTask_while_waiting_withdraws_the_request()
    {
        var task = Created("k");

        task.Tell(new CancelTask("k-t0"), _jobs.Ref);

        _registry.FishForMessage<WithdrawWork>(w => w.TaskId == "k-t0");
        DrainRequests();
        _registry.ExpectNoMsg(Settings.RetryInterval * 2);
        Assert.Equal((int)TaskStatus.Canceled, Get(task, "k-t0").State);
    }

    [Fact]
    public void A_task_restarted_while_running_waits_for_its_attempt_then_asks_again()
    {
        var task = Created("l", settings: Silent);
        Alive(task, "l-t0", 1);
        Watch(task);
        Sys.Stop(task);
        ExpectTerminated(task);
        DrainRequests();

        var clock = Stopwatch.StartNew();
        var revived = StartEntity("l-t0", Silent);
        Assert.Equal((int)TaskStatus.Running, Get(revived, "l-t0").State);
        _registry.ExpectNoMsg(Silent.AttemptSilenceTimeout * 0.5); // the running attempt gets its chance to check in

        var again = _registry.ExpectMsg<RequestWork>(TimeSpan.FromSeconds(4));
        Assert.Equal(2, again.Attempt);
        Assert.True(clock.Elapsed >= Silent.AttemptSilenceTimeout * 0.9, $"asked again after {clock.Elapsed}");
        // The runner of attempt 1 is unknown after the restart: the cancel goes through the registry.
        revived.Tell(new CancelTask("l-t0"), _jobs.Ref);
        _registry.FishForMessage<WithdrawWork>(w => w.TaskId == "l-t0");
    }

    [Fact]
    public void A_task_restarted_while_waiting_asks_for_work_at_once()
    {
        var task = Created("m");
        Watch(task);
        Sys.Stop(task);
        ExpectTerminated(task);
        DrainRequests();

        StartEntity("m-t0");

        _registry.ExpectMsg<RequestWork>(r => r.TaskId == "m-t0" && r.Attempt == 1 && r.Priority == 7, TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void A_finished_task_restarted_before_the_job_acknowledged_reports_its_outcome_again()
    {
        var task = Created("n");
        Alive(task, "n-t0", 1);
        task.Tell(new AttemptResult("n-t0", 1, "w-1", true, null, null), _runner.Ref);
        _jobs.ExpectMsg<JobTaskFinished>(f => f.Success);
        Watch(task);
        Sys.Stop(task);
        ExpectTerminated(task);
        _jobs.ReceiveWhile(TimeSpan.FromMilliseconds(50), m => m as JobTaskFinished);

        var revived = StartEntity("n-t0");

        _jobs.ExpectMsg<JobTaskFinished>(f => f.TaskId == "n-t0" && f.Success);
        revived.Tell(new JobTaskFinishedAck("n-t0"), _jobs.Ref);
        _parent.ExpectMsg<Passivate>();
    }
}
