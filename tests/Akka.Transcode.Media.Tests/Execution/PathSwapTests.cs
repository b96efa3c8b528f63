using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Domain.Segments;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Media.Execution;
using Akka.Transcode.Media.Paths;
using Akka.Transcode.Media.Running;
using Akka.Transcode.Media.Tests.Support;

namespace Akka.Transcode.Media.Tests.Execution;

/// <summary>
/// A task planned while its directories were real, run after one of them was swapped for a symbolic link to a
/// directory outside the worker's roots (as a local user with write access to a media directory could do between
/// add_job and the run): real ffmpeg, real links. The task fails with -6 and nothing appears or is read outside.
/// </summary>
public sealed class PathSwapTests : IClassFixture<ExecutionSource>, IDisposable
{
    private readonly ExecutionSource _source;
    private readonly ScratchDir _dir = new();
    private readonly string _root;
    private readonly string _outside;
    private readonly string _input;
    private readonly FfmpegTaskExecutor _executor;

    public PathSwapTests(ExecutionSource source)
    {
        _source = source;
        _root = Directory.CreateDirectory(_dir.File("root")).FullName;
        _outside = Directory.CreateDirectory(_dir.File("outside")).FullName;
        _input = Path.Combine(Directory.CreateDirectory(Path.Combine(_root, "in")).FullName, "record.bin");
        File.Copy(source.Path, _input);
        _executor = new FfmpegTaskExecutor(new FfmpegRunner(), new PathGuard(new MediaRoots([_root])));
    }

    public void Dispose() => _dir.Dispose();

    private JobPlan Plan(PlanningOptions? options = null, string segments = "0-4")
    {
        var spec = new JobSpec
        {
            SourcePath = _input, DstDir = Directory.CreateDirectory(Path.Combine(_root, "dst")).FullName, DstFormat = "mkv",
            Segments = SegmentParser.Parse(segments).Value!, SegmentsText = segments,
            Output = new OutputSettings { VideoCodec = "h264" },
        };
        var plan = TaskPlanner.Plan("job", spec, _source.Info, options ?? new PlanningOptions());
        Assert.True(plan.IsOk, plan.Error?.Message);
        return plan.Value!;
    }

    private static void SwapForLink(string dir, string target)
    {
        Directory.Delete(dir, recursive: true);
        Directory.CreateSymbolicLink(dir, target);
    }

    private async Task<TaskOutcome> Run(TaskSpec task) =>
        await _executor.RunAsync(task, _ => { }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

    private static void AssertRefused(TaskOutcome outcome, string words)
    {
        Assert.False(outcome.Success, "the task ran through a link out of the roots");
        Assert.Equal(ErrorCode.Forbidden, outcome.Code);
        Assert.Contains(words, outcome.Error);
        Assert.Contains("outside the media roots", outcome.Error);
    }

    [Fact]
    public async Task A_destination_swapped_for_a_link_out_gets_nothing_written_through_it()
    {
        var plan = Plan();
        SwapForLink(Path.Combine(_root, "dst"), _outside);

        AssertRefused(await Run(plan.Tasks.Single()), "output directory");
        Assert.Empty(Directory.EnumerateFileSystemEntries(_outside));
    }

    [Fact]
    public async Task An_input_directory_swapped_for_a_link_out_is_not_read()
    {
        var plan = Plan();
        // Outside, under the same name: the file a swapped link would have ffmpeg read instead.
        var secret = Directory.CreateDirectory(Path.Combine(_outside, "in")).FullName;
        File.Copy(_input, Path.Combine(secret, "record.bin"));
        SwapForLink(Path.Combine(_root, "in"), secret);

        AssertRefused(await Run(plan.Tasks.Single()), "input");
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_root, "dst")));
        Assert.Equal(["record.bin"], Directory.EnumerateFileSystemEntries(secret).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_parts_directory_made_a_link_out_gets_no_part()
    {
        var plan = Plan(new PlanningOptions(MaxTaskSeconds: 2, WorkerSlots: 1, MinTaskSeconds: 1));
        var video = plan.Tasks.First(t => t.Kind == TaskKind.Video);
        Assert.Equal(plan.WorkDir, Path.GetDirectoryName(video.OutputPath));
        var parts = Directory.CreateDirectory(Path.Combine(_outside, "parts")).FullName;
        Directory.CreateSymbolicLink(plan.WorkDir, parts);

        AssertRefused(await Run(video), "output directory");
        Assert.Empty(Directory.EnumerateFileSystemEntries(parts));
        Assert.NotNull(new FileInfo(plan.WorkDir).LinkTarget); // the link itself is left alone
    }

    [Fact]
    public async Task A_destination_swapped_while_ffmpeg_runs_gets_no_output_renamed_through_it()
    {
        // Twelve seconds re-encoded: long enough for ffmpeg to report progress while it writes.
        var task = Plan(segments: "0-12").Tasks.Single();
        var dst = Path.Combine(_root, "dst");
        var swapped = 0;
        void SwapOnce(TaskProgress _)
        {
            if (Interlocked.Exchange(ref swapped, 1) == 1) return;
            // ffmpeg keeps writing into the moved directory; the link puts a file of the same name outside, which a
            // rename by path would take for the finished output.
            Directory.Move(dst, dst + "-moved");
            Directory.CreateSymbolicLink(dst, _outside);
            foreach (var partial in Directory.EnumerateFiles(dst + "-moved", "*.partial-*"))
                File.WriteAllText(Path.Combine(_outside, Path.GetFileName(partial)), "planted");
        }

        var outcome = await _executor.RunAsync(task, SwapOnce, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(120));

        Assert.True(swapped == 1, "ffmpeg reported no progress, so nothing was swapped while it ran");
        AssertRefused(outcome, "output");
        Assert.False(File.Exists(Path.Combine(_outside, Path.GetFileName(task.OutputPath))), "the output was renamed through the link");
        Assert.All(Directory.EnumerateFiles(_outside), f => Assert.Equal("planted", File.ReadAllText(f)));
    }

    [Fact]
    public async Task A_task_whose_paths_lie_outside_this_workers_roots_writes_nothing()
    {
        // The worker's own roots, not the master's word: a task naming files elsewhere is refused before ffmpeg.
        var plan = Plan();
        var elsewhere = new FfmpegTaskExecutor(new FfmpegRunner(), new PathGuard(new MediaRoots([_outside])));

        var outcome = await elsewhere.RunAsync(plan.Tasks.Single(), _ => { }, CancellationToken.None);

        AssertRefused(outcome, "input");
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_root, "dst")));
    }

    [Fact]
    public async Task Unswapped_the_same_task_runs()
    {
        var task = Plan().Tasks.Single();

        var outcome = await Run(task);

        Assert.True(outcome.Success, outcome.Error);
        Assert.True(File.Exists(task.OutputPath));
    }
}
