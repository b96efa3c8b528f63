using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Domain.Segments;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Media.Execution;
using Akka.Transcode.Media.Paths;
using Akka.Transcode.Media.Running;
using Akka.Transcode.Media.Tests.Execution;
using Akka.Transcode.Media.Tests.Support;
using static Akka.Transcode.Media.Tests.Maps.DualFisheyeSource;

namespace Akka.Transcode.Media.Tests.Maps;

/// <summary>
/// Mapped jobs planned by <see cref="TaskPlanner"/>, run task by task through <see cref="FfmpegTaskExecutor"/> with
/// real ffmpeg, and the outputs compared with what the map should have made of the picture.
/// </summary>
public sealed class MapExecutionTests(DualFisheyeSource source) : IClassFixture<DualFisheyeSource>, IDisposable
{
    private const double Frame = 1 / Fps;

    /// <summary>The crop-and-mirror the remap tables below describe: a 320x160 window from (160, 80), flipped.</summary>
    private const int CropW = 320, CropH = 160, CropX = 160, CropY = 80;

    private const string CropMirror = "crop=320:160:160:80,hflip";

    private readonly ScratchDir _out = new();
    private readonly ScratchDir _mapDir = new();
    private readonly FfmpegTaskExecutor _executor = new(new FfmpegRunner(), TempRoots.Guard);

    public void Dispose()
    {
        _out.Dispose();
        _mapDir.Dispose();
    }

    private string WriteMap(string json, string name = "lens.json")
    {
        var path = _mapDir.File(name);
        File.WriteAllText(path, json);
        return path;
    }

    private const string MirrorX = "tables/mirror x.pgm", MirrorY = "tables/mirror y.pgm";

    /// <summary>16-bit tables for <see cref="CropMirror"/>; returns the map file.</summary>
    private string CropMirrorMap()
    {
        PgmTables.Write(_mapDir.File(MirrorX), CropW, CropH, (x, _) => CropX + CropW - 1 - x);
        PgmTables.Write(_mapDir.File(MirrorY), CropW, CropH, (_, y) => CropY + y);
        return WriteMap($$"""{"kind":"remap","xmap":"{{MirrorX}}","ymap":"{{MirrorY}}"}""");
    }

    private static string V360Json(int w, int h) =>
        $$"""{"kind":"v360","input":"dfisheye","output":"equirect","ih_fov":180,"iv_fov":180,"interp":"linear","w":{{w}},"h":{{h}}}""";

    private JobSpec Spec(string format, string mapPath, string? segments = null, OutputSettings? output = null)
    {
        var parsed = SegmentParser.Parse(segments);
        Assert.True(parsed.IsOk, parsed.Error?.Message);
        return new JobSpec
        {
            SourcePath = source.Path, DstDir = _out.Path, DstFormat = format, Segments = parsed.Value!,
            SegmentsText = segments, Output = output ?? OutputSettings.Default, MapPath = mapPath,
        };
    }

    private JobPlan Plan(JobSpec spec, PlanningOptions? options = null)
    {
        var plan = TaskPlanner.Plan("job", spec, source.Info, options ?? new PlanningOptions());
        Assert.True(plan.IsOk, plan.Error?.Message);
        return plan.Value!;
    }

    private async Task<TaskOutcome> Run(TaskSpec task) =>
        await _executor.RunAsync(task, _ => { }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

    private async Task<string> RunPlan(JobPlan plan)
    {
        var done = new HashSet<int>();
        while (done.Count < plan.Tasks.Count)
        {
            var ready = plan.Tasks.Where(t => !done.Contains(t.Index) && t.DependsOn.All(done.Contains)).ToList();
            Assert.NotEmpty(ready);
            foreach (var task in ready)
            {
                var outcome = await Run(task);
                Assert.True(outcome.Success, $"{task.Kind} task {task.Index}: {outcome.Error}");
                done.Add(task.Index);
            }
        }
        return plan.TempOutputPath;
    }

    private int FramesIn(double from, double to) =>
        MediaCheck.FramesIn(from, to, Fps, source.Frames, source.VideoOffset).Count;

    private static void AssertDecodesClean(string path) => Assert.Equal("", MediaCheck.DecodeErrors(path));

    private void AssertNoLeftovers()
    {
        var files = Directory.EnumerateFileSystemEntries(_out.Path, "*", SearchOption.AllDirectories).ToList();
        Assert.True(files.Count == 0, "left behind: " + string.Join(", ", files));
    }

    // ---- v360 ---------------------------------------------------------------------------------------------------

    [Fact]
    public async Task V360_turns_the_dual_fisheye_recording_back_into_its_equirectangular_picture()
    {
        // A size of the map's own, different from the source's, so the output size can only come from the map.
        var plan = Plan(Spec("mkv", WriteMap(V360Json(480, 240))));
        Assert.Equal(TaskKind.Transcode, Assert.Single(plan.Tasks).Kind);

        var output = await RunPlan(plan);

        Assert.Equal((480, 240), Size(output));
        Assert.Equal(source.Frames, MediaCheck.VideoFrames(output));
        Assert.InRange(MediaCheck.StreamSeconds(output, "v:0"), Seconds - Frame, Seconds + Frame);
        Assert.InRange(MediaCheck.StreamSeconds(output, "a:0"), Seconds - 0.1, Seconds + 0.1);
        AssertDecodesClean(output);
        // The picture is the equirectangular one the recording was made from (up to two projections' resampling
        // and two encodes), which the fisheye recording itself is nothing like.
        var mapped = source.LumaPsnr(output, "scale=480:240", Equirect);
        var unmapped = source.LumaPsnr(source.Path, "null", Equirect);
        Assert.True(mapped > 20 && unmapped < 15, $"PSNR against the equirectangular picture: mapped {mapped:0.0} dB, recording {unmapped:0.0} dB");
    }

    [Fact]
    public async Task V360_with_cuts_and_a_scale_keeps_the_frames_of_each_range()
    {
        var plan = Plan(Spec("mp4", WriteMap(V360Json(640, 320)), "0.5-1.5:2-2.9", new OutputSettings { Width = 320 }));

        var output = await RunPlan(plan);

        // The scale comes after the map: 320 wide, the map's 2:1 shape.
        Assert.Equal((320, 160), Size(output));
        var expected = FramesIn(0.5, 1.5) + FramesIn(2, 2.9);
        Assert.Equal(expected, MediaCheck.VideoFrames(output));
        Assert.InRange(MediaCheck.StreamSeconds(output, "a:0"), 1.9 - 0.1, 1.9 + 0.1);
        AssertDecodesClean(output);
    }

    // ---- remap --------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Remap_tables_mirror_a_window_of_the_picture_for_every_frame()
    {
        var plan = Plan(Spec("mkv", CropMirrorMap(), output: new OutputSettings { VideoCodec = "h264", Crf = 0 }));

        var output = await RunPlan(plan);

        Assert.Equal((CropW, CropH), Size(output));
        // The still tables hold for the whole recording: every frame comes out, none is added.
        Assert.Equal(source.Frames, MediaCheck.VideoFrames(output));
        Assert.InRange(MediaCheck.StreamSeconds(output, "v:0"), Seconds - Frame, Seconds + Frame);
        Assert.InRange(MediaCheck.FormatSeconds(output), Seconds - 0.1, Seconds + 0.1);
        AssertDecodesClean(output);
        // Lossless: each frame's luma is exactly the mirrored window of its source frame (chroma goes through
        // 4:4:4 for remap and back, so it is only close). The window unmirrored is not the same picture.
        var expected = LumaHashes(source.Path, CropMirror);
        Assert.Equal(expected, LumaHashes(output));
        Assert.NotEqual(expected, LumaHashes(source.Path, "crop=320:160:160:80"));
    }

    [Fact]
    public async Task A_chunked_remap_job_joins_to_every_frame()
    {
        // Lossless again, so every frame of the joined chunks can be compared with its mirrored source frame.
        var plan = Plan(Spec("mkv", CropMirrorMap(), output: new OutputSettings { VideoCodec = "h264", Crf = 0 }),
            new PlanningOptions(MaxTaskSeconds: 1, MinTaskSeconds: 0.5));
        var chunks = plan.Tasks.Where(t => t.Kind == TaskKind.Video).ToList();
        Assert.Equal(3, chunks.Count);
        Assert.All(chunks, c => Assert.NotNull(c.MapPath));

        var output = await RunPlan(plan);

        Assert.Equal((CropW, CropH), Size(output));
        Assert.Equal(source.Frames, MediaCheck.VideoFrames(output));
        Assert.InRange(MediaCheck.StreamSeconds(output, "v:0"), Seconds - Frame, Seconds + Frame);
        AssertDecodesClean(output);
        Assert.Equal(LumaHashes(source.Path, CropMirror), LumaHashes(output));
    }

    // ---- bad maps -----------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_map_made_bad_after_planning_fails_the_task_with_invalid_value_and_leaves_nothing()
    {
        var map = WriteMap(V360Json(640, 320));
        var task = Assert.Single(Plan(Spec("mp4", map)).Tasks);
        File.WriteAllText(map, """{"kind":"v360","input":"dfisheye","output":"equirect","ih_fov":400,"w":640,"h":320}""");

        var outcome = await Run(task);

        Assert.False(outcome.Success);
        Assert.Equal(ErrorCode.InvalidValue, outcome.Code);
        Assert.Contains(map, outcome.Error);
        Assert.Contains("'ih_fov' must be from 0 to 360", outcome.Error);
        AssertNoLeftovers();
    }

    [Fact]
    public async Task A_table_replaced_by_an_8_bit_one_fails_the_task_with_invalid_value()
    {
        var map = CropMirrorMap();
        var task = Assert.Single(Plan(Spec("mkv", map)).Tasks);
        // What a tool that writes 8-bit tables makes: coordinates only up to 255.
        PgmTables.Write(_mapDir.File(MirrorX), CropW, CropH, (x, _) => 255 - x % 256, maxval: 255);

        var outcome = await Run(task);

        Assert.Equal(ErrorCode.InvalidValue, outcome.Code);
        Assert.Contains("8-bit PGM", outcome.Error);
        AssertNoLeftovers();
    }

    [Fact]
    public async Task A_table_swapped_for_a_link_out_of_the_workers_roots_is_not_read()
    {
        var map = CropMirrorMap();
        var task = Assert.Single(Plan(Spec("mkv", map)).Tasks);
        using var outside = new ScratchDir();
        // A valid table, outside: what the link would have ffmpeg read.
        File.Move(_mapDir.File(MirrorX), outside.File("secret.pgm"));
        File.CreateSymbolicLink(_mapDir.File(MirrorX), outside.File("secret.pgm"));
        var worker = new FfmpegTaskExecutor(new FfmpegRunner(),
            new PathGuard(new MediaRoots([_mapDir.Path, _out.Path, Path.GetDirectoryName(source.Path)!])));

        var outcome = await worker.RunAsync(task, _ => { }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(ErrorCode.Forbidden, outcome.Code);
        Assert.Contains("outside the media roots", outcome.Error);
        AssertNoLeftovers();
    }

    [Fact]
    public async Task A_missing_map_fails_the_task_as_source_unusable()
    {
        var map = WriteMap(V360Json(640, 320));
        var task = Assert.Single(Plan(Spec("mp4", map)).Tasks);
        File.Delete(map);

        var outcome = await Run(task);

        Assert.Equal(ErrorCode.SourceUnusable, outcome.Code);
        Assert.Contains("does not exist", outcome.Error);
        AssertNoLeftovers();
    }
}
