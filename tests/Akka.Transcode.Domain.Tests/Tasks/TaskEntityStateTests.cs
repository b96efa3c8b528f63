using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Domain.Tests.Jobs;
using static Akka.Transcode.Domain.Tests.Jobs.JobSamples;
using TaskStatus = Akka.Transcode.Domain.Tasks.TaskStatus;

namespace Akka.Transcode.Domain.Tests.Tasks;

public class TaskEntityStateTests
{
    private static readonly TaskSpec Spec = JobSamples.Task(0, TaskKind.Video, 10);
    private static readonly string Id = Spec.TaskId;
    private static readonly TaskPolicy Policy = new(MaxAttempts: 3, MaxLost: 4);

    private static TaskEntityState Then(TaskEntityState s, IReadOnlyList<ITaskEvent> events)
    {
        Assert.NotEmpty(events);
        return events.Aggregate(s, (x, e) => x.Apply(e));
    }

    private static TaskEntityState Created() => Then(TaskEntityState.Empty, TaskEntityState.Empty.DecideCreate(Spec, 2, T0, At(0)));
    private static TaskEntityState Start(TaskEntityState s, string worker = "w1") => Then(s, s.DecideStarted(s.NextAttempt, worker, At(s.NextAttempt)));
    private static TaskEntityState Fail(TaskEntityState s, ErrorCode code = ErrorCode.Internal) =>
        Then(s, s.DecideFailed(s.Attempts, code, "ffmpeg exited with code 1", Policy, At(50)));
    private static TaskEntityState Lose(TaskEntityState s) => Then(s, s.DecideLost(s.Attempts, "worker died", Policy, At(50)));

    [Fact]
    public void Creation_records_the_spec_and_queue_order_once()
    {
        var events = TaskEntityState.Empty.DecideCreate(Spec, 2, T0, At(0));

        Assert.Equal(new TaskCreated(Id, Spec, 2, T0, At(0)), Assert.Single(events));
        var s = Then(TaskEntityState.Empty, events);
        Assert.Equal((TaskStatus.Pending, 2, T0, 0, 1), (s.Status, s.Priority, s.JobCreatedAt, s.Attempts, s.NextAttempt));
        Assert.Same(Spec, s.Spec);
        Assert.Empty(s.DecideCreate(Spec, 5, T0, At(1)));
    }

    [Fact]
    public void Nothing_happens_to_a_task_that_was_never_created()
    {
        var s = TaskEntityState.Empty;

        Assert.Empty(s.DecideStarted(1, "w1", At(1)));
        Assert.Empty(s.DecideSucceeded(1, At(1)));
        Assert.Empty(s.DecideFailed(1, ErrorCode.Internal, "x", Policy, At(1)));
        Assert.Empty(s.DecideLost(1, "x", Policy, At(1)));
        Assert.Empty(s.DecideCancel(At(1)));
    }

    [Fact]
    public void Attempts_are_numbered_from_one_and_only_the_next_may_start()
    {
        var s = Created();

        Assert.Empty(s.DecideStarted(0, "w1", At(1)));
        Assert.Empty(s.DecideStarted(2, "w1", At(1)));
        Assert.Equal(new AttemptStarted(Id, 1, "w1", At(1)), Assert.Single(s.DecideStarted(1, "w1", At(1))));

        s = Start(s, "w1");
        Assert.Equal((TaskStatus.Running, 1, "w1"), (s.Status, s.Attempts, s.WorkerId));
        Assert.True(s.IsCurrent(1));
        // A second start while one runs is a duplicate, whatever its number.
        Assert.Empty(s.DecideStarted(1, "w2", At(2)));
        Assert.Empty(s.DecideStarted(2, "w2", At(2)));

        s = Start(Fail(s), "w2");
        Assert.Equal((TaskStatus.Running, 2, "w2"), (s.Status, s.Attempts, s.WorkerId));
        s = Start(Lose(s), "w3");
        Assert.Equal(3, s.Attempts);
    }

    [Fact]
    public void Late_start_of_an_old_attempt_is_ignored()
    {
        var s = Lose(Start(Created()));

        Assert.Equal(TaskStatus.Pending, s.Status);
        Assert.Empty(s.DecideStarted(1, "w1", At(9)));
        Assert.Single(s.DecideStarted(2, "w2", At(9)));
    }

    [Fact]
    public void Results_of_a_stale_attempt_are_ignored()
    {
        var s = Start(Lose(Start(Created())), "w2"); // attempt 2 runs; attempt 1 was lost

        Assert.Empty(s.DecideSucceeded(1, At(9)));
        Assert.Empty(s.DecideFailed(1, ErrorCode.Internal, "old", Policy, At(9)));
        Assert.Empty(s.DecideLost(1, "old", Policy, At(9)));
        Assert.Empty(s.DecideSucceeded(3, At(9)));
        Assert.Equal(new TaskSucceeded(Id, 2, At(9)), Assert.Single(s.DecideSucceeded(2, At(9))));
    }

    [Fact]
    public void The_current_attempt_runs_elsewhere_only_when_another_worker_reports_it()
    {
        var s = Start(Created(), "w1");

        Assert.False(s.RunsElsewhere(1, "w1"));
        Assert.True(s.RunsElsewhere(1, "w2")); // the same attempt handed out twice: the copy on w2 does not count
        Assert.False(s.RunsElsewhere(2, "w2")); // not the current attempt: that is the stale-attempt rule's business
        Assert.False(Created().RunsElsewhere(1, "w2")); // nothing started yet: whichever reports first starts it
        var lost = Lose(s);
        Assert.False(lost.RunsElsewhere(1, "w2")); // pending again: no attempt is current
    }

    [Fact]
    public void Results_of_an_attempt_that_is_not_running_are_ignored()
    {
        var s = Fail(Start(Created())); // pending again after attempt 1 failed

        Assert.Empty(s.DecideSucceeded(1, At(9)));
        Assert.Empty(s.DecideFailed(1, ErrorCode.Internal, "again", Policy, At(9)));
        Assert.Empty(s.DecideLost(1, "again", Policy, At(9)));
    }

    [Fact]
    public void Success_ends_the_task()
    {
        var s = Start(Created());
        s = Then(s, s.DecideSucceeded(1, At(5)));

        Assert.Equal(TaskStatus.Succeeded, s.Status);
        Assert.True(s.IsTerminal);
        Assert.Equal(At(5), s.UpdatedAt);
    }

    [Fact]
    public void The_workers_a_task_failed_on_are_remembered_and_lost_attempts_do_not_count()
    {
        var s = Fail(Start(Created(), "w1"));
        s = Lose(Start(s, "w2"));
        s = Fail(Start(s, "w3"));

        Assert.Equal(["w1", "w3"], s.FailedOn);
        Assert.Equal(TaskStatus.Pending, s.Status);
        var replayed = TaskEntityState.Replay([
            new AttemptFailed(Id, 1, "w1", "x", At(1)), new AttemptLost(Id, 2, "gone", At(2)),
            new AttemptFailed(Id, 3, "w3", "y", At(3)), new AttemptFailed(Id, 4, "w1", "z", At(4)),
        ]);
        Assert.Equal(["w1", "w3"], replayed.FailedOn);
    }

    [Fact]
    public void Failed_attempts_are_retried_until_the_budget_is_spent()
    {
        var s = Created();
        for (var attempt = 1; attempt < Policy.MaxAttempts; attempt++)
        {
            s = Start(s);
            var events = s.DecideFailed(attempt, ErrorCode.Internal, $"fail {attempt}", Policy, At(10 + attempt));
            Assert.Equal(new AttemptFailed(Id, attempt, "w1", $"fail {attempt}", At(10 + attempt)), Assert.Single(events));
            s = Then(s, events);
            Assert.Equal((TaskStatus.Pending, attempt, $"fail {attempt}"), (s.Status, s.Failures, s.LastError));
        }

        s = Start(s);
        var last = s.DecideFailed(Policy.MaxAttempts, ErrorCode.Internal, "fail last", Policy, At(30));
        Assert.Equal(2, last.Count);
        Assert.IsType<AttemptFailed>(last[0]);
        Assert.Equal(new TaskFailed(Id, ErrorCode.Internal, "fail last", At(30)), last[1]);
        s = Then(s, last);
        Assert.Equal((TaskStatus.Failed, Policy.MaxAttempts, ErrorCode.Internal, "fail last"), (s.Status, s.Failures, s.ErrorCode, s.LastError));
    }

    [Theory]
    [InlineData(ErrorCode.SourceUnusable)]
    [InlineData(ErrorCode.InvalidValue)]
    [InlineData(ErrorCode.Forbidden)] // a path the worker refuses as outside its media roots
    public void Failures_that_would_repeat_anywhere_fail_the_task_at_once(ErrorCode code)
    {
        var s = Start(Created());
        var events = s.DecideFailed(1, code, "bad source", Policy, At(5));

        Assert.Equal(new TaskFailed(Id, code, "bad source", At(5)), events[^1]);
        s = Then(s, events);
        Assert.Equal((TaskStatus.Failed, code, 1), (s.Status, s.ErrorCode, s.Failures));
    }

    [Theory]
    // code, permanent (fails the task at once), input fault (says nothing about the worker)
    [InlineData(ErrorCode.SourceUnusable, true, true)]
    [InlineData(ErrorCode.InvalidValue, true, true)]
    [InlineData(ErrorCode.Forbidden, true, false)]    // permanent, yet the worker that refused the path is the one to blame
    [InlineData(ErrorCode.Internal, false, false)]
    [InlineData(ErrorCode.Unavailable, false, false)]
    [InlineData(ErrorCode.Conflict, false, false)]
    public void Which_failures_are_permanent_and_which_say_nothing_about_the_worker(ErrorCode code, bool permanent, bool inputFault)
    {
        Assert.Equal(permanent, TaskEntityState.IsPermanent(code));
        Assert.Equal(inputFault, TaskEntityState.IsInputFault(code));
    }

    [Fact]
    public void A_failure_without_a_code_is_not_an_input_fault() => Assert.False(TaskEntityState.IsInputFault(null));

    [Theory]
    // failures so far, wait in base units
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    public void A_task_that_failed_waits_before_asking_again_and_a_lost_one_does_not(int failures, int units)
    {
        var s = Created() with { Failures = failures };

        Assert.Equal(TimeSpan.FromSeconds(units), s.RetryDelay(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Lost_attempts_do_not_use_the_failure_budget()
    {
        var s = Created();
        for (var i = 0; i < Policy.MaxLost - 1; i++) s = Lose(Start(s));
        Assert.Equal((TaskStatus.Pending, 0, Policy.MaxLost - 1), (s.Status, s.Failures, s.Lost));

        // Still the whole failure budget left.
        s = Fail(Start(s));
        Assert.Equal((TaskStatus.Pending, 1), (s.Status, s.Failures));
    }

    [Fact]
    public void Too_many_lost_attempts_fail_the_task()
    {
        var s = Created();
        for (var i = 0; i < Policy.MaxLost - 1; i++) s = Lose(Start(s));

        s = Start(s);
        var events = s.DecideLost(s.Attempts, "worker died", Policy, At(60));
        Assert.Equal(2, events.Count);
        Assert.Equal(new AttemptLost(Id, s.Attempts, "worker died", At(60)), events[0]);
        var failed = Assert.IsType<TaskFailed>(events[1]);
        Assert.Equal(ErrorCode.Internal, failed.Code);
        s = Then(s, events);
        Assert.Equal((TaskStatus.Failed, Policy.MaxLost, 0), (s.Status, s.Lost, s.Failures));
    }

    [Fact]
    public void Cancel_stops_a_pending_or_running_task()
    {
        foreach (var s in new[] { Created(), Start(Created()), Fail(Start(Created())) })
        {
            var events = s.DecideCancel(At(40));
            Assert.Equal(new TaskCanceled(Id, At(40)), Assert.Single(events));
            Assert.Equal(TaskStatus.Canceled, Then(s, events).Status);
        }
    }

    public static TheoryData<string> Ends() => ["succeeded", "failed", "canceled"];

    private static TaskEntityState Ended(string how)
    {
        var s = Start(Created());
        return how switch
        {
            "succeeded" => Then(s, s.DecideSucceeded(1, At(5))),
            "failed" => Fail(s, ErrorCode.SourceUnusable),
            "canceled" => Then(s, s.DecideCancel(At(5))),
            _ => throw new ArgumentOutOfRangeException(nameof(how)),
        };
    }

    [Theory]
    [MemberData(nameof(Ends))]
    public void Nothing_happens_after_the_end(string how)
    {
        var s = Ended(how);

        Assert.True(s.IsTerminal);
        Assert.Empty(s.DecideCreate(Spec, 0, T0, At(9)));
        Assert.Empty(s.DecideStarted(s.NextAttempt, "w9", At(9)));
        Assert.Empty(s.DecideStarted(s.Attempts, "w9", At(9)));
        Assert.Empty(s.DecideSucceeded(s.Attempts, At(9)));
        Assert.Empty(s.DecideFailed(s.Attempts, ErrorCode.Internal, "x", Policy, At(9)));
        Assert.Empty(s.DecideLost(s.Attempts, "x", Policy, At(9)));
        Assert.Empty(s.DecideCancel(At(9)));
    }

    [Fact]
    public void Replay_is_the_fold_of_the_events()
    {
        ITaskEvent[] events =
        [
            new TaskCreated(Id, Spec, 1, T0, At(0)), new AttemptStarted(Id, 1, "w1", At(1)),
            new AttemptLost(Id, 1, "gone", At(2)), new AttemptStarted(Id, 2, "w2", At(3)),
            new AttemptFailed(Id, 2, "w2", "bad", At(4)), new AttemptStarted(Id, 3, "w1", At(5)),
        ];

        var s = TaskEntityState.Replay(events);

        Assert.Equal((TaskStatus.Running, 3, 1, 1, "w1", "bad", At(5)), (s.Status, s.Attempts, s.Failures, s.Lost, s.WorkerId, s.LastError, s.UpdatedAt));
        Assert.Equal(s, events.Aggregate(TaskEntityState.Empty, (x, e) => x.Apply(e)));
    }
}
