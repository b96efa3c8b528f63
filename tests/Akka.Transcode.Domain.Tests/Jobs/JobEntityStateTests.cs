using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Tasks;
using static Akka.Transcode.Domain.Tests.Jobs.JobSamples;

namespace Akka.Transcode.Domain.Tests.Jobs;

public class JobEntityStateTests
{
    private static readonly Dictionary<int, double> NoLive = [];

    // ---- Apply -------------------------------------------------------------------------------------------------

    [Fact]
    public void Submitted_creates_the_job_in_init()
    {
        var spec = Spec();
        var s = JobEntityState.Empty.Apply(new JobSubmitted(JobId, spec, At(0)));

        Assert.True(s.Exists);
        Assert.Equal(JobId, s.Id);
        Assert.Same(spec, s.Spec);
        Assert.Equal(JobState.Init, s.State);
        Assert.Equal(At(0), s.CreatedAt);
        Assert.Equal(At(0), s.UpdatedAt);
        Assert.False(s.IsPlanned);
        Assert.False(s.IsTerminal);
    }

    [Fact]
    public void Planned_stores_the_plan_and_makes_the_job_ready()
    {
        var plan = Plan();
        var s = Submitted().Apply(new JobPlanned(JobId, plan.Tasks, plan.OutputDuration, plan.TempOutputPath, plan.WorkDir, plan.Notes, At(1)));

        Assert.Equal(JobState.Ready, s.State);
        Assert.Same(plan.Tasks, s.Tasks);
        Assert.Equal(plan.OutputDuration, s.OutputDuration);
        Assert.Equal(plan.TempOutputPath, s.TempOutputPath);
        Assert.Equal(plan.WorkDir, s.WorkDir);
        Assert.Equal(plan.Notes, s.Notes);
        Assert.True(s.IsPlanned);
        Assert.Equal(At(1), s.UpdatedAt);
        Assert.Equal(At(0), s.CreatedAt);
    }

    [Fact]
    public void Started_makes_the_job_in_progress()
    {
        var s = Ready().Apply(new JobStarted(JobId, At(2)));

        Assert.Equal(JobState.InProgress, s.State);
        Assert.Equal(At(2), s.UpdatedAt);
    }

    [Fact]
    public void Task_completed_marks_the_task_done_once()
    {
        var s = Running().Apply(new JobTaskCompleted(JobId, 1, At(3))).Apply(new JobTaskCompleted(JobId, 1, At(4)));

        Assert.Equal(new[] { 1 }, s.Completed);
        Assert.Equal(At(4), s.UpdatedAt);
        Assert.False(s.AllTasksDone);
    }

    [Fact]
    public void Progressed_keeps_the_highest_value()
    {
        var s = Running().Apply(new JobProgressed(JobId, 40, At(3))).Apply(new JobProgressed(JobId, 30, At(4)));

        Assert.Equal(40, s.Progress);
        Assert.Equal(At(4), s.UpdatedAt);
    }

    [Fact]
    public void Completed_ends_the_job_with_its_output_at_100()
    {
        var s = Running().WithCompleted(0, 1, 2, 3).Apply(new JobCompleted(JobId, "/m/in.mp4", At(9)));

        Assert.Equal(JobState.Completed, s.State);
        Assert.Equal("/m/in.mp4", s.OutputPath);
        Assert.Equal(100, s.Progress);
        Assert.True(s.IsTerminal);
        Assert.Equal(At(9), s.UpdatedAt);
    }

    [Fact]
    public void Failed_ends_the_job_with_its_reason()
    {
        var s = Running().Apply(new JobFailed(JobId, ErrorCode.SourceUnusable, "gone", At(9)));

        Assert.Equal(JobState.Failed, s.State);
        Assert.Equal(ErrorCode.SourceUnusable, s.ErrorCode);
        Assert.Equal("gone", s.ErrorMessage);
        Assert.True(s.IsTerminal);
        Assert.Equal(At(9), s.UpdatedAt);
    }

    [Fact]
    public void Canceled_ends_the_job()
    {
        var s = Running().Apply(new JobCanceled(JobId, At(9)));

        Assert.Equal(JobState.Canceled, s.State);
        Assert.True(s.IsTerminal);
        Assert.Equal(At(9), s.UpdatedAt);
    }

    [Fact]
    public void Replay_is_the_fold_of_the_events()
    {
        var plan = Plan();
        IJobEvent[] events =
        [
            new JobSubmitted(JobId, Spec(), At(0)),
            new JobPlanned(JobId, plan.Tasks, plan.OutputDuration, plan.TempOutputPath, plan.WorkDir, plan.Notes, At(1)),
            new JobStarted(JobId, At(2)), new JobTaskCompleted(JobId, 0, At(3)), new JobProgressed(JobId, 45.5, At(4)),
        ];

        var s = JobEntityState.Replay(events);

        Assert.Equal(JobState.InProgress, s.State);
        Assert.Equal(new[] { 0 }, s.Completed);
        Assert.Equal(45.5, s.Progress);
        Assert.Equal(At(4), s.UpdatedAt);
        var again = JobEntityState.Empty.Apply(events);
        Assert.Equal((s.Id, s.State, s.Progress, s.UpdatedAt, s.CreatedAt, s.Tasks.Count), (again.Id, again.State, again.Progress, again.UpdatedAt, again.CreatedAt, again.Tasks.Count));
        Assert.Equal(s.Completed.Order(), again.Completed.Order());
    }

    // ---- DecideSubmit ------------------------------------------------------------------------------------------

    [Fact]
    public void First_submission_is_accepted()
    {
        var spec = Spec();
        var result = JobEntityState.Empty.DecideSubmit(JobId, spec, At(0));

        Assert.True(result.IsOk);
        Assert.Equal(new JobSubmitted(JobId, spec, At(0)), Assert.Single(result.Value!));
    }

    [Theory]
    [InlineData("1-5:2-10")]
    [InlineData("1.0-5:2-10.00")]
    public void Same_job_again_changes_nothing(string segments)
    {
        foreach (var state in new[] { Submitted(), Running(), Completed(), Canceled() })
        {
            var result = state.DecideSubmit(JobId, Spec(segments), At(30));

            Assert.True(result.IsOk, result.Error?.Message);
            Assert.Empty(result.Value!);
        }
    }

    [Fact]
    public void Different_job_under_a_taken_id_is_a_conflict()
    {
        var different = new[]
        {
            Spec("1-5"),
            Spec() with { DstFormat = "flv" },
            Spec() with { Overwrite = true },
            Spec() with { Priority = 3 },
            Spec() with { Output = new Akka.Transcode.Domain.Media.OutputSettings { Crf = 20 } },
        };
        foreach (var spec in different)
        {
            var result = Running().DecideSubmit(JobId, spec, At(30));

            Assert.False(result.IsOk);
            Assert.Equal(ErrorCode.Conflict, result.Error!.Code);
        }
    }

    // ---- DecidePlanned / DecideTaskStarted ---------------------------------------------------------------------

    [Fact]
    public void Plan_is_recorded_only_from_init()
    {
        var plan = Plan();
        var e = Assert.IsType<JobPlanned>(Assert.Single(Submitted().DecidePlanned(plan, At(1))));
        Assert.Equal(JobId, e.JobId);
        Assert.Same(plan.Tasks, e.Tasks);
        Assert.Equal((plan.OutputDuration, plan.TempOutputPath, plan.WorkDir), (e.OutputDuration, e.TempOutputPath, e.WorkDir));
        Assert.Equal(plan.Notes, e.Notes);

        foreach (var state in new[] { Ready(), Running(), Completed(), Failed(), Canceled() })
            Assert.Empty(state.DecidePlanned(plan, At(30)));
    }

    [Fact]
    public void Job_that_failed_while_init_is_never_planned()
    {
        var s = Submitted();
        s = s.Apply(s.DecideFailed(ErrorCode.SourceUnusable, "no such file", At(1)));

        Assert.Empty(s.DecidePlanned(Plan(), At(2)));
    }

    [Fact]
    public void First_task_start_starts_the_job()
    {
        Assert.Equal<IJobEvent>([new JobStarted(JobId, At(5))], Ready().DecideTaskStarted(At(5)));
        foreach (var state in new[] { Submitted(), Running(), Completed(), Failed(), Canceled() })
            Assert.Empty(state.DecideTaskStarted(At(5)));
    }

    // ---- DecideTaskCompleted -----------------------------------------------------------------------------------

    [Fact]
    public void Task_completion_in_ready_also_starts_the_job()
    {
        var events = Ready().DecideTaskCompleted(2, At(5));

        Assert.Equal<IJobEvent>([new JobStarted(JobId, At(5)), new JobTaskCompleted(JobId, 2, At(5))], events);
        Assert.Equal(JobState.InProgress, Ready().Apply(events).State);
    }

    [Fact]
    public void Task_completion_in_progress_marks_only_the_task()
    {
        Assert.Equal<IJobEvent>([new JobTaskCompleted(JobId, 0, At(5))], Running().DecideTaskCompleted(0, At(5)));
    }

    [Fact]
    public void Task_completion_is_idempotent()
    {
        var s = Running().WithCompleted(0);

        Assert.Empty(s.DecideTaskCompleted(0, At(6)));
        Assert.Equal(new[] { 0 }, s.Completed);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(4)]
    [InlineData(100)]
    public void Completion_of_an_unknown_task_is_ignored(int index)
    {
        Assert.Empty(Running().DecideTaskCompleted(index, At(5)));
    }

    [Fact]
    public void Completion_before_planning_or_after_the_end_is_ignored()
    {
        foreach (var state in new[] { Submitted(), Failed(), Canceled() })
            Assert.Empty(state.DecideTaskCompleted(0, At(30)));
    }

    // ---- RunnableTasks -----------------------------------------------------------------------------------------

    [Fact]
    public void Runnable_tasks_are_those_whose_inputs_are_done()
    {
        static int[] Runnable(JobEntityState s) => s.RunnableTasks().Select(t => t.Index).ToArray();

        Assert.Empty(Runnable(Submitted()));
        Assert.Equal([0, 1, 2], Runnable(Ready()));
        Assert.Equal([1, 2], Runnable(Running().WithCompleted(0)));
        Assert.Equal([2], Runnable(Running().WithCompleted(0, 1)));
        Assert.Equal([3], Runnable(Running().WithCompleted(0, 1, 2)));
        Assert.Empty(Runnable(Running().WithCompleted(0, 1, 2, 3)));
        Assert.Empty(Runnable(Failed()));
        Assert.Empty(Runnable(Canceled()));
        var canceled = Running().WithCompleted(0);
        canceled = canceled.Apply(canceled.DecideCancel(At(30)).Value!);
        Assert.Empty(Runnable(canceled));
    }

    // ---- progress ----------------------------------------------------------------------------------------------

    private const double TotalWeight = 10 + 10 + 2 + 1;

    [Fact]
    public void Progress_is_weighted_by_each_tasks_share_of_the_work()
    {
        var s = Running().WithCompleted(0);

        var progress = s.ComputeProgress(new Dictionary<int, double> { [1] = 50, [2] = 25 });

        Assert.Equal((10 * 1.0 + 10 * 0.5 + 2 * 0.25) / TotalWeight * 100, progress, 9);
    }

    [Fact]
    public void Live_percentages_outside_0_to_100_are_clamped()
    {
        var progress = Running().ComputeProgress(new Dictionary<int, double> { [0] = 250, [1] = -40 });

        Assert.Equal(10 / TotalWeight * 100, progress, 9);
    }

    [Fact]
    public void Progress_of_a_completed_task_does_not_count_twice()
    {
        var progress = Running().WithCompleted(0).ComputeProgress(new Dictionary<int, double> { [0] = 30 });

        Assert.Equal(10 / TotalWeight * 100, progress, 9);
    }

    [Fact]
    public void Progress_never_drops_below_the_persisted_high_water_mark()
    {
        var s = Running().WithCompleted(0, 1);
        s = s.Apply(s.DecideProgress(90, 1, At(8)));

        // A task re-runs from zero after its worker died: what clients saw stays.
        Assert.Equal(90, s.ComputeProgress(NoLive));
        Assert.Equal(90, s.ComputeProgress(new Dictionary<int, double> { [2] = 10 }));
        Assert.True(s.ComputeProgress(new Dictionary<int, double> { [2] = 100, [3] = 50 }) > 90);
    }

    [Fact]
    public void Progress_reaches_100_only_when_completed()
    {
        var allDone = Running().WithCompleted(0, 1, 2, 3);
        var everyTaskAtFull = new Dictionary<int, double> { [0] = 100, [1] = 100, [2] = 100, [3] = 100 };

        Assert.True(allDone.ComputeProgress(NoLive) < 100);
        Assert.True(Running().ComputeProgress(everyTaskAtFull) < 100);
        Assert.True(allDone.ComputeProgress(NoLive) >= 99);
        Assert.Equal(100, Completed().ComputeProgress(NoLive));
        Assert.Equal(100, Completed().Progress);
    }

    [Fact]
    public void Unplanned_job_shows_its_stored_progress()
    {
        Assert.Equal(0, Submitted().ComputeProgress(new Dictionary<int, double> { [0] = 50 }));
    }

    [Fact]
    public void Progress_is_persisted_in_steps()
    {
        var s = Running();

        Assert.Empty(s.DecideProgress(0.5, 1, At(3)));
        var first = Assert.IsType<JobProgressed>(Assert.Single(s.DecideProgress(1.04, 1, At(3))));
        Assert.Equal(1.0, first.Progress, 9);
        s = s.Apply(first);
        Assert.Empty(s.DecideProgress(1.9, 1, At(4)));
        Assert.Single(s.DecideProgress(2.0, 1, At(4)));
        // Rounded to a tenth: the stored values stay short.
        var rounded = Assert.IsType<JobProgressed>(Assert.Single(s.DecideProgress(12.345, 1, At(5))));
        Assert.Equal(12.3, rounded.Progress, 9);
        // Going back is never persisted.
        Assert.Empty(s.Apply(rounded).DecideProgress(5, 1, At(6)));
    }

    [Fact]
    public void Progress_is_not_persisted_at_100_or_after_the_end()
    {
        Assert.Empty(Running().DecideProgress(100, 1, At(5)));
        Assert.Empty(Failed().DecideProgress(50, 1, At(30)));
        Assert.Empty(Canceled().DecideProgress(50, 1, At(30)));
        Assert.Empty(Completed().DecideProgress(50, 1, At(30)));
    }

    // ---- DecideCancel / DecideFailed / DecideCompleted ---------------------------------------------------------

    [Fact]
    public void Cancel_of_a_live_job_cancels_it()
    {
        foreach (var state in new[] { Submitted(), Ready(), Running() })
        {
            var result = state.DecideCancel(At(30));

            Assert.True(result.IsOk);
            Assert.Equal(new JobCanceled(JobId, At(30)), Assert.Single(result.Value!));
        }
    }

    [Fact]
    public void Cancel_of_an_ended_job_is_a_conflict()
    {
        foreach (var state in new[] { Completed(), Failed(), Canceled() })
        {
            var result = state.DecideCancel(At(30));

            Assert.False(result.IsOk);
            Assert.Equal(ErrorCode.Conflict, result.Error!.Code);
        }
    }

    // ---- finishing: the rename of the output -------------------------------------------------------------------

    private static JobEntityState AllTasksDone() => Running().WithCompleted(0, 1, 2, 3);

    private static JobEntityState Finishing()
    {
        var s = AllTasksDone();
        return s.Apply(s.DecideFinishing(At(20)));
    }

    [Fact]
    public void Finishing_is_stored_once_when_every_task_is_done_and_only_then()
    {
        Assert.Equal<IJobEvent>([new JobFinishing(JobId, At(20))], AllTasksDone().DecideFinishing(At(20)));
        Assert.True(Finishing().Finishing);
        Assert.True(Finishing().ReadyToPublish);
        Assert.False(Finishing().IsTerminal);
        // A recovered job that was finishing goes straight on with the rename: nothing more to store.
        Assert.Empty(Finishing().DecideFinishing(At(21)));
        foreach (var state in new[] { Submitted(), Ready(), Running(), Running().WithCompleted(0, 1, 2), Completed(), Failed(), Canceled() })
            Assert.Empty(state.DecideFinishing(At(21)));
    }

    [Fact]
    public void Cancel_while_the_output_is_put_in_place_is_refused_as_finishing()
    {
        var result = Finishing().DecideCancel(At(21));

        Assert.False(result.IsOk);
        Assert.Equal(ErrorCode.Conflict, result.Error!.Code);
        Assert.Contains("finishing", result.Error.Message);
        // Before the finishing event is stored, with every task done, a cancel still wins: nothing was renamed yet.
        Assert.True(AllTasksDone().DecideCancel(At(21)).IsOk);
    }

    [Fact]
    public void A_timeout_while_the_output_is_put_in_place_lets_the_job_finish()
    {
        Assert.Empty(Finishing().DecideTimedOut("timed out", At(21)));
        var late = Running().DecideTimedOut("timed out", At(21));
        Assert.Equal(new JobFailed(JobId, ErrorCode.Unavailable, "timed out", At(21)), Assert.Single(late));
    }

    [Fact]
    public void A_finishing_job_still_completes_or_fails_when_the_rename_does()
    {
        var completed = Finishing().DecideCompleted("/m/in.mp4", At(22));
        Assert.Equal(JobState.Completed, Finishing().Apply(completed).State);
        var failed = Finishing().DecideFailed(ErrorCode.Forbidden, "dst_dir left the media roots", At(22));
        Assert.Equal(JobState.Failed, Finishing().Apply(failed).State);
        Assert.False(Finishing().Apply(failed).ReadyToPublish);
    }

    [Fact]
    public void A_job_recovered_in_the_middle_of_its_rename_still_refuses_a_cancel_and_resumes_the_rename()
    {
        var recovered = JobEntityState.Replay(Events());

        Assert.True(recovered.Finishing);
        Assert.True(recovered.ReadyToPublish);
        Assert.False(recovered.DecideCancel(At(30)).IsOk);

        static IEnumerable<IJobEvent> Events()
        {
            var s = Running();
            var events = new List<IJobEvent>();
            foreach (var i in new[] { 0, 1, 2, 3 })
            {
                var e = s.DecideTaskCompleted(i, At(10 + i));
                events.AddRange(e);
                s = s.Apply(e);
            }
            events.AddRange(s.DecideFinishing(At(20)));
            var plan = Plan();
            return new IJobEvent[]
            {
                new JobSubmitted(JobId, Spec(), At(0)),
                new JobPlanned(JobId, plan.Tasks, plan.OutputDuration, plan.TempOutputPath, plan.WorkDir, plan.Notes, At(1)),
                new JobStarted(JobId, At(2)),
            }.Concat(events);
        }
    }

    [Fact]
    public void Cancel_of_a_missing_job_is_not_found()
    {
        var result = JobEntityState.Empty.DecideCancel(At(30));

        Assert.False(result.IsOk);
        Assert.Equal(ErrorCode.NotFound, result.Error!.Code);
    }

    [Fact]
    public void Failure_ends_a_live_job_and_nothing_else()
    {
        foreach (var state in new[] { Submitted(), Ready(), Running() })
            Assert.Equal(new JobFailed(JobId, ErrorCode.Internal, "x", At(30)), Assert.Single(state.DecideFailed(ErrorCode.Internal, "x", At(30))));

        foreach (var state in new[] { Completed(), Failed(), Canceled(), JobEntityState.Empty })
            Assert.Empty(state.DecideFailed(ErrorCode.Internal, "x", At(30)));
    }

    [Fact]
    public void Completion_needs_every_task_and_a_live_job()
    {
        Assert.Empty(Submitted().DecideCompleted("/m/in.mp4", At(30)));
        Assert.Empty(Running().WithCompleted(0, 1, 2).DecideCompleted("/m/in.mp4", At(30)));
        Assert.Equal(new JobCompleted(JobId, "/m/in.mp4", At(30)),
            Assert.Single(Running().WithCompleted(0, 1, 2, 3).DecideCompleted("/m/in.mp4", At(30))));

        foreach (var state in new[] { Completed(), Failed(), Canceled() })
            Assert.Empty(state.DecideCompleted("/m/in.mp4", At(30)));
        var canceledAfterAllDone = Running().WithCompleted(0, 1, 2, 3);
        canceledAfterAllDone = canceledAfterAllDone.Apply(canceledAfterAllDone.DecideCancel(At(25)).Value!);
        Assert.Empty(canceledAfterAllDone.DecideCompleted("/m/in.mp4", At(30)));
    }
}
