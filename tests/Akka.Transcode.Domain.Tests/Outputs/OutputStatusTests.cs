using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Outputs;
using Akka.Transcode.Domain.Tasks;
using static Akka.Transcode.Domain.Tests.Jobs.JobSamples;

namespace Akka.Transcode.Domain.Tests.Outputs;

/// <summary>get_job's outputs: their final paths, and state and progress from the job's tasks or, without tasks, its state.</summary>
public class OutputStatusTests
{
    private static readonly JobSpec Group = Spec() with
    {
        DstFormat = "",
        Outputs =
        [
            .. Presets.Abr16x9,
            new OutputSpec { Kind = OutputKind.File, Name = "main", File = new FileOutputSpec("mp4", Domain.Media.OutputSettings.Default) },
            new OutputSpec
            {
                Kind = OutputKind.Ladder, Name = "dash",
                Ladder = new LadderSpec { Hls = false, Dash = true, Renditions = [new RenditionSpec("360p", null, 360, 800_000, null, null, 96_000)] },
            },
        ],
    };

    /// <summary>Tasks 0-2 make "cmaf" (weights 10, 10, 5), 3 makes "thumbs" (1), 4 makes "main" (4); "dash" has none yet.</summary>
    private static readonly IReadOnlyList<TaskSpec> Tasks =
    [
        Task(0, TaskKind.Video, 10) with { OutputName = "cmaf" },
        Task(1, TaskKind.Video, 10) with { OutputName = "cmaf" },
        Task(2, TaskKind.Join, 5, 0, 1) with { OutputName = "cmaf" },
        Task(3, TaskKind.Thumbnails, 1) with { OutputName = "thumbs" },
        Task(4, TaskKind.Transcode, 4) with { OutputName = "main" },
    ];

    [Fact]
    public void Every_output_names_its_final_paths_under_the_group_directory()
    {
        var outputs = OutputStatus.Describe(Group);

        Assert.Equal("/m/in", Group.OutputPath());
        Assert.Equal(
        [
            new OutputStatus("cmaf", "cmaf", OutputState.Waiting, 0, "/m/in/cmaf/master.m3u8",
                new OutputFiles(Hls: "/m/in/cmaf/master.m3u8", Dash: "/m/in/cmaf/manifest.mpd"), ["1080p", "720p", "480p", "360p"]),
            new OutputStatus("thumbs", "thumbnails", OutputState.Waiting, 0, "/m/in/thumbs",
                new OutputFiles(Sprite: "/m/in/thumbs/sprite.jpg", Vtt: "/m/in/thumbs/sprite.vtt"), []),
            new OutputStatus("main", "file", OutputState.Waiting, 0, "/m/in/main.mp4", new OutputFiles(), []),
            new OutputStatus("dash", "dash", OutputState.Waiting, 0, "/m/in/dash/manifest.mpd",
                new OutputFiles(Dash: "/m/in/dash/manifest.mpd"), ["360p"]),
        ], outputs, new OutputStatusComparer());
    }

    /// <summary>(job state, completed tasks, live percents) → each output's (state, progress): cmaf, thumbs, main, dash.</summary>
    public static TheoryData<JobState, int[], (int, double)[], string> States => new()
    {
        { JobState.Ready, [], [], "cmaf WAITING 0, thumbs WAITING 0, main WAITING 0, dash WAITING 0" },
        { JobState.InProgress, [], [(0, 50)], "cmaf IN_PROGRESS 20, thumbs WAITING 0, main WAITING 0, dash WAITING 0" },
        { JobState.InProgress, [0], [(1, 50), (4, 25)], "cmaf IN_PROGRESS 60, thumbs WAITING 0, main IN_PROGRESS 25, dash WAITING 0" },
        { JobState.InProgress, [0, 1, 2, 3], [(4, 150)], "cmaf READY 100, thumbs READY 100, main IN_PROGRESS 100, dash WAITING 0" },
        { JobState.InProgress, [0, 1, 2, 3, 4], [], "cmaf READY 100, thumbs READY 100, main READY 100, dash WAITING 0" },
        { JobState.Completed, [0, 1, 2, 3, 4], [], "cmaf COMPLETED 100, thumbs COMPLETED 100, main COMPLETED 100, dash COMPLETED 100" },
        { JobState.Failed, [0, 1, 2], [(3, 50)], "cmaf FAILED 100, thumbs FAILED 50, main FAILED 0, dash FAILED 0" },
        { JobState.Canceled, [3], [], "cmaf CANCELED 0, thumbs CANCELED 100, main CANCELED 0, dash CANCELED 0" },
    };

    [Theory]
    [MemberData(nameof(States))]
    public void State_and_progress_come_from_the_outputs_own_tasks(JobState job, int[] completed, (int, double)[] live, string expected)
    {
        var outputs = OutputStatus.Of(Group, Tasks, null, completed.ToHashSet(), live.ToDictionary(l => l.Item1, l => l.Item2), job, 37);

        Assert.Equal(expected, Render(outputs));
    }

    /// <summary>A row of the job list keeps no tasks: its outputs follow the job's state and progress.</summary>
    [Theory]
    [InlineData(JobState.Init, "WAITING 0")]
    [InlineData(JobState.Ready, "WAITING 0")]
    [InlineData(JobState.InProgress, "IN_PROGRESS 37")]
    [InlineData(JobState.Completed, "COMPLETED 100")]
    [InlineData(JobState.Failed, "FAILED 37")]
    [InlineData(JobState.Canceled, "CANCELED 37")]
    public void Without_tasks_every_output_follows_the_job(JobState job, string each)
    {
        var outputs = OutputStatus.Of(Group, [], null, new HashSet<int>(), new Dictionary<int, double>(), job, job is JobState.Init or JobState.Ready ? 0 : 37);

        Assert.All(outputs, o => Assert.Equal(each, $"{OutputStatus.Wire(o.State)} {o.Progress}"));
    }

    [Fact]
    public void Once_planned_a_ladder_lists_only_the_renditions_the_plan_kept()
    {
        var package = new PackagePlan("/m/.in.j1.tmp",
            [new LadderPackage("cmaf", "/m/.in.j1.tmp/cmaf", true, true, 4, [Track("480p"), Track("360p")], [])], []);

        var outputs = OutputStatus.Of(Group, Tasks, package, new HashSet<int>(), new Dictionary<int, double>(), JobState.Ready, 0);

        Assert.Equal(["480p", "360p"], outputs[0].Renditions);
        Assert.Equal(["360p"], outputs[3].Renditions);
    }

    private static TrackPackage Track(string name) => new(name, $"/w/{name}.mp4", $"/t/cmaf/{name}", 640, 360, 25, 800_000, "audio-128k");

    private static string Render(IEnumerable<OutputStatus> outputs) =>
        string.Join(", ", outputs.Select(o => $"{o.Name} {OutputStatus.Wire(o.State)} {o.Progress}"));

    private sealed class OutputStatusComparer : IEqualityComparer<OutputStatus>
    {
        public bool Equals(OutputStatus? a, OutputStatus? b) => Show(a) == Show(b);

        public int GetHashCode(OutputStatus o) => Show(o).GetHashCode();

        // Records compare lists by reference: the renditions are compared by their names.
        private static string Show(OutputStatus? o) => o is null ? "" : $"{o with { Renditions = Array.Empty<string>() }} [{string.Join(",", o.Renditions)}]";
    }
}
