using Akka.Transcode.Domain.Scheduling;
using Akka.Transcode.Domain.Tasks;

namespace Akka.Transcode.Domain.Tests.Scheduling;

/// <summary>
/// The registry's decisions as plain values: processes are strings, time is passed in. The actor tests
/// (WorkerTests, FailurePolicyTests, HttpWorkerTests) check the same rules end to end through messages.
/// </summary>
public sealed class WorkerRegistryStateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static readonly WorkerRules Rules = new(WorkerTimeout: TimeSpan.FromSeconds(10),
        ReportGrace: TimeSpan.FromSeconds(3), BreakerFailures: 3, Quarantine: TimeSpan.FromSeconds(30),
        MaxHttpWorkersPerAddress: 2);

    private static readonly WorkerRegistryState<string> Empty = new(Rules);

    private static WorkRequest Request(string jobId, int index = 0, int attempt = 1, int priority = 0,
        DateTimeOffset? created = null, params string[] avoid) =>
        new($"{jobId}-t{index}", attempt, Spec(jobId, index), priority, created ?? T0, avoid.Length > 0 ? avoid : null);

    private static TaskSpec Spec(string jobId, int index) => new()
    {
        TaskId = $"{jobId}-t{index}", JobId = jobId, Index = index, Kind = TaskKind.Video,
        SourcePath = "/media/in/a.mp4", OutputPath = $"/media/tmp/{jobId}-{index}.mkv", Muxer = "matroska",
        Video = VideoOp.Copy, Audio = AudioOp.Drop, Duration = 10, Weight = 10,
    };

    /// <summary>Registers a cluster worker under <paramref name="key"/> from process <c>"p:" + key</c>.</summary>
    private static WorkerRegistryState<string> With(WorkerRegistryState<string> s, string key, int slots, DateTimeOffset? at = null) =>
        s.Register(key, "p:" + key, slots, null, [], 0, 0, at ?? T0).State;

    private static string Id(string key) => WorkerRegistryState.IdFor(key);

    private static List<string> Assigned(WorkerDecision<string> d) =>
        d.Effects.OfType<Assign<string>>().Select(a => $"{a.Request.TaskId}>{a.Worker.Key}").ToList();

    private static WorkerDecision<string> Requests(WorkerRegistryState<string> s, params WorkRequest[] requests)
    {
        var effects = new List<WorkerEffect<string>>();
        foreach (var r in requests)
        {
            var d = s.Request(r, T0);
            s = d.State;
            effects.AddRange(d.Effects);
        }
        return new(s, effects);
    }

    [Fact]
    public void The_same_key_gets_the_same_id_and_a_new_process_under_it_replaces_the_old_one_whose_attempts_are_lost()
    {
        var s = With(Empty, "node-x", 1);
        s = s.Request(Request("r"), T0).State;
        Assert.Equal(Id("node-x"), Assert.Single(s.Workers.Values).Id);

        var same = s.Register("node-x", "p:node-x", 1, null, [], 0, 0, T0);
        Assert.Empty(same.Effects); // the registered process again: nothing changes
        Assert.Same(s.Workers[Id("node-x")], same.State.Workers[Id("node-x")]);

        var restarted = s.Register("node-x", "p:node-x-2", 1, null, [], 0, 0, T0);

        var gone = Assert.IsType<Gone<string>>(restarted.Effects[0]);
        Assert.Equal(("p:node-x", "it registered again from a new process"), (gone.Worker.Ref, gone.Reason));
        Assert.Equal([new AttemptKey("r-t0", 1)], gone.Worker.Running.Keys);
        Assert.Equal("p:node-x-2", Assert.IsType<Joined<string>>(restarted.Effects[1]).Worker.Ref);
        Assert.Empty(Assert.Single(restarted.State.Workers.Values).Running);
    }

    [Fact]
    public void Attempts_a_worker_brings_to_its_registration_count_at_once_and_are_not_queued_or_handed_out_again()
    {
        var running = Request("dup");
        var s = Empty.Request(running, T0).State;
        Assert.Single(s.Queue);

        s = s.Register("node-a", "p:a", 1, null, [new AttemptKey(running.TaskId, 1)], 0, 0, T0).State;
        Assert.Empty(s.Queue); // the queued request was for the attempt node-a runs
        s = With(s, "node-b", 3);

        var again = s.Request(running, T0);
        Assert.Empty(again.Effects);
        Assert.Empty(again.State.Queue);
        Assert.Equal(["dup-t0>node-b"], Assigned(again.State.Request(Request("dup", attempt: 2), T0)));
    }

    [Fact]
    public void Waiting_requests_go_out_by_priority_then_job_age_then_task_order_and_a_repeat_is_queued_once()
    {
        var s = Requests(Empty,
            Request("mid", index: 1, created: T0.AddMinutes(-10)),
            Request("new-urgent", priority: 5),
            Request("mid", index: 0, created: T0.AddMinutes(-10)),
            Request("old", created: T0.AddMinutes(-20)),
            Request("old", created: T0.AddMinutes(-20))).State;
        Assert.Equal(4, s.Queue.Count);

        var order = new List<string>();
        var d = s.Register("single", "p", 1, null, [], 0, 0, T0);
        for (var i = 0; i < 4; i++)
        {
            var handed = Assert.Single(d.Effects.OfType<Assign<string>>()); // one slot: one at a time
            order.Add(handed.Request.TaskId);
            d = d.State.SlotFreed(handed.Worker.Id, new(handed.Request.TaskId, handed.Request.Attempt), T0);
        }

        Assert.Equal(["new-urgent-t0", "old-t0", "mid-t0", "mid-t1"], order);
        Assert.Empty(d.State.Queue);
    }

    [Fact]
    public void A_worker_gets_no_more_attempts_than_it_has_slots_and_a_withdrawn_request_leaves_the_queue()
    {
        var d = Requests(With(Empty, "two", 2), Request("s1"), Request("s2"), Request("s3"), Request("s4"));
        Assert.Equal(["s1-t0>two", "s2-t0>two"], Assigned(d));
        Assert.Equal(2, d.State.Queue.Count);

        var s = d.State.Withdraw("s3-t0");

        Assert.Equal(["s4-t0>two"], Assigned(s.SlotFreed(Id("two"), new("s1-t0", 1), T0)));
    }

    [Fact]
    public void A_newer_attempt_takes_the_older_ones_place_in_the_queue()
    {
        var s = Requests(Empty, Request("a"), Request("b"), Request("a", attempt: 2)).State;

        var handed = s.Register("w", "p", 2, null, [], 0, 0, T0).Effects.OfType<Assign<string>>()
            .Select(a => (a.Request.TaskId, a.Request.Attempt)).ToList();

        Assert.Equal([("a-t0", 2), ("b-t0", 1)], handed);
    }

    [Theory]
    // assigned this long ago, in the heartbeat's list, still counted
    [InlineData(1, false, true)]   // too recent to be in the list yet
    [InlineData(4, false, false)]  // the worker's list wins
    [InlineData(4, true, true)]
    public void A_heartbeat_corrects_the_running_attempts_except_those_too_recent_to_be_listed(int secondsAgo, bool listed, bool kept)
    {
        var s = Requests(With(Empty, "w", 2), Request("r")).State;
        var now = T0.AddSeconds(secondsAgo);

        var after = s.Heartbeat(Id("w"), listed ? [new("r-t0", 1)] : [], now)!.State.Workers[Id("w")];

        Assert.Equal(kept, after.Running.ContainsKey(new("r-t0", 1)));
        Assert.Equal(now, after.LastSeen);
    }

    [Fact]
    public void A_heartbeat_counts_attempts_the_registry_did_not_know_and_an_unknown_worker_must_register_again()
    {
        var s = Requests(With(Empty, "w", 2), Request("queued")).State; // handed out at once
        s = s.Heartbeat(Id("w"), [new("queued-t0", 1), new("elsewhere-t0", 3)], T0)!.State;

        Assert.Equal(2, s.Workers[Id("w")].Running.Count);
        Assert.Null(s.Heartbeat(Id("stranger"), [], T0));
        Assert.Null(s.HttpHeartbeat(Id("w"), T0)); // a cluster worker's heartbeat is not an HTTP worker's
    }

    [Fact]
    public void A_rejected_assignment_goes_back_to_the_queue_and_out_again_when_there_is_room()
    {
        var d = Requests(With(Empty, "w", 1), Request("r", created: T0.AddMinutes(-1)), Request("later"));
        Assert.Equal(["r-t0>w"], Assigned(d));

        var rejected = d.State.Rejected(Id("w"), new("r-t0", 1), T0);

        Assert.Equal(["r-t0>w"], Assigned(rejected)); // an older job than "later"'s: first again
        Assert.Equal(["later-t0"], rejected.State.Queue.Select(q => q.Request.TaskId));
        Assert.Empty(rejected.State.Rejected(Id("w"), new("unknown-t0", 1), T0).Effects);
    }

    [Fact]
    public void Assignments_are_forgotten_once_they_no_longer_run_so_a_late_rejection_requeues_nothing()
    {
        var s = Requests(With(Empty, "w", 1), Request("r")).State;
        s = s.SlotFreed(Id("w"), new("r-t0", 1), T0).State;
        Assert.Single(s.Workers[Id("w")].Assigned);

        s = s.Sweep(T0).State;

        Assert.Empty(s.Workers[Id("w")].Assigned);
        Assert.Empty(s.Rejected(Id("w"), new("r-t0", 1), T0).State.Queue);
    }

    [Theory]
    // workers (key:slots), avoid (keys), chosen ("-": none, it waits)
    [InlineData("big:4,small:1", "big", "small")]  // a retry goes elsewhere, even to fewer free slots
    [InlineData("only:1", "only", "only")]         // failed on every worker: it may run there again
    [InlineData("a:1", "b", "a")]
    public void A_retry_avoids_the_workers_it_failed_on_while_there_are_others(string workers, string avoid, string chosen)
    {
        var s = workers.Split(',').Select(w => w.Split(':')).Aggregate(Empty, (acc, w) => With(acc, w[0], int.Parse(w[1])));

        var d = s.Request(Request("retry", attempt: 2, avoid: avoid.Split(',').Select(Id).ToArray()), T0);

        Assert.Equal([$"retry-t0>{chosen}"], Assigned(d));
    }

    [Fact]
    public void A_retry_that_waits_for_another_worker_does_not_hold_up_the_requests_behind_it()
    {
        var s = With(With(Empty, "failed-on", 2), "other", 1);
        var d = Requests(s, Request("first-retry", attempt: 2, avoid: [Id("failed-on")]),
            Request("retry", attempt: 2, avoid: [Id("failed-on")]), Request("fresh"));

        Assert.Equal(["first-retry-t0>other", "fresh-t0>failed-on"], Assigned(d));
        Assert.Equal(["retry-t0>other"], Assigned(d.State.SlotFreed(Id("other"), new("first-retry-t0", 2), T0)));
    }

    [Theory]
    // outcomes in order (S success, W worker fault, F failure anyone would have), failures counted, quarantined
    [InlineData("F,W,S,W,W", 2, false)]  // a success clears the count; a source's fault does not count
    [InlineData("W,W,W", 3, true)]
    [InlineData("W,W,F,W", 3, true)]
    [InlineData("W,W,W,S", 0, true)]     // a success clears the count, not a quarantine already running
    public void The_circuit_breaker_counts_worker_faults_in_a_row(string outcomes, int failures, bool quarantined)
    {
        var s = With(Empty, "flaky", 8);
        var quarantines = 0;
        foreach (var o in outcomes.Split(','))
        {
            var d = s.Outcome(Id("flaky"), o == "S", o == "W", T0);
            quarantines += d.Effects.OfType<Quarantined<string>>().Count();
            s = d.State;
        }

        var w = s.Workers[Id("flaky")];
        Assert.Equal(failures, w.ConsecutiveFailures);
        Assert.Equal(quarantined, w.IsQuarantined(T0));
        Assert.Equal(quarantined ? 1 : 0, quarantines);
        if (quarantined) Assert.Equal(T0 + Rules.Quarantine, w.QuarantinedUntil);
    }

    [Fact]
    public void A_quarantined_worker_gets_no_work_until_its_cooldown_ends_and_one_more_fault_sends_it_back_at_once()
    {
        var s = With(With(Empty, "flaky", 8), "healthy", 1);
        for (var i = 0; i < 3; i++) s = s.Outcome(Id("flaky"), false, true, T0).State;

        var d = Requests(s, Request("q1"), Request("q2"));
        Assert.Equal(["q1-t0>healthy"], Assigned(d)); // 8 free slots on the flaky one, and still nothing

        var over = T0 + Rules.Quarantine;
        Assert.Empty(Assigned(d.State.QuarantineOver(over - TimeSpan.FromSeconds(1))));
        d = d.State.QuarantineOver(over);
        Assert.Equal(["q2-t0>flaky"], Assigned(d));
        Assert.Null(d.State.Workers[Id("flaky")].QuarantinedUntil);

        var halfOpen = d.State.Outcome(Id("flaky"), false, true, over);
        Assert.Single(halfOpen.Effects.OfType<Quarantined<string>>());
        Assert.Equal(4, halfOpen.State.Workers[Id("flaky")].ConsecutiveFailures);
    }

    [Fact]
    public void No_breaker_when_it_is_switched_off()
    {
        var s = new WorkerRegistryState<string>(Rules with { BreakerFailures = 0 });
        s = With(s, "w", 1);
        for (var i = 0; i < 5; i++) s = s.Outcome(Id("w"), false, true, T0).State;

        Assert.Equal((0, null), (s.Workers[Id("w")].ConsecutiveFailures, s.Workers[Id("w")].QuarantinedUntil));
    }

    [Fact]
    public void A_worker_silent_for_the_worker_timeout_is_gone_with_the_attempts_it_ran()
    {
        var s = Requests(With(Empty, "silent", 1), Request("r")).State;
        s = With(s, "late", 1, T0.AddSeconds(5));
        s = s.Request(Request("waiting"), T0.AddSeconds(5)).State; // "late" took it

        var kept = s.Sweep(T0 + Rules.WorkerTimeout);
        Assert.Empty(kept.Effects);

        var d = s.Sweep(T0 + Rules.WorkerTimeout + TimeSpan.FromSeconds(1));
        var gone = Assert.IsType<Gone<string>>(Assert.Single(d.Effects));
        Assert.Equal(("silent", "no heartbeat for 11 s"), (gone.Worker.Key, gone.Reason));
        Assert.Equal([new AttemptKey("r-t0", 1)], gone.Worker.Running.Keys);
        Assert.Equal([Id("late")], d.State.Workers.Keys);
    }

    [Fact]
    public void Only_the_registered_process_may_say_its_worker_leaves_and_a_stopped_process_takes_its_worker_with_it()
    {
        var s = With(With(Empty, "a", 1), "b", 1);

        Assert.Empty(s.Leave(Id("a"), "p:old-a", "it is shutting down", T0).Effects);
        var left = s.Leave(Id("a"), "p:a", "it is shutting down", T0);
        Assert.Equal("it is shutting down", Assert.IsType<Gone<string>>(Assert.Single(left.Effects)).Reason);

        var stopped = left.State.Stopped("p:b", "its actor stopped", T0);
        Assert.Equal("b", Assert.IsType<Gone<string>>(Assert.Single(stopped.Effects)).Worker.Key);
        Assert.Empty(stopped.State.Workers);
        Assert.Empty(stopped.State.Stopped("p:b", "again", T0).Effects);
    }

    [Fact]
    public void An_http_worker_is_admitted_by_address_and_known_again_and_no_more_than_the_cap_register_under_one_ip()
    {
        var first = Assert.IsType<HttpAdmission<string>.Admitted>(Empty.AdmitHttp("10.0.0.5", 20001));
        Assert.Equal((Id("http:10.0.0.5:20001"), "http://10.0.0.5:20001"), (first.Id, first.Endpoint));
        var v6 = Assert.IsType<HttpAdmission<string>.Admitted>(Empty.AdmitHttp("fd00::5", 20001));
        Assert.Equal(("http:[fd00::5]:20001", "http://[fd00::5]:20001"), (v6.Key, v6.Endpoint));

        var d = Empty.AddHttp(first, "proxy-1", 2, "10.0.0.5", T0);
        var joined = Assert.IsType<Joined<string>>(Assert.Single(d.Effects)).Worker;
        Assert.Equal((true, "http:10.0.0.5", 2), (joined.IsHttp, joined.Node, joined.Slots));
        var s = d.State;
        Assert.Same(joined, Assert.IsType<HttpAdmission<string>.Known>(s.AdmitHttp("10.0.0.5", 20001)).Worker);

        s = s.AddHttp(Assert.IsType<HttpAdmission<string>.Admitted>(s.AdmitHttp("10.0.0.5", 20002)), "proxy-2", 1, "10.0.0.5", T0).State;
        var refused = Assert.IsType<HttpAdmission<string>.Refused>(s.AdmitHttp("10.0.0.5", 20003));
        Assert.Equal(2, refused.SameIp);
        Assert.IsType<HttpAdmission<string>.Admitted>(s.AdmitHttp("10.0.0.6", 20001));

        Assert.Equal(T0.AddSeconds(1), s.HttpHeartbeat(first.Id, T0.AddSeconds(1))!.Workers[first.Id].LastSeen);
    }

    [Fact]
    public void The_version_moves_with_what_a_dashboard_shows_and_not_with_heartbeat_times()
    {
        var s = With(Empty, "w", 1);
        var v = s.Version;

        Assert.Equal(v, s.Heartbeat(Id("w"), [], T0.AddSeconds(1))!.State.Version);
        var queued = Requests(s, Request("a"), Request("b")).State;
        Assert.True(queued.Version > v);
        Assert.Equal(queued.Version, queued.Request(Request("b"), T0).State.Version); // a repeat changes nothing

        var quarantined = s;
        for (var i = 0; i < 3; i++) quarantined = quarantined.Outcome(Id("w"), false, true, T0).State;
        Assert.True(quarantined.Version > v);
        var lapsed = quarantined.QuarantineOver(T0 + Rules.Quarantine).State;
        Assert.True(lapsed.Version > quarantined.Version); // its quarantine no longer shows
        Assert.Equal(lapsed.Version, lapsed.QuarantineOver(T0 + Rules.Quarantine).State.Version);
    }
}
