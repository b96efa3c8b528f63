using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Maps;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Domain.Tasks;
using static Akka.Transcode.Domain.Tests.Planning.PlanSamples;

namespace Akka.Transcode.Domain.Tests.Media;

/// <summary>Stitching maps in ffmpeg arguments: where the filter goes, and how remap tables are read.</summary>
public class FfmpegMapArgumentsTests
{
    private const string MapPath = "/media/maps/lens.json";
    private const string XPath = "/media/maps/lens.x.pgm", YPath = "/media/maps/lens.y.pgm";
    private const string V360Text = "v360=input=dfisheye:output=equirect:w=640:h=320:ih_fov=190:iv_fov=190";

    private static readonly V360Map V360 = ParseV360(
        """{"kind":"v360","input":"dfisheye","output":"equirect","ih_fov":190,"iv_fov":190,"w":640,"h":320}""");

    private static readonly RemapMap Remap = new(XPath, YPath, 640, 320);

    private static V360Map ParseV360(string json) =>
        Assert.IsType<V360Definition>(StitchMapParser.Parse(json).Value).Map;

    private static JobSpec Mapped(string format, string? segments = null, OutputSettings? output = null,
        string sourcePath = SourcePath, string dstDir = DstDir) =>
        Spec(format, segments, output, sourcePath, dstDir) with
        {
            MapPath = MapPath, MapTables = [new MapTable("lens.x.pgm", XPath), new MapTable("lens.y.pgm", YPath)],
        };

    private static TaskSpec OnlyTask(JobSpec spec) => Assert.Single(PlanOk(spec).Tasks);

    private static string ValueAfter(IReadOnlyList<string> args, string option)
    {
        var i = args.ToList().IndexOf(option);
        Assert.True(i >= 0 && i + 1 < args.Count, $"{option} missing in: {string.Join(" ", args)}");
        return args[i + 1];
    }

    private static List<string> Inputs(IReadOnlyList<string> args) =>
        args.Select((a, i) => (a, i)).Where(x => x.a == "-i").Select(x => args[x.i + 1]).ToList();

    private static List<string> Maps(IReadOnlyList<string> args) =>
        args.Select((a, i) => (a, i)).Where(x => x.a == "-map").Select(x => args[x.i + 1]).ToList();

    // ---- which tasks take a map ---------------------------------------------------------------------------------

    [Fact]
    public void A_task_with_a_map_path_cannot_be_built_without_its_map()
    {
        var task = OnlyTask(Mapped("mp4"));

        var e = Assert.Throws<ArgumentException>(() => FfmpegArguments.Build(task));
        Assert.Contains(MapPath, e.Message);
    }

    [Fact]
    public void A_map_for_a_task_without_a_map_path_is_refused()
    {
        var task = OnlyTask(Spec("mp4", "1-5"));

        Assert.Throws<ArgumentException>(() => FfmpegArguments.Build(task, map: V360));
    }

    [Fact]
    public void Only_re_encoded_video_of_transcode_and_video_tasks_takes_a_map()
    {
        var copy = OnlyTask(Spec("mp4")) with { MapPath = MapPath };
        var chunked = PlanOk(Mapped("mp4", "1-25", new OutputSettings { VideoCodec = "h264" }),
            options: new PlanningOptions(MaxTaskSeconds: 10, MinTaskSeconds: 1));
        var audio = Assert.Single(chunked.Tasks, t => t.Kind == TaskKind.Audio) with { MapPath = MapPath };
        var join = Assert.Single(chunked.Tasks, t => t.Kind == TaskKind.Join) with { MapPath = MapPath };

        Assert.Equal(StreamAction.Copy, copy.Video.Action);
        foreach (var task in new[] { copy, audio, join })
            Assert.Throws<ArgumentException>(() => FfmpegArguments.Build(task, map: V360));
    }

    // ---- v360 ---------------------------------------------------------------------------------------------------

    [Fact]
    public void V360_on_a_whole_source_is_the_video_filter()
    {
        var task = OnlyTask(Mapped("mp4"));

        var args = FfmpegArguments.Build(task, map: V360).Arguments;

        Assert.Equal(V360Text, ValueAfter(args, "-vf"));
        Assert.Equal(["file:" + SourcePath], Inputs(args));
        Assert.Equal(["0:v:0", "0:a:0"], Maps(args));
        Assert.Equal("libx264", ValueAfter(args, "-c:v"));
    }

    [Fact]
    public void V360_comes_before_the_scale()
    {
        var task = OnlyTask(Mapped("mp4", output: new OutputSettings { Width = 1280 }));

        var args = FfmpegArguments.Build(task, map: V360).Arguments;

        Assert.Equal(V360Text + ",scale=1280:-2", ValueAfter(args, "-vf"));
    }

    [Fact]
    public void V360_with_cuts_maps_the_joined_cuts_once_then_scales()
    {
        var task = OnlyTask(Mapped("flv", "1-5:2-10", new OutputSettings { Height = 720 }));

        var args = FfmpegArguments.Build(task, map: V360).Arguments;

        var graph = ValueAfter(args, "-filter_complex");
        Assert.EndsWith($";[vcat]{V360Text},scale=-2:720[vout]", graph);
        Assert.Single(graph.Split("v360=").Skip(1));
        Assert.Equal(2, graph.Split("trim=end_frame=").Length - 1);
        Assert.Equal(["[vout]", "[acat]"], Maps(args));
        Assert.Equal(Enumerable.Repeat("file:" + SourcePath, 2), Inputs(args));
        Assert.DoesNotContain("-vf", args);
    }

    [Theory]
    [InlineData("input", "e:w=1")]
    [InlineData("output", "flat,scale=2:2")]
    [InlineData("yaw", "1[x]")]
    [InlineData("pitch", "'1'")]
    [InlineData("w", "")]
    [InlineData("in put", "e")]
    [InlineData("input;", "e")]
    public void V360_options_that_are_not_plain_never_reach_a_filter_graph(string name, string value)
    {
        // Maps come from the parser, which writes only plain values; one built any other way is still checked.
        var task = OnlyTask(Mapped("mp4"));
        var map = new V360Map([new("input", "dfisheye"), new(name, value)]);

        Assert.Throws<ArgumentException>(() => FfmpegArguments.Build(task, map: map));
    }

    // ---- remap --------------------------------------------------------------------------------------------------

    [Fact]
    public void Remap_reads_both_tables_as_pgm_after_the_source()
    {
        var task = OnlyTask(Mapped("mp4"));

        var args = FfmpegArguments.Build(task, map: Remap).Arguments.ToList();

        Assert.Equal(["file:" + SourcePath, "file:" + XPath, "file:" + YPath], Inputs(args));
        // Each table's input options: the PGM demuxer, whatever the file is called.
        foreach (var table in new[] { XPath, YPath })
        {
            var i = args.IndexOf("file:" + table);
            Assert.Equal(["-f", "pgm_pipe", "-i"], args.GetRange(i - 3, 3));
        }
        Assert.Equal("[0:v:0][1:v:0][2:v:0]remap[vout]", ValueAfter(args, "-filter_complex"));
        Assert.Equal(["[vout]", "0:a:0"], Maps(args));
        Assert.DoesNotContain("-vf", args);
        Assert.DoesNotContain("-loop", args);
    }

    [Fact]
    public void Remap_comes_before_the_scale()
    {
        var task = OnlyTask(Mapped("mp4", output: new OutputSettings { Width = 320, Height = 160 }));

        var args = FfmpegArguments.Build(task, map: Remap).Arguments;

        Assert.Equal("[0:v:0][1:v:0][2:v:0]remap,scale=320:160[vout]", ValueAfter(args, "-filter_complex"));
    }

    [Fact]
    public void Remap_with_cuts_takes_the_tables_after_every_cut_input()
    {
        var task = OnlyTask(Mapped("mkv", "1-5:2-10:20-21"));
        Assert.Equal(3, task.Cuts.Count);

        var args = FfmpegArguments.Build(task, map: Remap).Arguments;

        Assert.Equal([.. Enumerable.Repeat("file:" + SourcePath, 3), "file:" + XPath, "file:" + YPath], Inputs(args));
        var graph = ValueAfter(args, "-filter_complex");
        Assert.EndsWith(";[vcat][3:v:0][4:v:0]remap[vout]", graph);
        Assert.Equal(["[vout]", "[acat]"], Maps(args));
    }

    [Fact]
    public void Chunks_of_a_mapped_job_each_apply_the_map_and_the_rest_do_not()
    {
        var plan = PlanOk(Mapped("mp4", "1-25", new OutputSettings { VideoCodec = "h264", Width = 320 }),
            options: new PlanningOptions(MaxTaskSeconds: 10, MinTaskSeconds: 1));
        var chunks = plan.Tasks.Where(t => t.Kind == TaskKind.Video).ToList();
        Assert.True(chunks.Count >= 2);

        foreach (var chunk in chunks)
        {
            var args = FfmpegArguments.Build(chunk, map: Remap).Arguments;
            Assert.Equal(["file:" + SourcePath, "file:" + XPath, "file:" + YPath], Inputs(args));
            Assert.EndsWith(";[vcat][1:v:0][2:v:0]remap,scale=320:-2[vout]", ValueAfter(args, "-filter_complex"));
        }
        foreach (var other in plan.Tasks.Where(t => t.Kind != TaskKind.Video))
        {
            var args = FfmpegArguments.Build(other).Arguments;
            Assert.DoesNotContain(args, a => a.Contains("remap") || a.Contains("v360") || a.Contains(XPath));
        }
    }

    [Theory]
    [MemberData(nameof(FfmpegArgumentsTests.HostilePaths), MemberType = typeof(FfmpegArgumentsTests))]
    public void Every_table_path_is_one_argv_element_with_the_file_protocol(string dir, string name)
    {
        var (x, y) = (Path.Combine(dir, "x " + name), Path.Combine(dir, "y " + name));
        var map = new RemapMap(x, y, 640, 320);
        foreach (var task in PlanOk(Mapped("mp4", "1-5", sourcePath: "/media/src.bin")).Tasks)
        {
            var args = FfmpegArguments.Build(task, map: map).Arguments;

            Assert.Contains("file:" + x, args);
            Assert.Contains("file:" + y, args);
            var others = args.Where(a => !a.StartsWith("file:", StringComparison.Ordinal)).ToList();
            Assert.All(others, a => Assert.DoesNotContain(name, a));
            Assert.All(others, a => Assert.DoesNotContain(dir, a));
        }
    }
}
