using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Domain.Segments;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Media.Execution;
using Akka.Transcode.Media.Tests.Support;

namespace Akka.Transcode.Media.Tests.Execution;

/// <summary>
/// The instant executor (Transcode:Worker:Executor=instant) runs real plans from <see cref="TaskPlanner"/>: every
/// task's output appears exactly where ffmpeg's would, made of its inputs' bytes, and nothing else is left behind.
/// </summary>
public sealed class InstantTaskExecutorTests : IDisposable
{
    private readonly ScratchDir _dir = new();
    private readonly InstantTaskExecutor _executor = new(TempRoots.Guard);
    private readonly string _source;
    private readonly byte[] _sourceBytes = Enumerable.Range(0, 10_000).Select(i => (byte)(i * 7)).ToArray();

    public InstantTaskExecutorTests()
    {
        // Not media: the executor never looks inside its inputs.
        _source = _dir.File("record.bin");
        File.WriteAllBytes(_source, _sourceBytes);
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>60 s of H.264 and AAC, as a probe would report it.</summary>
    private static readonly MediaInfo Hd60 = new("mpegts", 60,
        new VideoStreamInfo("h264", 1280, 720, 30, "yuv420p"), new AudioStreamInfo("aac", 48000, 2));

    private JobPlan Plan(string format, OutputSettings output, PlanningOptions options)
    {
        var spec = new JobSpec
        {
            SourcePath = _source, DstDir = _dir.File("out"), DstFormat = format, Segments = SegmentParser.Parse(null).Value!,
            Output = output,
        };
        var plan = TaskPlanner.Plan("job-1", spec, Hd60, options);
        Assert.True(plan.IsOk, plan.Error?.Message);
        return plan.Value!;
    }

    private static readonly string[] NoLeftovers = [".partial-", ".ffconcat"];

    private void AssertNothingLeftBut(IEnumerable<string> outputs)
    {
        var expected = outputs.Select(Path.GetFullPath).Append(Path.GetFullPath(_source)).Order().ToList();
        var present = Directory.EnumerateFiles(_dir.Path, "*", SearchOption.AllDirectories).Select(Path.GetFullPath).Order().ToList();
        Assert.Equal(expected, present);
        Assert.DoesNotContain(present, p => NoLeftovers.Any(p.Contains));
    }

    [Fact]
    public async Task A_single_task_plan_writes_a_copy_of_the_source_to_the_tasks_output()
    {
        var plan = Plan("ts", OutputSettings.Default, new PlanningOptions());
        var task = Assert.Single(plan.Tasks);
        Assert.Equal(TaskKind.Transcode, task.Kind);
        var progress = new List<TaskProgress>();

        var outcome = await _executor.RunAsync(task, progress.Add, CancellationToken.None);

        Assert.Equal(TaskOutcome.Succeeded, outcome);
        Assert.Equal(plan.TempOutputPath, task.OutputPath);
        Assert.Equal(_sourceBytes, await File.ReadAllBytesAsync(task.OutputPath));
        Assert.Equal(100, Assert.Single(progress).Percent);
        AssertNothingLeftBut([task.OutputPath]);
    }

    [Fact]
    public async Task A_chunked_plan_runs_in_order_and_its_join_concatenates_the_parts()
    {
        var plan = Plan("mp4", new OutputSettings { VideoCodec = "h264" }, new PlanningOptions(MaxTaskSeconds: 20, WorkerSlots: 3));
        var videos = plan.Tasks.Where(t => t.Kind == TaskKind.Video).ToList();
        var join = Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Join);
        Assert.True(videos.Count >= 3, $"expected at least 3 video chunks, planned {videos.Count}");

        foreach (var task in plan.Tasks.Where(t => t.Kind != TaskKind.Join))
        {
            Assert.Equal(TaskOutcome.Succeeded, await _executor.RunAsync(task, _ => { }, CancellationToken.None));
            Assert.Equal(_sourceBytes, await File.ReadAllBytesAsync(task.OutputPath));
        }
        Assert.Equal(TaskOutcome.Succeeded, await _executor.RunAsync(join, _ => { }, CancellationToken.None));

        var parts = join.VideoParts.Concat(join.AudioPart is null ? [] : [join.AudioPart]).ToList();
        Assert.Equal(parts.Count * _sourceBytes.Length, new FileInfo(join.OutputPath).Length);
        Assert.Equal(parts.SelectMany(_ => _sourceBytes), await File.ReadAllBytesAsync(join.OutputPath));
        Assert.Equal(plan.TempOutputPath, join.OutputPath);
        AssertNothingLeftBut(plan.Tasks.Select(t => t.OutputPath));
    }

    [Fact]
    public async Task A_missing_source_fails_the_task_as_unusable_and_writes_nothing()
    {
        var task = Assert.Single(Plan("ts", OutputSettings.Default, new PlanningOptions()).Tasks);
        File.Delete(_source);

        var outcome = await _executor.RunAsync(task, _ => { }, CancellationToken.None);

        Assert.False(outcome.Success);
        Assert.Equal(ErrorCode.SourceUnusable, outcome.Code);
        Assert.Contains(_source, outcome.Error);
        Assert.Empty(Directory.EnumerateFiles(_dir.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_join_whose_part_is_missing_fails_and_writes_nothing()
    {
        var plan = Plan("mp4", new OutputSettings { VideoCodec = "h264" }, new PlanningOptions(MaxTaskSeconds: 20, WorkerSlots: 3));
        var join = Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Join);

        var outcome = await _executor.RunAsync(join, _ => { }, CancellationToken.None);

        Assert.False(outcome.Success);
        Assert.Equal(ErrorCode.Internal, outcome.Code);
        Assert.Contains(join.VideoParts[0], outcome.Error);
        AssertNothingLeftBut([]);
    }

    [Fact]
    public async Task A_cancelled_attempt_reports_cancelled_and_leaves_no_partial_file()
    {
        var task = Assert.Single(Plan("ts", OutputSettings.Default, new PlanningOptions()).Tasks);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        var outcome = await _executor.RunAsync(task, _ => { }, cts.Token);

        Assert.Equal(TaskOutcome.WasCanceled, outcome);
        AssertNothingLeftBut([]);
    }
}
