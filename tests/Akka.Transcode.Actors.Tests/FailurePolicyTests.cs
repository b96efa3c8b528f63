using Akka.Actor;
using Akka.TestKit;
using Akka.Transcode.Actors.Tests.Support;
using Akka.Transcode.Actors.Workers;
using Xunit.Abstractions;

namespace Akka.Transcode.Actors.Tests;

/// <summary>
/// The registry's side of the failure policy: a retried task prefers a worker it has not failed on, and a worker
/// whose attempts keep failing is taken out of rotation for a while (its circuit breaker). Probes stand in for
/// workers; every message crosses the project's serializer.
/// </summary>
[Collection("worker registry")]
public sealed class FailurePolicyTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(TestConfig.Local(), output: output)
{
    private static readonly DateTimeOffset T0 = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly TranscodeSettings Settings = new()
    {
        HeartbeatInterval = TimeSpan.FromMilliseconds(200),
        WorkerTimeout = TimeSpan.FromSeconds(30), // probes never heartbeat
        WorkerBreakerFailures = 3,
        WorkerQuarantine = TimeSpan.FromSeconds(1),
    };

    private IActorRef Registry() => Sys.ActorOf(WorkerRegistry.Props(CreateTestProbe().Ref, Settings));

    private static RequestWork Request(string jobId, IReadOnlyList<string>? avoid = null, int attempt = 1)
    {
        var spec = Samples.VideoTask(jobId, 0);
        return new RequestWork(spec.TaskId, attempt, spec, 0, T0, avoid);
    }

    private static string Register(IActorRef registry, TestProbe worker, string key, int slots)
    {
        worker.Send(registry, new RegisterWorker(key, slots, null));
        return worker.ExpectMsg<WorkerRegistered>().WorkerId;
    }

    private WorkerInfo Info(IActorRef registry, string workerId)
    {
        var client = CreateTestProbe();
        client.Send(registry, GetWorkers.Instance);
        return client.ExpectMsg<WorkersSnapshot>().Workers.Single(w => w.WorkerId == workerId);
    }

    [Fact]
    public void A_retry_goes_to_a_worker_it_has_not_failed_on_even_when_that_one_has_fewer_free_slots()
    {
        var registry = Registry();
        var big = CreateTestProbe();
        var small = CreateTestProbe();
        var bigId = Register(registry, big, "big", 4);
        Register(registry, small, "small", 1);

        registry.Tell(Request("retry", avoid: [bigId], attempt: 2));

        small.ExpectMsg<AssignTask>(a => a.TaskId == "retry-t0" && a.Attempt == 2);
        big.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_retry_waits_for_the_other_worker_without_holding_up_the_tasks_behind_it()
    {
        var registry = Registry();
        var failedOn = CreateTestProbe();
        var other = CreateTestProbe();
        var failedId = Register(registry, failedOn, "failed-on", 2);
        var otherId = Register(registry, other, "other", 1);
        registry.Tell(Request("first-retry", avoid: [failedId], attempt: 2));
        other.ExpectMsg<AssignTask>(a => a.TaskId == "first-retry-t0"); // the other worker is now full

        registry.Tell(Request("retry", avoid: [failedId], attempt: 2));
        registry.Tell(Request("fresh"));

        failedOn.ExpectMsg<AssignTask>(a => a.TaskId == "fresh-t0");
        failedOn.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // a free slot, but not for the retry
        registry.Tell(new SlotFreed(otherId, "first-retry-t0", 2), other.Ref);
        other.ExpectMsg<AssignTask>(a => a.TaskId == "retry-t0");
    }

    [Fact]
    public void A_task_that_failed_on_every_worker_may_run_on_one_of_them_again()
    {
        var registry = Registry();
        var only = CreateTestProbe();
        var id = Register(registry, only, "only", 1);

        registry.Tell(Request("again", avoid: [id], attempt: 2));

        only.ExpectMsg<AssignTask>(a => a.TaskId == "again-t0" && a.Attempt == 2);
    }

    [Fact]
    public void Three_failures_in_a_row_quarantine_a_worker_until_its_cooldown_ends_and_one_more_failure_sends_it_back()
    {
        var registry = Registry();
        var flaky = CreateTestProbe();
        var healthy = CreateTestProbe();
        var flakyId = Register(registry, flaky, "flaky", 8);
        var healthyId = Register(registry, healthy, "healthy", 1);

        // Failures of the source's making say nothing about the worker; a success resets the count.
        registry.Tell(new AttemptOutcome(flakyId, "x-t0", 1, Success: false, WorkerFault: false));
        registry.Tell(new AttemptOutcome(flakyId, "x-t1", 1, Success: false, WorkerFault: true));
        registry.Tell(new AttemptOutcome(flakyId, "x-t2", 1, Success: true, WorkerFault: false));
        registry.Tell(new AttemptOutcome(flakyId, "x-t3", 1, Success: false, WorkerFault: true));
        registry.Tell(new AttemptOutcome(flakyId, "x-t4", 1, Success: false, WorkerFault: true));
        Assert.Null(Info(registry, flakyId).QuarantinedUntil);
        Assert.Equal(2, Info(registry, flakyId).ConsecutiveFailures);

        registry.Tell(new AttemptOutcome(flakyId, "x-t5", 1, Success: false, WorkerFault: true));
        var info = Info(registry, flakyId);
        Assert.NotNull(info.QuarantinedUntil);
        Assert.Equal(3, info.ConsecutiveFailures);
        Assert.Null(Info(registry, healthyId).QuarantinedUntil);

        // Quarantined: even with 8 free slots it gets nothing; the healthy worker takes one, the other waits.
        registry.Tell(Request("q1"));
        registry.Tell(Request("q2"));
        healthy.ExpectMsg<AssignTask>(a => a.TaskId == "q1-t0");
        flaky.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        // The cooldown ends: the waiting task goes to it.
        flaky.ExpectMsg<AssignTask>(a => a.TaskId == "q2-t0", TimeSpan.FromSeconds(3));
        Assert.Null(Info(registry, flakyId).QuarantinedUntil);

        // Half-open: one more failure quarantines it again at once; a success would have cleared the count.
        registry.Tell(new AttemptOutcome(flakyId, "q2-t0", 1, Success: false, WorkerFault: true));
        Assert.NotNull(Info(registry, flakyId).QuarantinedUntil);
        registry.Tell(new AttemptOutcome(flakyId, "q3-t0", 1, Success: true, WorkerFault: false));
        Assert.Equal(0, Info(registry, flakyId).ConsecutiveFailures);
    }
}
