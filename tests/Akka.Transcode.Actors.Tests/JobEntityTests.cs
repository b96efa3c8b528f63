using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.TestKit;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Actors.Tasks;
using Akka.Transcode.Actors.Tests.Support;
using Akka.Transcode.Actors.Workers;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Media.Execution;
using Akka.Transcode.Media.Files;
using Xunit.Abstractions;

namespace Akka.Transcode.Actors.Tests;

/// <summary>
/// One job entity, created directly; probes stand in for the task region, the worker registry and the shard
/// (the entity's parent). Every message and event passes through the project's serializer.
/// </summary>
public sealed class JobEntityTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TranscodeSettings Settings = new()
    {
        MaxTaskSeconds = 30,
        RetryInterval = TimeSpan.FromMilliseconds(300),
        IdlePassivation = TimeSpan.FromMinutes(5),
    };

    private readonly string _dst = Directory.CreateTempSubdirectory("akka-transcode-job-").FullName;
    private readonly TestProbe _tasks;
    private readonly TestProbe _registry;
    private readonly TestProbe _parent;
    private readonly FakeProber _prober = FakeProber.Returning(FakeProber.H264Aac60);

    // Without serialize-messages: the journal's internal replies carry the planned event as the planner made it, and
    // that check reads them back with the stock JSON serializer, which cannot rebuild the plan's lists. The events
    // still cross the project's serializer in the journal; the planner's own tests run with the check on.
    public JobEntityTests(ITestOutputHelper output) : base(TestConfig.Local(serializeMessages: false), output: output)
    {
        _tasks = CreateTestProbe("tasks");
        _registry = CreateTestProbe("registry");
        _parent = CreateTestProbe("shard");
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        try { Directory.Delete(_dst, recursive: true); } catch (IOException) { }
    }

    private IActorRef StartJob(string id, ISourceProber? prober = null, IOutputPublisher? publisher = null) =>
        StepParents.Spawn(Sys, JobEntity.Props(id, _tasks.Ref, _registry.Ref, prober ?? _prober, Settings, publisher: publisher),
            _parent.Ref);

    /// <summary>What these tests read of a job; the one place that knows the shape of <see cref="JobView"/>.</summary>
    private sealed record Facts(JobState State, double Progress, int TaskCount, int TasksDone, DateTimeOffset CreatedAt,
        int Priority, ErrorCode? ErrorCode, string? ErrorMessage);

    private static Facts Read(JobView v) => new(v.Summary.State, v.Summary.Progress, v.Summary.TaskCount,
        v.Summary.CompletedTasks.Count, v.Summary.CreatedAt, v.Summary.Priority, v.Summary.ErrorCode, v.Summary.ErrorMessage);

    private Facts GetView(IActorRef job, string id)
    {
        var client = CreateTestProbe();
        client.Send(job, new GetJob(id, false));
        var reply = client.ExpectMsg<GetJobReply>();
        Assert.Null(reply.Error);
        return Read(reply.Job!);
    }

    private static WorkersSnapshot TwoSlots() =>
        new([new WorkerInfo("w-1", "key-1", null, 2, [], DateTimeOffset.UtcNow)], 0);

    /// <summary>Submits the 60 s h264 job and answers the planning: two 30 s video chunks and a join.</summary>
    private (IActorRef Job, StartTask[] Starts) SubmitAndPlan(string id, bool ack = true, JobSpec? spec = null,
        IOutputPublisher? publisher = null)
    {
        var job = StartJob(id, publisher: publisher);
        var client = CreateTestProbe();
        client.Send(job, new SubmitJob(id, spec ?? Samples.H264Job(_dst)));
        var reply = client.ExpectMsg<JobCommandReply>();
        Assert.Equal(id, reply.JobId);
        Assert.Null(reply.Error);

        _registry.ExpectMsg<GetWorkers>();
        _registry.Reply(TwoSlots());

        var starts = new[] { _tasks.ExpectMsg<StartTask>(), _tasks.ExpectMsg<StartTask>() };
        if (ack)
            foreach (var s in starts) job.Tell(new TaskStartAck(id, s.Spec.Index), _tasks.Ref);
        return (job, starts);
    }

    private void FinishTask(IActorRef job, string id, int index)
    {
        job.Tell(new JobTaskFinished(id, index, $"{id}-t{index}", true, null, null), _tasks.Ref);
        _tasks.ExpectMsg<JobTaskFinishedAck>(a => a.TaskId == $"{id}-t{index}");
    }

    [Fact]
    public void A_job_runs_its_tasks_in_order_and_completes_with_the_output_renamed_into_place()
    {
        var (job, starts) = SubmitAndPlan("j1");

        Assert.Equal([0, 1], starts.Select(s => s.Spec.Index).Order());
        Assert.All(starts, s => Assert.Equal(TaskKind.Video, s.Spec.Kind));
        Assert.All(starts, s => Assert.Equal(s.TaskId, s.Spec.TaskId));
        _tasks.ExpectNoMsg(Settings.RetryInterval * 2); // acknowledged starts are not sent again

        var view = GetView(job, "j1");
        Assert.Equal(JobState.Ready, view.State);
        Assert.Equal(3, view.TaskCount);
        Assert.Equal(0, view.TasksDone);
        Assert.Equal(view.CreatedAt, starts[0].JobCreatedAt);

        job.Tell(new JobTaskStarted("j1", 0, 1, "w-1"), _tasks.Ref);
        AwaitAssert(() => Assert.Equal(2, (int)GetView(job, "j1").State));

        job.Tell(new JobTaskProgress("j1", 0, 50, 1.5), _tasks.Ref);
        var first = GetView(job, "j1").Progress;
        Assert.InRange(first, 1, 49.9);
        job.Tell(new JobTaskProgress("j1", 0, 20, 1.5), _tasks.Ref); // a re-run attempt starting over
        Assert.Equal(first, GetView(job, "j1").Progress);
        job.Tell(new JobTaskProgress("j1", 1, 50, 1.5), _tasks.Ref);
        var second = GetView(job, "j1").Progress;
        Assert.True(second > first, $"progress {second} should be above {first}");

        FinishTask(job, "j1", 0);
        Assert.Equal(1, GetView(job, "j1").TasksDone);
        _tasks.ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // the join still waits for chunk 1
        FinishTask(job, "j1", 1);

        var join = _tasks.ExpectMsg<StartTask>();
        Assert.Equal(TaskKind.Join, join.Spec.Kind);
        Assert.Equal([0, 1], join.Spec.DependsOn);
        job.Tell(new TaskStartAck("j1", join.Spec.Index), _tasks.Ref);

        // What the workers would have written: the chunks in the work dir, the joined file under its temp name.
        var workDir = Path.GetDirectoryName(starts[0].Spec.OutputPath)!;
        foreach (var s in starts) InstantExecutor.WriteOutput(s.Spec);
        InstantExecutor.WriteOutput(join.Spec);
        var temp = join.Spec.OutputPath;
        var output = Path.Combine(_dst, "movie.mp4");
        Assert.False(File.Exists(output));

        FinishTask(job, "j1", join.Spec.Index);

        AwaitAssert(() =>
        {
            var done = GetView(job, "j1");
            Assert.Equal(JobState.Completed, done.State);
            Assert.Equal(100, done.Progress);
            Assert.Equal(3, done.TasksDone);
        });
        Assert.True(File.Exists(output));
        Assert.Equal($"Join {join.Spec.TaskId}", File.ReadAllText(output));
        Assert.False(File.Exists(temp));
        Assert.False(Directory.Exists(workDir));
    }

    [Fact]
    public void Unacknowledged_StartTask_is_sent_again()
    {
        var (job, first) = SubmitAndPlan("j-resend", ack: false);

        var again = new[] { _tasks.ExpectMsg<StartTask>(), _tasks.ExpectMsg<StartTask>() };
        Assert.Equal(first.Select(s => s.TaskId).Order(), again.Select(s => s.TaskId).Order());

        job.Tell(new TaskStartAck("j-resend", 0), _tasks.Ref);
        job.Tell(new TaskStartAck("j-resend", 1), _tasks.Ref);
        _tasks.ReceiveWhile(TimeSpan.FromMilliseconds(100), m => m as StartTask); // one may already be on its way
        _tasks.ExpectNoMsg(Settings.RetryInterval * 2);
    }

    [Fact]
    public void Submitting_the_same_job_again_is_accepted_without_a_second_plan_and_a_different_one_conflicts()
    {
        var (job, _) = SubmitAndPlan("j2");
        var client = CreateTestProbe();

        client.Send(job, new SubmitJob("j2", Samples.H264Job(_dst)));
        var same = client.ExpectMsg<JobCommandReply>();
        Assert.Null(same.Error);
        _registry.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        _tasks.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Assert.Equal(1, _prober.Calls);

        client.Send(job, new SubmitJob("j2", Samples.H264Job(_dst, priority: 9)));
        var different = client.ExpectMsg<JobCommandReply>();
        Assert.Equal(ErrorCode.Conflict, different.Error?.Code);
        Assert.Equal(-8, (int)different.Error!.Code);
        Assert.Equal(0, GetView(job, "j2").Priority);
    }

    [Fact]
    public void A_restarted_job_resends_StartTask_only_for_unfinished_tasks()
    {
        var (job, _) = SubmitAndPlan("j3");
        job.Tell(new JobTaskProgress("j3", 0, 80, 1), _tasks.Ref);
        FinishTask(job, "j3", 0);
        var before = GetView(job, "j3");

        Watch(job);
        Sys.Stop(job);
        ExpectTerminated(job);

        var revived = StartJob("j3");
        var resent = _tasks.ExpectMsg<StartTask>();
        Assert.Equal(1, resent.Spec.Index);
        revived.Tell(new TaskStartAck("j3", 1), _tasks.Ref);
        _tasks.ExpectNoMsg(Settings.RetryInterval * 2);

        var after = GetView(revived, "j3");
        Assert.Equal(JobState.InProgress, after.State);
        Assert.Equal(1, after.TasksDone);
        Assert.Equal(before.TasksDone, after.TasksDone);
        Assert.Equal(3, after.TaskCount);
        Assert.Equal(before.CreatedAt, after.CreatedAt);
        Assert.True(after.Progress > 0, "persisted progress survives the restart");
        Assert.Equal(1, _prober.Calls); // the persisted plan is reused, not made again
        _registry.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void Cancel_stops_unfinished_tasks_removes_partial_files_and_a_second_cancel_conflicts()
    {
        var (job, starts) = SubmitAndPlan("j4");
        FinishTask(job, "j4", 0);
        InstantExecutor.WriteOutput(starts[0].Spec); // a finished chunk in the work dir
        var workDir = Path.GetDirectoryName(starts[0].Spec.OutputPath)!;
        var temp = Path.Combine(_dst, ".movie.mp4.j4.tmp");
        File.WriteAllText(temp, "partial");
        var client = CreateTestProbe();

        client.Send(job, new CancelJob("j4"));
        Assert.Null(client.ExpectMsg<JobCommandReply>().Error);

        var cancels = _tasks.ReceiveN(2).Cast<CancelTask>().Select(c => c.TaskId).Order().ToList();
        Assert.Equal(["j4-t1", "j4-t2"], cancels);
        Assert.Equal(5, (int)GetView(job, "j4").State);
        AwaitCondition(() => !File.Exists(temp) && !Directory.Exists(workDir));

        client.Send(job, new CancelJob("j4"));
        var again = client.ExpectMsg<JobCommandReply>();
        Assert.Equal(ErrorCode.Conflict, again.Error?.Code);

        // A task that missed its cancel and reports a start is told again.
        job.Tell(new JobTaskStarted("j4", 1, 1, "w-1"), _tasks.Ref);
        _tasks.ExpectMsg<CancelTask>(c => c.TaskId == "j4-t1");
        Assert.Equal(JobState.Canceled, GetView(job, "j4").State);
    }

    [Fact]
    public void An_unusable_source_fails_the_job_with_its_error_code()
    {
        var job = StartJob("j5", FakeProber.Failing(ErrorCode.SourceUnusable, "moov atom not found"));
        var client = CreateTestProbe();
        client.Send(job, new SubmitJob("j5", Samples.H264Job(_dst)));
        Assert.Null(client.ExpectMsg<JobCommandReply>().Error);

        AwaitAssert(() =>
        {
            var v = GetView(job, "j5");
            Assert.Equal(JobState.Failed, v.State);
            Assert.Equal(-9, (int)v.ErrorCode!);
            Assert.Contains("moov atom not found", v.ErrorMessage);
        });
        _registry.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        _tasks.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void A_segment_past_the_end_of_the_source_fails_the_job_with_invalid_value()
    {
        var job = StartJob("j6");
        var client = CreateTestProbe();
        var spec = Samples.H264Job(_dst) with { Segments = [Samples.Range(100, 110)], SegmentsText = "100-110" };
        client.Send(job, new SubmitJob("j6", spec));
        Assert.Null(client.ExpectMsg<JobCommandReply>().Error);
        _registry.ExpectMsg<GetWorkers>();
        _registry.Reply(TwoSlots());

        AwaitAssert(() =>
        {
            var v = GetView(job, "j6");
            Assert.Equal(JobState.Failed, v.State);
            Assert.Equal(-4, (int)v.ErrorCode!);
            Assert.Contains("100-110", v.ErrorMessage);
        });
        _tasks.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void A_failed_task_fails_the_job_with_its_error_and_cancels_the_other_tasks()
    {
        var (job, _) = SubmitAndPlan("j7");

        job.Tell(new JobTaskFinished("j7", 0, "j7-t0", false, ErrorCode.Internal, "ffmpeg exploded"), _tasks.Ref);
        _tasks.ExpectMsg<JobTaskFinishedAck>(a => a.TaskId == "j7-t0");

        var canceled = _tasks.ReceiveN(3).Cast<CancelTask>().Select(c => c.TaskId).ToHashSet();
        Assert.Superset(new HashSet<string> { "j7-t1", "j7-t2" }, canceled);
        var v = GetView(job, "j7");
        Assert.Equal(JobState.Failed, v.State);
        Assert.Equal(ErrorCode.Internal, v.ErrorCode);
        Assert.Contains("ffmpeg exploded", v.ErrorMessage);
        Assert.Contains("j7-t0", v.ErrorMessage);

        // A late success of another task changes nothing, but is still acknowledged.
        FinishTask(job, "j7", 1);
        Assert.Equal(JobState.Failed, GetView(job, "j7").State);
    }

    [Fact]
    public void GetJob_with_detail_collects_the_task_views_from_the_task_entities()
    {
        var (job, _) = SubmitAndPlan("j8");
        var client = CreateTestProbe();

        client.Send(job, new GetJob("j8", true));
        for (var i = 0; i < 3; i++)
        {
            var ask = _tasks.ExpectMsg<GetTask>();
            _tasks.Reply(ask.TaskId == "j8-t0"
                ? new GetTaskReply(ask.TaskId, (int)Domain.Tasks.TaskStatus.Running, 1, "w-1", 40, null)
                : new GetTaskReply(ask.TaskId, (int)Domain.Tasks.TaskStatus.Pending, 0, null, 0, null));
        }

        var reply = client.ExpectMsg<GetJobReply>();
        var tasks = reply.Job!.Tasks!;
        Assert.Equal(3, tasks.Count);
        Assert.Equal(("j8-t0", "video", 1, "w-1", 40.0), (tasks[0].Id, tasks[0].Kind, tasks[0].State, tasks[0].WorkerId, tasks[0].Progress));
        Assert.Equal("join", tasks[2].Kind);
        Assert.Null(tasks[2].Result);
    }

    [Fact]
    public void GetJob_for_an_unknown_job_is_not_found_and_the_empty_entity_passivates()
    {
        var job = StartJob("nobody");
        var client = CreateTestProbe();

        client.Send(job, new GetJob("nobody", false));
        var reply = client.ExpectMsg<GetJobReply>();

        Assert.Null(reply.Job);
        Assert.Equal(ErrorCode.NotFound, reply.Error?.Code);
        _parent.ExpectMsg<Passivate>();
    }

    // ---- races with the output's rename ----------------------------------------------------------------------------

    /// <summary>
    /// The real publisher, held at one point until the test releases it: before the rename (the finished output still
    /// under its temporary name) or after it (the output in place, the job not yet told).
    /// </summary>
    private sealed class GatedPublisher(bool holdAfterRename) : IOutputPublisher
    {
        private readonly OutputPublisher _inner = new(roots: null);
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Held => _held.Task.IsCompleted;
        public void Release() => _release.TrySetResult();

        public async Task<Result<string>> PublishAsync(OutputPublication publication, CancellationToken ct)
        {
            if (!holdAfterRename) await Hold();
            var result = await _inner.PublishAsync(publication, ct);
            if (holdAfterRename) await Hold();
            return result;
        }

        public Task DiscardAsync(string? workDir, string? tempOutput) => _inner.DiscardAsync(workDir, tempOutput);

        private Task Hold()
        {
            _held.TrySetResult();
            return _release.Task;
        }
    }

    /// <summary>Runs the h264 job until its last task reported, its files written as the workers would; the
    /// publisher then holds the rename.</summary>
    private (IActorRef Job, string Temp, string WorkDir, string Output, string Joined) RunToRename(string id, GatedPublisher gate,
        JobSpec? spec = null)
    {
        var (job, starts) = SubmitAndPlan(id, spec: spec, publisher: gate);
        FinishTask(job, id, 0);
        FinishTask(job, id, 1);
        var join = _tasks.ExpectMsg<StartTask>();
        job.Tell(new TaskStartAck(id, join.Spec.Index), _tasks.Ref);
        foreach (var s in starts) InstantExecutor.WriteOutput(s.Spec);
        InstantExecutor.WriteOutput(join.Spec);
        FinishTask(job, id, join.Spec.Index);
        AwaitCondition(() => gate.Held);
        return (job, join.Spec.OutputPath, Path.GetDirectoryName(starts[0].Spec.OutputPath)!, Path.Combine(_dst, "movie.mp4"),
            $"Join {join.Spec.TaskId}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_cancel_while_the_output_is_renamed_is_refused_as_finishing_and_the_job_completes(bool afterRename)
    {
        var id = afterRename ? "r-after" : "r-before";
        var gate = new GatedPublisher(afterRename);
        var (job, temp, workDir, output, joined) = RunToRename(id, gate);
        var client = CreateTestProbe();

        client.Send(job, new CancelJob(id));
        var refused = client.ExpectMsg<JobCommandReply>().Error;
        Assert.Equal(ErrorCode.Conflict, refused?.Code);
        Assert.Contains("finishing", refused!.Message);

        gate.Release();
        AwaitAssert(() => Assert.Equal(JobState.Completed, GetView(job, id).State));
        Assert.Equal(joined, File.ReadAllText(output));
        Assert.False(File.Exists(temp));
        Assert.False(Directory.Exists(workDir));
        client.Send(job, new CancelJob(id));
        Assert.Equal(ErrorCode.Conflict, client.ExpectMsg<JobCommandReply>().Error?.Code);
        File.Delete(output);
    }

    [Fact]
    public void An_overwrite_job_cancelled_after_its_rename_replaced_the_earlier_output_completes_instead_of_ending_cancelled()
    {
        var output = Path.Combine(_dst, "movie.mp4");
        File.WriteAllText(output, "earlier output");
        var gate = new GatedPublisher(holdAfterRename: true);
        var (job, temp, _, _, joined) = RunToRename("r-over", gate, Samples.H264Job(_dst) with { Overwrite = true });
        var client = CreateTestProbe();

        client.Send(job, new CancelJob("r-over"));
        Assert.Equal(ErrorCode.Conflict, client.ExpectMsg<JobCommandReply>().Error?.Code);

        gate.Release();
        AwaitAssert(() => Assert.Equal(JobState.Completed, GetView(job, "r-over").State));
        // The earlier output was replaced by a job that completed, never by one that ended cancelled; nothing of it or
        // of the job is left beside the output.
        Assert.Equal(joined, File.ReadAllText(output));
        Assert.False(File.Exists(OutputPublisher.AsideName(temp)));
        Assert.Equal(["movie.mp4"], Directory.EnumerateFileSystemEntries(_dst).Select(Path.GetFileName));
        File.Delete(output);
    }

    [Fact]
    public void A_timeout_that_passes_while_the_output_is_renamed_lets_the_job_complete()
    {
        var gate = new GatedPublisher(holdAfterRename: true);
        var (job, temp, _, output, joined) = RunToRename("r-timeout", gate, Samples.H264Job(_dst) with { TimeoutSeconds = 3 });
        var created = GetView(job, "r-timeout").CreatedAt;

        // The deadline passes while the rename is held.
        AwaitCondition(() => DateTimeOffset.UtcNow > created + TimeSpan.FromSeconds(3.5), TimeSpan.FromSeconds(10));
        Assert.Equal(JobState.InProgress, GetView(job, "r-timeout").State);

        gate.Release();
        AwaitAssert(() => Assert.Equal(JobState.Completed, GetView(job, "r-timeout").State));
        Assert.Equal(joined, File.ReadAllText(output));
        Assert.False(File.Exists(temp));
        File.Delete(output);
    }

    [Fact]
    public void A_job_recovered_in_the_middle_of_its_rename_refuses_a_cancel_and_finishes_the_rename()
    {
        var output = Path.Combine(_dst, "movie.mp4");
        File.WriteAllText(output, "earlier output");
        var gate = new GatedPublisher(holdAfterRename: false);
        var (job, temp, workDir, _, joined) = RunToRename("r-crash", gate, Samples.H264Job(_dst) with { Overwrite = true });
        Watch(job);
        Sys.Stop(job);
        ExpectTerminated(job);
        // The node died after moving the earlier output aside, before the new one was in place.
        File.Move(output, OutputPublisher.AsideName(temp));

        var held = new GatedPublisher(holdAfterRename: false);
        var revived = StartJob("r-crash", publisher: held);
        AwaitCondition(() => held.Held);
        var client = CreateTestProbe();
        client.Send(revived, new CancelJob("r-crash"));
        Assert.Equal(ErrorCode.Conflict, client.ExpectMsg<JobCommandReply>().Error?.Code);

        held.Release();
        AwaitAssert(() => Assert.Equal(JobState.Completed, GetView(revived, "r-crash").State));
        Assert.Equal(joined, File.ReadAllText(output));
        Assert.False(File.Exists(OutputPublisher.AsideName(temp)));
        Assert.False(Directory.Exists(workDir));
        File.Delete(output);
    }

    [Fact]
    public void A_task_that_finishes_after_its_job_was_cancelled_leaves_no_file()
    {
        var (job, starts) = SubmitAndPlan("late");
        var workDir = Path.GetDirectoryName(starts[0].Spec.OutputPath)!;
        InstantExecutor.WriteOutput(starts[1].Spec);
        var client = CreateTestProbe();
        client.Send(job, new CancelJob("late"));
        Assert.Null(client.ExpectMsg<JobCommandReply>().Error);
        _tasks.ReceiveN(3);
        AwaitCondition(() => !Directory.Exists(workDir)); // the cancel's own cleanup is over

        // Chunk 0's worker renamed its output into place just after the job's cleanup, then reported.
        InstantExecutor.WriteOutput(starts[0].Spec);
        FinishTask(job, "late", 0);

        AwaitCondition(() => !Directory.Exists(workDir));
        Assert.Equal(JobState.Canceled, GetView(job, "late").State);
    }
}
