using Akka.Transcode.Domain.Outputs;
using Akka.Transcode.Domain.Jobs;
using static Akka.Transcode.Domain.Tests.Jobs.JobSamples;

namespace Akka.Transcode.Domain.Tests.Jobs;

public class JobSummaryTests
{
    /// <summary>Event histories a job entity can really write: each step is decided by the entity's own rules.</summary>
    private static List<IJobEvent> History(string name)
    {
        var state = JobEntityState.Empty;
        var events = new List<IJobEvent>();
        var clock = 0;
        void Do(Func<JobEntityState, IEnumerable<IJobEvent>> decide)
        {
            var decided = decide(state).ToList();
            Assert.NotEmpty(decided);
            events.AddRange(decided);
            state = state.Apply(decided);
            clock++;
        }

        Do(s => s.DecideSubmit(JobId, Spec(), At(clock)).Value!);
        switch (name)
        {
            case "completed":
                Do(s => s.DecidePlanned(Plan(), At(clock)));
                Do(s => s.DecideTaskStarted(At(clock)));
                Do(s => s.DecideTaskCompleted(1, At(clock)));
                Do(s => s.DecideTaskCompleted(0, At(clock)));
                Do(s => s.DecideProgress(s.ComputeProgress(new Dictionary<int, double> { [2] = 40 }), 1, At(clock)));
                Do(s => s.DecideTaskCompleted(2, At(clock)));
                Do(s => s.DecideProgress(s.ComputeProgress(new Dictionary<int, double> { [3] = 90 }), 1, At(clock)));
                Do(s => s.DecideTaskCompleted(3, At(clock)));
                Do(s => s.DecideCompleted("/m/in.mp4", At(clock)));
                break;
            case "failed while running":
                Do(s => s.DecidePlanned(Plan(), At(clock)));
                Do(s => s.DecideTaskCompleted(2, At(clock))); // starts the job as well
                Do(s => s.DecideProgress(s.ComputeProgress(new Dictionary<int, double> { [0] = 50 }), 1, At(clock)));
                Do(s => s.DecideFailed(ErrorCode.Internal, "ffmpeg exited with code 1", At(clock)));
                break;
            case "canceled while init":
                Do(s => s.DecideCancel(At(clock)).Value!);
                break;
            case "canceled while running":
                Do(s => s.DecidePlanned(Plan(), At(clock)));
                Do(s => s.DecideTaskStarted(At(clock)));
                Do(s => s.DecideTaskCompleted(0, At(clock)));
                Do(s => s.DecideCancel(At(clock)).Value!);
                break;
            case "failed planning":
                Do(s => s.DecideFailed(ErrorCode.InvalidValue, "segment 70-80 starts after the end", At(clock)));
                break;
            case "running":
                Do(s => s.DecidePlanned(Plan(), At(clock)));
                Do(s => s.DecideTaskStarted(At(clock)));
                Do(s => s.DecideProgress(s.ComputeProgress(new Dictionary<int, double> { [0] = 60, [1] = 20 }), 1, At(clock)));
                Do(s => s.DecideTaskCompleted(1, At(clock)));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(name));
        }
        return events;
    }

    public static TheoryData<string> Histories() =>
        ["completed", "failed while running", "canceled while init", "canceled while running", "failed planning", "running"];

    private static JobSummary? Fold(IEnumerable<IJobEvent> events) => events.Aggregate((JobSummary?)null, JobSummary.Apply);

    /// <summary>Every field of a row, lists spelled out so two rows compare by value.</summary>
    private static string Row(JobSummary? s) => s is null ? "null" : string.Join(" | ",
        s.Id, s.State, s.SourcePath, s.OutputPath, s.DstFormat, s.Segments, s.Priority, s.Progress, s.CreatedAt, s.UpdatedAt,
        s.ErrorCode, s.ErrorMessage, s.TaskCount, string.Join(",", s.CompletedTasks), string.Join(",", s.Notes),
        string.Join(",", s.Outputs.Select(o => $"{o.Name} {o.State} {o.Progress} {string.Join("/", o.Renditions)}")));

    [Theory]
    [MemberData(nameof(Histories))]
    public void Fold_agrees_with_the_job_entity(string name)
    {
        var events = History(name);

        var summary = Fold(events)!;
        var entity = JobEntityState.Replay(events);

        Assert.Equal(entity.Id, summary.Id);
        Assert.Equal(entity.State, summary.State);
        Assert.Equal(entity.Progress, summary.Progress);
        Assert.Equal(entity.Tasks.Count, summary.TaskCount);
        Assert.Equal(entity.Completed.Order(), summary.CompletedTasks.Order());
        Assert.Equal(entity.ErrorCode, summary.ErrorCode);
        Assert.Equal(entity.ErrorMessage, summary.ErrorMessage);
        Assert.Equal(entity.CreatedAt, summary.CreatedAt);
        Assert.Equal(entity.UpdatedAt, summary.UpdatedAt);
        Assert.Equal(entity.Notes, summary.Notes);
        Assert.Equal(entity.OutputPath ?? entity.Spec!.OutputPath(), summary.OutputPath);
    }

    [Theory]
    [MemberData(nameof(Histories))]
    public void Applying_each_event_twice_is_the_same_as_once(string name)
    {
        var events = History(name);

        var twice = Fold(events.SelectMany(e => new[] { e, e }));

        Assert.Equal(Row(Fold(events)), Row(twice));
    }

    [Theory]
    [MemberData(nameof(Histories))]
    public void Replaying_any_tail_of_the_history_again_changes_nothing(string name)
    {
        var events = History(name);
        var once = Row(Fold(events));

        for (var k = 0; k < events.Count; k++)
            Assert.Equal(once, Row(Fold(events.Concat(events.Skip(k)))));
    }

    [Fact]
    public void Submission_fills_the_row_from_the_spec()
    {
        var spec = Spec() with { Priority = 7 };
        var row = JobSummary.Apply(null, new JobSubmitted(JobId, spec, At(0)))!;

        Assert.Equal(JobId, row.Id);
        Assert.Equal(JobState.Init, row.State);
        Assert.Equal(spec.SourcePath, row.SourcePath);
        Assert.Equal(spec.OutputPath(), row.OutputPath);
        Assert.Equal("mp4", row.DstFormat);
        Assert.Equal("1-5:2-10", row.Segments);
        Assert.Equal(7, row.Priority);
        Assert.Equal(At(0), row.CreatedAt);
        Assert.Equal(0, row.Progress);
    }

    [Fact]
    public void Events_of_a_job_never_submitted_here_are_ignored()
    {
        Assert.Null(JobSummary.Apply(null, new JobStarted(JobId, At(1))));
        Assert.Null(JobSummary.Apply(null, new JobCompleted(JobId, "/m/x.mp4", At(1))));
    }

    [Fact]
    public void Updated_at_never_goes_back()
    {
        var row = JobSummary.Apply(null, new JobSubmitted(JobId, Spec(), At(0)))!;
        row = JobSummary.Apply(row, new JobProgressed(JobId, 20, At(10)))!;
        row = JobSummary.Apply(row, new JobProgressed(JobId, 10, At(5)))!;

        Assert.Equal(At(10), row.UpdatedAt);
        Assert.Equal(20, row.Progress);
    }

    private static readonly JobSpec Group = Spec() with { DstFormat = "", Outputs = Presets.Abr16x9 };

    [Fact]
    public void A_classic_job_has_no_outputs_in_its_row()
    {
        Assert.Empty(Fold(History("completed"))!.Outputs);
    }

    /// <summary>A row keeps no tasks: its outputs follow the job's state, their renditions what the plan kept.</summary>
    [Fact]
    public void An_output_group_rows_outputs_follow_the_job()
    {
        var package = new PackagePlan("/m/.in.j1.tmp",
            [new LadderPackage("cmaf", "/m/.in.j1.tmp/cmaf", true, true, 4,
                [new TrackPackage("360p", "/w/360p.mp4", "/m/.in.j1.tmp/cmaf/360p", 640, 360, 25, 800_000, "audio-128k")], [])], []);
        string Show(JobSummary r) => string.Join(", ", r.Outputs.Select(o =>
            $"{o.Name} {OutputStatus.Wire(o.State)} {o.Progress} [{string.Join(",", o.Renditions)}]"));

        var row = JobSummary.Apply(null, new JobSubmitted(JobId, Group, At(0)))!;
        Assert.Equal("cmaf WAITING 0 [1080p,720p,480p,360p], thumbs WAITING 0 []", Show(row));
        Assert.Equal(["/m/in/cmaf/master.m3u8", "/m/in/thumbs"], row.Outputs.Select(o => o.Path));

        row = JobSummary.Apply(row, new JobPlanned(JobId, Plan().Tasks, 20, "/m/.in.j1.tmp", "/m/.transcode-j1", [], At(1), package))!;
        row = JobSummary.Apply(row, new JobStarted(JobId, At(2)))!;
        row = JobSummary.Apply(row, new JobProgressed(JobId, 42, At(3)))!;
        Assert.Equal("cmaf IN_PROGRESS 42 [360p], thumbs IN_PROGRESS 42 []", Show(row));

        Assert.Equal("cmaf COMPLETED 100 [360p], thumbs COMPLETED 100 []", Show(JobSummary.Apply(row, new JobCompleted(JobId, "/m/in", At(4)))!));
        Assert.Equal("cmaf FAILED 42 [360p], thumbs FAILED 42 []", Show(JobSummary.Apply(row, new JobFailed(JobId, ErrorCode.Internal, "x", At(4)))!));
        Assert.Equal("cmaf CANCELED 42 [360p], thumbs CANCELED 42 []", Show(JobSummary.Apply(row, new JobCanceled(JobId, At(4)))!));
    }

    /// <summary>The job list stores a row as JSON (camelCase, like JobReadStore): the outputs come back whole.</summary>
    [Fact]
    public void An_output_group_row_survives_the_read_stores_json()
    {
        var json = new System.Text.Json.JsonSerializerOptions { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase };
        var row = JobSummary.Apply(null, new JobSubmitted(JobId, Group, At(0)))!;

        var back = System.Text.Json.JsonSerializer.Deserialize<JobSummary>(System.Text.Json.JsonSerializer.Serialize(row, json), json)!;

        Assert.Equal(Row(row), Row(back));
        Assert.Equal(row.Outputs.Select(o => o.Files), back.Outputs.Select(o => o.Files));
        Assert.Equal(row.Outputs.Select(o => o.Path), back.Outputs.Select(o => o.Path));
    }
}
