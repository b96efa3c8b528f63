using Akka.Actor;
using Akka.TestKit;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Actors.Tests.Support;
using Akka.Transcode.Actors.Workers;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Media.Execution;
using Xunit.Abstractions;
using Failure = Akka.Transcode.Domain.Failure;

namespace Akka.Transcode.Actors.Tests;

/// <summary>A job's planning step on its own: what it asks, the one answer its parent gets, and that it stops.</summary>
public sealed class JobPlannerTests : Akka.TestKit.Xunit2.TestKit
{
    private const double MaxTaskSeconds = 30;

    private readonly string _dir = Directory.CreateTempSubdirectory("akka-transcode-planner-").FullName;
    private readonly TestProbe _registry;
    private readonly TestProbe _parent;

    public JobPlannerTests(ITestOutputHelper output) : base(TestConfig.Local(), output: output)
    {
        _registry = CreateTestProbe("registry");
        _parent = CreateTestProbe("job");
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private IActorRef Plan(string jobId, JobSpec spec, ISourceProber prober) =>
        StepParents.Spawn(Sys, JobPlanner.Props(jobId, spec, prober, _registry.Ref, MaxTaskSeconds), _parent.Ref);

    private static WorkersSnapshot TwoSlots() =>
        new([new WorkerInfo("w-1", "key-1", null, 2, [], DateTimeOffset.UtcNow)], 0);

    /// <summary>The source a plain prober cannot hash: its content id throws as an unreadable file would.</summary>
    private sealed class UnreadableProber : ISourceProber
    {
        public Task<Result<MediaInfo>> ProbeAsync(string path, CancellationToken ct) =>
            Task.FromResult(Result<MediaInfo>.Ok(FakeProber.H264Aac60));

        public Task<string> ContentIdAsync(string path, CancellationToken ct) =>
            Task.FromException<string>(new UnauthorizedAccessException($"Access to the path '{path}' is denied."));
    }

    [Fact]
    public void The_plan_uses_the_registry_s_lanes_carries_the_inputs_ids_and_stamps_and_the_planner_stops()
    {
        var source = Path.Combine(_dir, "movie.mp4");
        File.WriteAllText(source, "not really a movie");
        var spec = Samples.H264Job(_dir) with { SourcePath = source };
        var prober = FakeProber.Returning(FakeProber.H264Aac60);

        var planner = Plan("p1", spec, prober);
        Watch(planner);
        _registry.ExpectMsg<GetWorkers>();
        _registry.Reply(TwoSlots());

        var plan = _parent.ExpectMsg<PlanReady>().Plan;
        ExpectTerminated(planner);
        Assert.Equal(1, prober.Calls);
        // Two slots: two 30 s chunks and their join, as the job entity's own tests expect.
        Assert.Equal([TaskKind.Video, TaskKind.Video, TaskKind.Join], plan.Tasks.Select(t => t.Kind));
        var expectedId = prober.ContentIdAsync(source, CancellationToken.None).Result;
        Assert.All(plan.Tasks, t => Assert.Equal(expectedId, t.FileIds![source]));
        Assert.All(plan.Tasks, t => Assert.Equal(Media.Hashing.FileStamp.Of(source)!.Value.Text, t.FileStamps![source]));
        _parent.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_registry_that_does_not_answer_means_a_plan_for_one_slot()
    {
        var spec = Samples.H264Job(_dir);

        Plan("p2", spec, FakeProber.Returning(FakeProber.H264Aac60));
        _registry.ExpectMsg<GetWorkers>();

        var plan = _parent.ExpectMsg<PlanReady>(JobPlanner.RegistryTimeout + TimeSpan.FromSeconds(3)).Plan;
        var oneSlot = TaskPlanner.Plan("p2", spec, FakeProber.H264Aac60, new PlanningOptions(MaxTaskSeconds, 1)).Value!;
        Assert.Equal(oneSlot.Tasks.Select(t => (t.Kind, t.FromTime, t.ToTime)), plan.Tasks.Select(t => (t.Kind, t.FromTime, t.ToTime)));
    }

    [Fact]
    public void A_source_the_probe_refuses_fails_the_plan_with_the_probe_s_error_without_asking_the_registry()
    {
        var planner = Plan("p3", Samples.H264Job(_dir), FakeProber.Failing(ErrorCode.SourceUnusable, "moov atom not found"));
        Watch(planner);

        var failed = _parent.ExpectMsg<PlanFailed>().Failure;
        Assert.Equal(new Failure(ErrorCode.SourceUnusable, "moov atom not found"), failed);
        ExpectTerminated(planner);
        _registry.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void An_input_that_cannot_be_read_fails_the_plan_as_an_unusable_source()
    {
        Plan("p4", Samples.H264Job(_dir), new UnreadableProber());

        var failed = _parent.ExpectMsg<PlanFailed>().Failure;
        Assert.Equal(ErrorCode.SourceUnusable, failed.Code);
        Assert.Contains("an input of the job cannot be read", failed.Message);
        Assert.Contains("denied", failed.Message);
    }

    [Fact]
    public void A_segment_past_the_end_of_the_source_fails_the_plan_with_invalid_value()
    {
        var spec = Samples.H264Job(_dir) with { Segments = [Samples.Range(100, 110)], SegmentsText = "100-110" };

        Plan("p5", spec, FakeProber.Returning(FakeProber.H264Aac60));
        _registry.ExpectMsg<GetWorkers>();
        _registry.Reply(TwoSlots());

        var failed = _parent.ExpectMsg<PlanFailed>().Failure;
        Assert.Equal(ErrorCode.InvalidValue, failed.Code);
        Assert.Contains("100-110", failed.Message);
    }
}
