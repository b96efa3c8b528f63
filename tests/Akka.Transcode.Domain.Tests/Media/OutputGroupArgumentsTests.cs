using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Domain.Tasks;
using static Akka.Transcode.Domain.Tests.Planning.OutputGroupPlannerTests;

namespace Akka.Transcode.Domain.Tests.Media;

public class OutputGroupArgumentsTests
{
    private static JobPlan GroupPlan(string format = "jpeg", string? segments = null) =>
        Planned(Group(segments, Ladder(), Thumbs(format: format)), options: new PlanningOptions(WorkerSlots: 4));

    private static List<string> Args(TaskSpec task) => FfmpegArguments.Build(task).Arguments.ToList();

    private static string After(List<string> args, string option)
    {
        var i = args.IndexOf(option);
        Assert.True(i >= 0 && i + 1 < args.Count, $"{option} missing in: {string.Join(" ", args)}");
        return args[i + 1];
    }

    [Fact]
    public void A_ladder_chunk_decodes_once_splits_and_encodes_each_rendition_as_its_own_track()
    {
        var chunk = GroupPlan().Tasks.First(t => t.Kind == TaskKind.Video && t.Index > 0);
        var args = Args(chunk);

        // Cut once, split once, one scaled copy per rendition, each mapped as its own track.
        var graph = After(args, "-filter_complex");
        Assert.EndsWith("[vcat];[vcat]split=2[s0][s1];[s0]scale=1280:720,setsar=1[r0];[s1]scale=640:360,setsar=1[r1]", graph);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(graph, "trim=start="));
        Assert.Equal(["[r0]", "[r1]"], args.Select((a, i) => (a, i)).Where(x => x.a == "-map").Select(x => args[x.i + 1]));
        Assert.Equal(1, args.Count(a => a == "-i"));
        // Each track its own encoder settings, named by its stream specifier; none left to apply to all.
        Assert.Equal(("libx264", "veryfast", "3000000", "4500000", "9000000", "yuv420p"),
            (After(args, "-c:v:0"), After(args, "-preset:v:0"), After(args, "-b:v:0"), After(args, "-maxrate:v:0"),
             After(args, "-bufsize:v:0"), After(args, "-pix_fmt:v:0")));
        Assert.Equal(("libx264", "veryfast", "800000", "1200000", "2400000", "yuv420p"),
            (After(args, "-c:v:1"), After(args, "-preset:v:1"), After(args, "-b:v:1"), After(args, "-maxrate:v:1"),
             After(args, "-bufsize:v:1"), After(args, "-pix_fmt:v:1")));
        Assert.DoesNotContain(args, a => a is "-c:v" or "-b:v" or "-maxrate" or "-bufsize" or "-preset" or "-pix_fmt" || a.StartsWith("-crf"));
        Assert.DoesNotContain(args, a => a.StartsWith("-c:v:2") || a.StartsWith("-b:v:2"));
        Assert.Equal(("matroska", "file:" + chunk.OutputPath), (After(args, "-f"), args[^1]));
        Assert.Contains("-an", args);
    }

    [Fact]
    public void A_ladder_chunk_forces_the_same_key_frames_on_every_track_a_quarter_frame_before_each_boundary_and_no_others()
    {
        var chunk = GroupPlan().Tasks.First(t => t.Kind == TaskKind.Video && t.Index > 0);
        var args = Args(chunk);

        // The second chunk of 60 s at 25 fps in 4 chunks of whole 4 s segments: 16 s, boundaries every 100 frames.
        Assert.Equal([0.0, 4, 8, 12], chunk.ForcedKeyframes);
        // Given once, without a stream specifier: every track switches at the same frames.
        foreach (var option in new[] { "-force_key_frames", "-forced-idr", "-sc_threshold", "-g" })
            Assert.Single(args, a => a == option || a.StartsWith(option + ":"));
        Assert.Equal("0,3.99,7.99,11.99", After(args, "-force_key_frames"));
        Assert.Equal("1", After(args, "-forced-idr"));
        Assert.Equal("0", After(args, "-sc_threshold"));
        Assert.Equal("401", After(args, "-g")); // longer than the chunk's 400 frames: no key frame of x264's own
    }

    [Fact]
    public void A_chunk_of_a_one_rendition_ladder_keeps_the_single_track_arguments()
    {
        var plan = Planned(Group("2-30", Ladder(renditions: Rung("360p", 360, 800))), options: new PlanningOptions(WorkerSlots: 2));
        var chunk = plan.Tasks.First(t => t.Kind == TaskKind.Video);
        var args = Args(chunk);

        Assert.Equal(Args(chunk with { Renditions = [] }), args);
        Assert.EndsWith("[vcat]scale=640:360,setsar=1[vout]", After(args, "-filter_complex"));
        Assert.Equal(("libx264", "800000", "1200000", "2400000"),
            (After(args, "-c:v"), After(args, "-b:v"), After(args, "-maxrate"), After(args, "-bufsize")));
        Assert.Equal("-an", args[args.IndexOf("-maxrate") + 4]);
    }

    [Fact]
    public void A_map_is_applied_once_before_the_split()
    {
        var v360 = Assert.IsType<Akka.Transcode.Domain.Maps.V360Definition>(Akka.Transcode.Domain.Maps.StitchMapParser.Parse(
            """{"kind":"v360","input":"dfisheye","output":"equirect","ih_fov":190,"iv_fov":190,"w":3840,"h":1920}""").Value).Map;
        var spec = Group(null, Ladder()) with { MapPath = "/media/maps/dual.json" };
        var chunk = Planned(spec, Source720(width: 3840, height: 1920), new PlanningOptions(WorkerSlots: 2))
            .Tasks.First(t => t.Kind == TaskKind.Video);

        var graph = After(FfmpegArguments.Build(chunk, map: v360).Arguments.ToList(), "-filter_complex");

        Assert.Matches(@"\[vcat\]v360=[^;\[]*\[vout\];\[vout\]split=2\[s0\]\[s1\];\[s0\]scale=1440:720,setsar=1\[r0\];\[s1\]scale=720:360,setsar=1\[r1\]$", graph);
    }

    [Fact]
    public void Forced_key_frames_at_29_97_fps_sit_a_quarter_frame_before_their_frames()
    {
        var plan = Planned(Group(null, Ladder(2, renditions: Rung("360p", 360, 800))), Source720(30000.0 / 1001, 20));
        var chunk = Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Video);

        var times = After(Args(chunk), "-force_key_frames").Split(",").Select(s => double.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var frames = OutputGroupPlanner.SegmentBoundaries(chunk.Cuts.Single().Frames!.Value, 30000.0 / 1001, 2);
        Assert.Equal(frames.Count, times.Count);
        for (var k = 1; k < frames.Count; k++)
        {
            // Strictly between the frame before and the boundary frame, a quarter frame from the boundary.
            Assert.Equal(frames[k] * 1001 / 30000.0 - 0.25 * 1001 / 30000.0, times[k], 5);
            Assert.InRange(times[k], (frames[k] - 1) * 1001 / 30000.0, frames[k] * 1001 / 30000.0);
        }
    }

    [Fact]
    public void A_capped_crf_rendition_keeps_the_cap_and_the_buffer()
    {
        var rung = new Akka.Transcode.Domain.Outputs.RenditionSpec("q", null, 360, 800_000, null, 24, 96_000);
        var chunk = Planned(Group(null, Ladder(renditions: rung))).Tasks.First(t => t.Kind == TaskKind.Video);
        var args = Args(chunk);

        Assert.Equal(("24", "1200000", "2400000"), (After(args, "-crf"), After(args, "-maxrate"), After(args, "-bufsize")));
        Assert.DoesNotContain("-b:v", args);
    }

    [Fact]
    public void Each_join_copies_its_own_renditions_track_of_the_chunks()
    {
        var joins = GroupPlan().Tasks.Where(t => t.Kind == TaskKind.Join).ToList();

        Assert.Equal(["0:v:0", "0:v:1"], joins.Select(j => After(Args(j), "-map")));
        Assert.All(joins, j => Assert.Single(Args(j), a => a == "-map"));
    }

    [Fact]
    public void Joins_write_one_fragment_per_key_frame_and_audio_one_per_segment_length()
    {
        var plan = GroupPlan();
        var join = Args(plan.Tasks.First(t => t.Kind == TaskKind.Join));
        var audio = Args(plan.Tasks.Single(t => t.Kind == TaskKind.Audio));

        Assert.Equal("+frag_keyframe+empty_moov+default_base_moof", After(join, "-movflags"));
        Assert.DoesNotContain("-frag_duration", join);
        Assert.Equal(("mp4", "copy", "-an"), (join[^2], After(join, "-c:v"), join[join.IndexOf("-c:v") + 2]));
        Assert.Equal("4000000", After(audio, "-frag_duration"));
        Assert.Equal("+empty_moov+default_base_moof", After(audio, "-movflags"));
        Assert.Equal(("aac", "128000", "-vn"), (After(audio, "-c:a"), After(audio, "-b:a"), audio[audio.IndexOf("-c:a") - 1]));
    }

    [Fact]
    public void A_plain_file_output_is_not_fragmented()
    {
        var plan = Planned(Group(null, File("mp4")), options: new PlanningOptions(MaxTaskSeconds: 10, MinTaskSeconds: 1));

        Assert.All(plan.Tasks, t => Assert.DoesNotContain("-movflags", Args(t)));
        Assert.All(plan.Tasks, t => Assert.DoesNotContain("-force_key_frames", Args(t)));
    }

    [Theory]
    [InlineData("jpeg", "mjpeg")]
    [InlineData("webp", "libwebp")]
    public void Thumbnails_select_the_first_frame_at_or_after_each_interval_at_the_exact_size(string format, string encoder)
    {
        var task = GroupPlan(format).Tasks.Single(t => t.Kind == TaskKind.Thumbnails);
        var args = Args(task);

        var graph = After(args, "-filter_complex");
        Assert.EndsWith("select='eq(n,0)+gt(floor((t-start_t+0.01)/10),floor((prev_t-start_t+0.01)/10))',scale=320:180,setsar=1[vout]", graph);
        Assert.Equal(("passthrough", "6", encoder, "image2pipe"),
            (After(args, "-fps_mode"), After(args, "-frames:v"), After(args, "-c:v"), After(args, "-f")));
        if (format == "jpeg") Assert.Equal("3", After(args, "-q:v"));
        Assert.Contains("-an", args);
    }

    [Theory]
    [InlineData("jpeg", "jpeg_pipe", "mjpeg")]
    [InlineData("webp", "webp_pipe", "libwebp")]
    public void The_sprite_reads_the_still_stream_only_as_its_own_format_and_writes_one_sheet(string format, string demuxer, string encoder)
    {
        var task = GroupPlan(format).Tasks.Single(t => t.Kind == TaskKind.Sprite);
        var args = Args(task);

        var input = args.IndexOf("-i");
        Assert.Equal(["-protocol_whitelist", "file", "-format_whitelist", demuxer, "-f", demuxer], args[(input - 6)..input]);
        Assert.Equal("file:" + task.VideoParts.Single(), args[input + 1]);
        Assert.Equal(1, args.Count(a => a == "-i"));
        Assert.Equal(("tile=6x1", "1", "1", encoder), (After(args, "-vf"), After(args, "-frames:v"), After(args, "-update"), After(args, "-c:v")));
        Assert.Equal(["-protocol_whitelist", "file", "-f", "image2", "file:" + task.OutputPath], args[^5..]);
    }

    [Fact]
    public void Every_input_of_an_output_group_allows_only_the_file_protocol_and_its_own_demuxers()
    {
        var plan = Planned(Group("3-20:30-41", File("mkv"), Ladder(), Thumbs()), options: new PlanningOptions(MaxTaskSeconds: 10, MinTaskSeconds: 1));
        var kinds = new HashSet<TaskKind>();
        foreach (var task in plan.Tasks)
        {
            kinds.Add(task.Kind);
            var command = FfmpegArguments.Build(task);
            var args = command.Arguments.ToList();
            var list = command.Files.SingleOrDefault()?.Path;
            var previous = 0;
            for (var i = args.IndexOf("-i"); i >= 0; previous = i + 2, i = args.IndexOf("-i", i + 1))
            {
                var options = args[previous..i];
                var file = args[i + 1];
                var expected = file == "file:" + list ? "concat," + InputFormats.SourceWhitelist
                    : task.Kind == TaskKind.Sprite ? "jpeg_pipe"
                    : InputFormats.SourceWhitelist;
                Assert.Equal("file", options[options.IndexOf("-protocol_whitelist") + 1]);
                Assert.Equal(expected, options[options.IndexOf("-format_whitelist") + 1]);
            }
            Assert.Equal(["-protocol_whitelist", "file", "-f", task.Muxer, "file:" + task.OutputPath], args[^5..]);
        }
        Assert.Equal(Enum.GetValues<TaskKind>().Except([TaskKind.Transcode]).Order(), kinds.Order());
    }

    [Fact]
    public void Commands_the_planner_never_makes_are_refused()
    {
        var plan = GroupPlan();
        var chunk = plan.Tasks.First(t => t.Kind == TaskKind.Video);
        var sprite = plan.Tasks.Single(t => t.Kind == TaskKind.Sprite);

        Assert.Throws<ArgumentException>(() => FfmpegArguments.Build(chunk with { Video = chunk.Video with { Codec = "vp9" } }));
        Assert.Throws<ArgumentException>(() => FfmpegArguments.Build(chunk with { Cuts = [] }));
        Assert.Throws<ArgumentException>(() => FfmpegArguments.Build(chunk with { Renditions = [.. chunk.Renditions.Reverse()] }));
        Assert.Throws<ArgumentException>(() => FfmpegArguments.Build(chunk with { ForcedKeyframes = [] }));
        Assert.Throws<ArgumentException>(() => FfmpegArguments.Build(chunk with { Audio = new AudioOp(StreamAction.Encode, "aac") }));
        Assert.Throws<ArgumentException>(() => FfmpegArguments.Build(chunk with { Renditions = [chunk.Video, chunk.Renditions[1] with { Codec = "hevc" }] }));
        Assert.Throws<ArgumentException>(() => FfmpegArguments.Build(chunk with { Renditions = [chunk.Video, chunk.Renditions[1] with { Height = null }] }));
        Assert.Throws<ArgumentException>(() => FfmpegArguments.Build(chunk with { VideoTrack = 1 }));
        var join = plan.Tasks.First(t => t.Kind == TaskKind.Join);
        Assert.Throws<ArgumentException>(() => FfmpegArguments.Build(join with { VideoTrack = -1 }));
        Assert.Throws<ArgumentException>(() => FfmpegArguments.Build(join with { Renditions = chunk.Renditions }));
        Assert.Throws<ArgumentException>(() => FfmpegArguments.Build(sprite with { VideoParts = [] }));
        Assert.Throws<ArgumentException>(() => FfmpegArguments.Build(sprite with { Stills = sprite.Stills! with { Format = "png" } }));
        Assert.Throws<ArgumentException>(() => InputFormats.StillsInputOptions("image2"));
    }
}
