using System.Globalization;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Domain.Tests.Planning;
using static Akka.Transcode.Domain.Tests.Planning.PlanSamples;

namespace Akka.Transcode.Domain.Tests.Media;

public class FfmpegArgumentsTests
{
    private static readonly PlanningOptions SmallChunks = new(MaxTaskSeconds: 10, MinTaskSeconds: 1);

    /// <summary>Directory and file name pairs that a shell, an option parser or ffmpeg's protocol lookup would misread.</summary>
    public static TheoryData<string, string> HostilePaths() => new()
    {
        { "/tmp/with space", "in put.bin" },
        { "/tmp/it's", "o'clock 'quoted'.ts" },
        { "/tmp/say \"hi\"", "\"double\".ts" },
        { "/tmp/back\\slash", "a\\b\\.ts" },
        { "/tmp/$HOME", "$(id) `id` $x.ts" },
        { "/tmp/out", "-y.mp4" },
        { "/tmp/-i", "-f.ts" },
        { "/tmp/ünïcødé", "日本語 ü.ts" },
        { "/tmp/p", "concat:a|b.ts" },
        { "/tmp/semi;colon", "x;rm -rf ~;.ts" },
        { "/tmp/hash#", "a?b#c%20&.ts" },
        { "/tmp/brackets", "[0:v] [a0];x=y,z.ts" },
    };

    /// <summary>
    /// Plans that together build every kind of command: copy, frame-exact cuts, key-frame parts and their joins, chunks,
    /// the audio task and chunk joins.
    /// </summary>
    private static IEnumerable<JobPlanCase> PlansFor(string dir, string name)
    {
        var source = Path.Combine(dir, name);
        var dst = Path.Combine(dir, "out " + name);
        yield return new("copy", PlanOk(Spec("mp4", sourcePath: source, dstDir: dst)));
        yield return new("cuts", PlanOk(Spec("flv", "1-5:2-10", sourcePath: source, dstDir: dst)));
        yield return new("keyframe cuts", PlanOk(Spec("flv", "1-5:2-10", new OutputSettings { VideoCodec = "copy" }, source, dst)));
        yield return new("keyframe cuts, audio copied",
            PlanOk(Spec("mkv", "1-5:2-10", new OutputSettings { VideoCodec = "copy", AudioCodec = "copy" }, source, dst)));
        yield return new("keyframe cuts, no audio",
            PlanOk(Spec("mp4", "1-5:2-10", new OutputSettings { VideoCodec = "copy", AudioCodec = "none" }, source, dst)));
        yield return new("chunked, audio encoded",
            PlanOk(Spec("mp4", "1-25", new OutputSettings { VideoCodec = "h264" }, source, dst), options: SmallChunks));
        yield return new("chunked, audio copied",
            PlanOk(Spec("mkv", output: new OutputSettings { VideoCodec = "h264" }, sourcePath: source, dstDir: dst), options: SmallChunks));
    }

    public sealed record JobPlanCase(string Name, JobPlan Plan);

    /// <summary>The files a task's command reads and writes, as the task describes them.</summary>
    private static (List<string> Inputs, string Output) ExpectedFiles(TaskSpec t, FfmpegCommand command)
    {
        var inputs = new List<string>();
        switch (t.Kind)
        {
            case TaskKind.Join when t.KeyframeCuts:
                // The concat list of the copied parts; their audio comes with them, so no second input.
                inputs.Add(Assert.Single(command.Files).Path);
                break;
            case TaskKind.Join:
                inputs.Add(Assert.Single(command.Files).Path);
                if (t.Audio.Action != StreamAction.Drop) inputs.Add(t.AudioPart ?? t.SourcePath);
                break;
            case TaskKind.Video when t.KeyframeCuts:
                // One range read straight from the source: no concat list.
                Assert.Empty(command.Files);
                inputs.Add(t.SourcePath);
                break;
            default:
                Assert.Empty(command.Files);
                inputs.AddRange(Enumerable.Repeat(t.SourcePath, Math.Max(1, t.Cuts.Count)));
                break;
        }
        return (inputs, t.OutputPath);
    }

    [Theory]
    [MemberData(nameof(HostilePaths))]
    public void Every_path_is_one_argv_element_with_the_file_protocol(string dir, string name)
    {
        var kinds = new HashSet<(TaskKind, bool)>();
        foreach (var (caseName, plan) in PlansFor(dir, name))
        {
            foreach (var task in plan.Tasks)
            {
                kinds.Add((task.Kind, task.KeyframeCuts));
                var command = FfmpegArguments.Build(task);
                var args = command.Arguments;
                var (inputs, output) = ExpectedFiles(task, command);
                var context = $"{caseName}, {task.Kind} task {task.Index}: {string.Join(" ", args)}";

                // Inputs are exactly the values of -i, in order; the output is the last element.
                var iValues = args.Select((a, i) => (a, i)).Where(x => x.a == "-i").Select(x => args[x.i + 1]).ToList();
                Assert.True(inputs.Select(p => "file:" + p).SequenceEqual(iValues), context);
                Assert.Equal("file:" + output, args[^1]);

                // No other element mentions any of the paths: nothing is split, joined or quoted into another argument.
                var fileArgs = args.Where(a => a.StartsWith("file:", StringComparison.Ordinal)).ToList();
                Assert.True(fileArgs.Count == inputs.Count + 1, context);
                Assert.All(args.Except(fileArgs), a => Assert.DoesNotContain(name, a));
                Assert.All(args.Except(fileArgs), a => Assert.DoesNotContain(dir, a));
                Assert.All(inputs.Append(output), p => Assert.True(Path.IsPathRooted(p), p));
            }
        }
        // Every kind of command was looked at, the key-frame parts and their join included.
        (TaskKind, bool)[] all =
        [
            (TaskKind.Transcode, false), (TaskKind.Video, false), (TaskKind.Audio, false), (TaskKind.Join, false),
            (TaskKind.Video, true), (TaskKind.Join, true),
        ];
        Assert.Equal(all.Order(), kinds.Order());
    }

    [Theory]
    [MemberData(nameof(HostilePaths))]
    public void Concat_lists_name_each_file_so_that_ffmpeg_reads_it_back_unchanged(string dir, string name)
    {
        var source = Path.Combine(dir, name);
        var dst = Path.Combine(dir, "out " + name);

        // Key-frame cuts: the parts read the source from argv; only their join writes a list, naming the parts.
        var keyframe = PlanOk(Spec("flv", "1-5:2-10.5", new OutputSettings { VideoCodec = "copy" }, source, dst));
        Assert.All(keyframe.Tasks.Where(t => t.Kind != TaskKind.Join), t => Assert.Empty(FfmpegArguments.Build(t).Files));
        var keyframeJoin = Assert.Single(keyframe.Tasks, t => t.Kind == TaskKind.Join);
        var list = Assert.Single(FfmpegArguments.Build(keyframeJoin).Files);
        var entries = FfconcatReader.Read(list.Content);
        Assert.Equal(keyframeJoin.VideoParts, entries.Select(e => e.File));
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.StartsWith(dst, e.File));
        Assert.All(entries, e => Assert.Null(e.Inpoint));
        Assert.All(entries, e => Assert.Null(e.Outpoint));
        Assert.Equal(keyframeJoin.OutputPath + ".ffconcat", list.Path);

        var chunked = PlanOk(Spec("mp4", output: new OutputSettings { VideoCodec = "h264" }, sourcePath: source, dstDir: dst), options: SmallChunks);
        var join = Assert.Single(chunked.Tasks, t => t.Kind == TaskKind.Join);
        var joinList = Assert.Single(FfmpegArguments.Build(join).Files);
        Assert.Equal(join.VideoParts, FfconcatReader.Read(joinList.Content).Select(e => e.File));
        Assert.All(FfconcatReader.Read(joinList.Content), e => Assert.Null(e.Inpoint));
    }

    [Fact]
    public void Only_join_tasks_write_concat_lists()
    {
        foreach (var (caseName, plan) in PlansFor("/tmp/m", "in.ts"))
        {
            foreach (var task in plan.Tasks)
            {
                var files = FfmpegArguments.Build(task).Files;
                if (task.Kind == TaskKind.Join) Assert.Single(files);
                else Assert.True(files.Count == 0, $"{caseName}, {task.Kind} task {task.Index} writes {files.Count} files");
            }
        }
    }

    [Theory]
    [InlineData("line\nbreak.ts")]
    [InlineData("x\nfile other.ts\n#.ts")]
    [InlineData("carriage\rreturn.ts")]
    [InlineData("tab\there.ts")]
    [InlineData("nel\u0085.ts")]
    public void Concat_list_refuses_a_name_with_a_control_character(string name)
    {
        // ffconcat is line based: a line break inside a name cannot be quoted, and what follows it is read as a
        // directive of its own ("file other.ts" names a second input the job never asked for). Such names are refused
        // (MediaRoots refuses them earlier with -4).
        Assert.Throws<ArgumentException>(() => FfmpegArguments.ConcatQuote(Path.Combine("/tmp/media", name)));

        // The parts of a key-frame cut, and so their join's list, live under the destination.
        var plan = PlanOk(Spec("flv", "1-5", new OutputSettings { VideoCodec = "copy" }, "/tmp/media/in.ts", Path.Combine("/tmp/out", name)));
        var join = Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Join);
        Assert.Contains(join.VideoParts, p => p.Contains(name, StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => FfmpegArguments.Build(join));
        var chunked = PlanOk(Spec("mp4", output: new OutputSettings { VideoCodec = "h264" }, sourcePath: "/tmp/media/in.ts",
            dstDir: Path.Combine("/tmp/out", name)), options: SmallChunks);
        Assert.Throws<ArgumentException>(() => FfmpegArguments.Build(Assert.Single(chunked.Tasks, t => t.Kind == TaskKind.Join)));
    }

    [Theory]
    [InlineData("line\nbreak.ts")]
    [InlineData("carriage\rreturn.ts")]
    public void A_keyframe_part_reads_its_source_from_argv_whatever_its_name(string name)
    {
        // No list is involved in reading the source any more: the name is one argv element, unchanged.
        var source = Path.Combine("/tmp/media", name);
        var plan = PlanOk(Spec("flv", "1-5", new OutputSettings { VideoCodec = "copy" }, source, "/tmp/out"));
        var part = Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Video);

        var command = FfmpegArguments.Build(part);

        Assert.Empty(command.Files);
        Assert.Equal("file:" + source, ValueAfter(command.Arguments, "-i"));
        Assert.Single(command.Arguments, a => a.Contains(name, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("relative/path.ts")]
    [InlineData("./x.ts")]
    [InlineData("x.ts")]
    [InlineData("")]
    public void Relative_paths_are_refused(string path)
    {
        Assert.Throws<ArgumentException>(() => FfmpegArguments.FileUrl(path));
        // A relative name in a concat list would be read relative to the list's folder: another file.
        Assert.Throws<ArgumentException>(() => FfmpegArguments.ConcatQuote(path));
    }

    [Theory]
    [InlineData("/tmp/a b/c.mkv", "'/tmp/a b/c.mkv'")]
    [InlineData("/tmp/it's/o'clock.mkv", "'/tmp/it'\\''s/o'\\''clock.mkv'")]
    [InlineData("/tmp/back\\slash #x.mkv", "'/tmp/back\\slash #x.mkv'")]
    public void Concat_quote_keeps_absolute_paths_literal(string path, string quoted)
    {
        Assert.Equal(quoted, FfmpegArguments.ConcatQuote(path));
    }

    [Theory]
    [InlineData("copy-0000.mkv")]
    [InlineData("parts/video-0000.mkv")]
    public void Join_with_a_relative_part_cannot_be_built(string part)
    {
        foreach (var plan in new[]
                 {
                     PlanOk(Spec("flv", "1-5:2-10", new OutputSettings { VideoCodec = "copy" })),
                     PlanOk(Spec("mp4", output: new OutputSettings { VideoCodec = "h264" }), options: SmallChunks),
                 })
        {
            var join = Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Join);
            Assert.Throws<ArgumentException>(() => FfmpegArguments.Build(join with { VideoParts = [.. join.VideoParts.Skip(1), part] }));
        }
    }

    [Theory]
    [InlineData("copy")]
    [InlineData("cuts")]
    [InlineData("keyframe cuts")]
    [InlineData("keyframe cuts, audio copied")]
    [InlineData("keyframe cuts, no audio")]
    [InlineData("chunked, audio encoded")]
    [InlineData("chunked, audio copied")]
    public void Task_with_a_relative_source_cannot_be_built(string caseName)
    {
        var plan = PlansFor("/tmp/m", "in.ts").Single(c => c.Name == caseName).Plan;
        // Every task that reads the source: all but a join whose audio comes from the audio task, from key-frame
        // parts, or is absent.
        var readers = plan.Tasks.Where(t => t.Kind != TaskKind.Join
                                            || (!t.KeyframeCuts && t.AudioPart is null && t.Audio.Action != StreamAction.Drop)).ToList();
        Assert.NotEmpty(readers);

        foreach (var task in readers)
            Assert.Throws<ArgumentException>(() => FfmpegArguments.Build(task with { SourcePath = "in.ts" }));

        // The others never name the source.
        foreach (var task in plan.Tasks.Except(readers))
            Assert.DoesNotContain("file:in.ts", FfmpegArguments.Build(task with { SourcePath = "in.ts" }).Arguments);
    }

    [Fact]
    public void Task_with_a_relative_output_cannot_be_built()
    {
        var task = Assert.Single(PlanOk(Spec("mp4")).Tasks) with { OutputPath = "out.mp4" };

        Assert.Throws<ArgumentException>(() => FfmpegArguments.Build(task));
    }

    // ---- codecs and muxers -------------------------------------------------------------------------------------

    private static string ValueAfter(IReadOnlyList<string> args, string option)
    {
        var i = args.ToList().LastIndexOf(option);
        Assert.True(i >= 0 && i + 1 < args.Count, $"{option} missing in: {string.Join(" ", args)}");
        return args[i + 1];
    }

    [Theory]
    [InlineData("flv", "libx264", "aac")]
    [InlineData("mp4", "libx264", "aac")]
    [InlineData("mkv", "libx264", "aac")]
    [InlineData("mov", "libx264", "aac")]
    [InlineData("ts", "libx264", "aac")]
    [InlineData("webm", "libvpx-vp9", "libopus")]
    public void Reencodes_use_the_containers_usual_encoders(string format, string videoEncoder, string audioEncoder)
    {
        var task = Assert.Single(PlanOk(Spec(format, "1-5:2-10")).Tasks);

        var args = FfmpegArguments.Build(task).Arguments;

        Assert.Equal(videoEncoder, ValueAfter(args, "-c:v"));
        Assert.Equal(audioEncoder, ValueAfter(args, "-c:a"));
    }

    [Theory]
    [InlineData("mp3", "libmp3lame")]
    [InlineData("wav", "pcm_s16le")]
    public void Audio_only_output_has_no_video(string format, string audioEncoder)
    {
        var args = FfmpegArguments.Build(Assert.Single(PlanOk(Spec(format)).Tasks)).Arguments;

        Assert.Contains("-vn", args);
        Assert.DoesNotContain("-c:v", args);
        Assert.Equal(audioEncoder, ValueAfter(args, "-c:a"));
    }

    [Fact]
    public void Copy_task_copies_both_streams()
    {
        var args = FfmpegArguments.Build(Assert.Single(PlanOk(Spec("flv")).Tasks)).Arguments;

        Assert.Equal("copy", ValueAfter(args, "-c:v"));
        Assert.Equal("copy", ValueAfter(args, "-c:a"));
    }

    public static TheoryData<string> Formats() => [.. ContainerFormats.All.Keys];

    [Theory]
    [MemberData(nameof(Formats))]
    public void Output_muxer_is_always_named(string format)
    {
        var container = ContainerFormats.Find(format)!;
        var specs = new List<Akka.Transcode.Domain.Jobs.JobSpec> { Spec(format), Spec(format, "1-5:2-10") };
        if (!container.AudioOnly)
            specs.Add(Spec(format, "0-30", new OutputSettings { VideoCodec = container.DefaultVideoCodec! }));

        foreach (var spec in specs)
        {
            foreach (var task in PlanOk(spec, options: SmallChunks).Tasks)
            {
                var args = FfmpegArguments.Build(task).Arguments;
                // The output is the last element and "-f <muxer>" comes right before it: the file name never decides.
                Assert.Equal("-f", args[^3]);
                Assert.Equal(task.Muxer, args[^2]);
                if (task.Kind is TaskKind.Transcode or TaskKind.Join) Assert.Equal(container.Muxer, task.Muxer);
            }
        }
    }

    [Fact]
    public void Threads_are_set_only_when_asked()
    {
        foreach (var (_, plan) in PlansFor("/tmp/m", "in.ts"))
        {
            foreach (var task in plan.Tasks)
            {
                Assert.DoesNotContain("-threads", FfmpegArguments.Build(task).Arguments);
                Assert.DoesNotContain("-threads", FfmpegArguments.Build(task, 0).Arguments);
                var args = FfmpegArguments.Build(task, 3).Arguments.ToList();
                // The encoder's limit: an output option after the last input.
                var output = args.LastIndexOf("-threads");
                Assert.True(output > args.LastIndexOf("-i"), "-threads is not set for the output");
                Assert.Equal("3", args[output + 1]);
                // Every input that ffmpeg decodes from the source (a join only copies) has the same limit just before its -i, so slots
                // sharing the cores do not oversubscribe them with decoder threads.
                for (var i = 0; i < args.Count; i++)
                {
                    if (args[i] != "-i" || args[i + 1] != "file:" + task.SourcePath || task.KeyframeCuts || task.Kind == TaskKind.Join) continue;
                    Assert.Equal(["-threads", "3"], args.Skip(i - 2).Take(2));
                }
                Assert.All(args.Select((a, i) => (a, i)).Where(x => x.a == "-threads"), x => Assert.Equal("3", args[x.i + 1]));
            }
        }
    }

    [Theory]
    [InlineData("copy", true)]
    [InlineData("auto", true)]
    [InlineData("none", false)]
    public void Keyframe_part_seeks_the_input_to_its_range_and_copies_it_with_timestamps_from_zero(string audioCodec, bool audio)
    {
        var plan = PlanOk(Spec("mkv", "1.25-5.5:30-40", new OutputSettings { VideoCodec = "copy", AudioCodec = audioCodec }));
        var parts = plan.Tasks.Where(t => t.Kind == TaskKind.Video).ToList();
        Assert.Equal(2, parts.Count);
        (double From, double To)[] ranges = [(1.25, 5.5), (30, 40)];

        for (var i = 0; i < parts.Count; i++)
        {
            // The worker finds the key frame at or before the range and puts its timestamp in VideoTrimStart.
            var keyframe = ranges[i].From - 0.75;
            var part = parts[i] with { Cuts = [parts[i].Cuts[0] with { VideoTrimStart = keyframe }] };
            var command = FfmpegArguments.Build(part);

            // Source timestamps (-copyts); the input seek is a pre-roll before the range (a plain seek can land after
            // the key frame in MPEG-TS), then output -ss drops packets up to the key frame itself, -to ends the range.
            var seek = Math.Max(0, ranges[i].From - TaskPlanner.SeekPreroll);
            string[] expected =
            [
                "-hide_banner", "-y", "-copyts", "-noaccurate_seek", .. seek > 0 ? new[] { "-ss", FfmpegArguments.Seconds(seek) } : [],
                "-protocol_whitelist", "file", "-format_whitelist", InputFormats.SourceWhitelist,
                "-i", "file:" + SourcePath, "-ss", FfmpegArguments.Seconds(keyframe), "-to", FfmpegArguments.Seconds(ranges[i].To),
                "-map", "0:v:0", .. audio ? new[] { "-map", "0:a:0" } : [],
                "-c:v", "copy", .. audio ? new[] { "-c:a", "copy" } : ["-an"], "-sn", "-dn",
                "-avoid_negative_ts", "make_zero",
                "-protocol_whitelist", "file", "-f", "matroska", "file:" + Path.Combine(plan.WorkDir, $"copy-{i:D4}.mkv"),
            ];
            Assert.Equal(expected, command.Arguments);
            Assert.Empty(command.Files);
        }
    }

    [Theory]
    [InlineData("flv", "auto", new[] { "-c:a", "aac", "-b:a", "128000" })]
    [InlineData("mkv", "copy", new[] { "-c:a", "copy" })]
    [InlineData("mp4", "aac", new[] { "-c:a", "aac", "-b:a", "128000" })]
    [InlineData("mp4", "none", new[] { "-an" })]
    public void Keyframe_join_concatenates_the_parts_and_takes_audio_from_them(string format, string audioCodec, string[] audioArgs)
    {
        var plan = PlanOk(Spec(format, "1-5:2-10", new OutputSettings { VideoCodec = "copy", AudioCodec = audioCodec }));
        var join = Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Join);

        var command = FfmpegArguments.Build(join);

        var list = Assert.Single(command.Files);
        var audio = audioCodec != "none";
        // One input, the list of parts: never the source, whose whole audio track would not follow the cuts.
        string[] expected =
        [
            "-hide_banner", "-y", "-xerror",
            "-protocol_whitelist", "file", "-format_whitelist", "concat," + InputFormats.SourceWhitelist,
            "-f", "concat", "-safe", "0", "-i", "file:" + list.Path,
            "-map", "0:v:0", .. audio ? new[] { "-map", "0:a:0" } : [],
            "-c:v", "copy", .. audioArgs, "-sn", "-dn",
            "-protocol_whitelist", "file", "-f", ContainerFormats.Find(format)!.Muxer, "file:" + plan.TempOutputPath,
        ];
        Assert.Equal(expected, command.Arguments);
        Assert.Equal(join.VideoParts, FfconcatReader.Read(list.Content).Select(e => e.File));
    }

    [Theory]
    [InlineData("flv", true)]
    [InlineData("mp4", false)]
    [InlineData("mkv", false)]
    [InlineData("mov", false)]
    [InlineData("ts", false)]
    public void Flv_encodes_carry_no_b_frames_and_other_containers_keep_them(string format, bool noBFrames)
    {
        var plans = new[]
        {
            PlanOk(Spec(format, "1-5:2-10")),
            PlanOk(Spec(format, "1-25", new OutputSettings { VideoCodec = "h264" }), options: SmallChunks),
            PlanOk(Spec(format, output: new OutputSettings { VideoCodec = "h264", Crf = 18 })),
        };
        var encodes = 0;
        foreach (var task in plans.SelectMany(p => p.Tasks))
        {
            var args = FfmpegArguments.Build(task).Arguments.ToList();
            if (task.Video.Action == StreamAction.Encode && noBFrames)
            {
                encodes++;
                Assert.Equal("libx264", ValueAfter(args, "-c:v"));
                Assert.Equal("0", ValueAfter(args, "-bf"));
                Assert.Single(args, a => a == "-bf");
                // An output option, after the encoder it applies to.
                Assert.True(args.IndexOf("-bf") > args.LastIndexOf("-i"));
                Assert.True(args.IndexOf("-bf") > args.IndexOf("-c:v"));
            }
            else
            {
                if (task.Video.Action == StreamAction.Encode) encodes++;
                Assert.DoesNotContain("-bf", args);
            }
        }
        Assert.True(encodes >= 3, $"{encodes} encoding tasks");
    }

    [Fact]
    public void No_b_frames_follows_the_video_op_for_every_encoder()
    {
        foreach (var codec in new[] { "h264", "hevc", "vp9", "av1" })
        {
            var task = Assert.Single(PlanOk(Spec("mkv", "1-5")).Tasks);
            var with = FfmpegArguments.Build(task with { Video = new VideoOp(StreamAction.Encode, codec, NoBFrames: true) }).Arguments;
            var without = FfmpegArguments.Build(task with { Video = new VideoOp(StreamAction.Encode, codec) }).Arguments;

            Assert.Equal("0", ValueAfter(with, "-bf"));
            Assert.DoesNotContain("-bf", without);
            // Nothing else changes.
            Assert.Equal(without, with.Where((_, i) => !(with[i] == "-bf" || (i > 0 && with[i - 1] == "-bf"))));
        }
        // Copy and drop never get it: there is no encoder to tell.
        var copy = Assert.Single(PlanOk(Spec("flv")).Tasks);
        Assert.DoesNotContain("-bf", FfmpegArguments.Build(copy with { Video = VideoOp.Copy with { NoBFrames = true } }).Arguments);
    }

    [Fact]
    public void Each_cut_is_its_own_input_seeked_no_later_than_its_first_frame()
    {
        var task = Assert.Single(PlanOk(Spec("flv", "10-15:30-40:0.5-2.25")).Tasks);

        var args = FfmpegArguments.Build(task).Arguments.ToList();

        var inputs = args.Select((a, i) => (a, i)).Where(x => x.a == "-i").Select(x => x.i).ToList();
        Assert.Equal(task.Cuts.Count, inputs.Count);
        for (var c = 0; c < task.Cuts.Count; c++)
        {
            // Input options sit between the previous input and this one.
            var from = c == 0 ? 0 : inputs[c - 1] + 2;
            var options = args.GetRange(from, inputs[c] - from);
            var ss = options.IndexOf("-ss");
            var seek = ss < 0 ? 0 : double.Parse(options[ss + 1], CultureInfo.InvariantCulture);
            Assert.Equal(task.Cuts[c].Seek, seek, 6);
            Assert.True(seek <= task.Cuts[c].From, $"seek {seek} after the cut's start {task.Cuts[c].From}");
        }
        var graph = ValueAfter(args, "-filter_complex");
        foreach (var cut in task.Cuts) Assert.Contains($"trim=end_frame={cut.Frames}", graph);
    }

    [Fact]
    public void Audio_fed_from_the_filter_graph_is_never_stream_copied()
    {
        // audio_codec copy with segments: ffmpeg refuses "-c:a copy" for a stream that comes out of -filter_complex
        // ("Filtering and streamcopy cannot be used together").
        var plan = PlanOk(Spec("flv", "1-5:2-10", new OutputSettings { AudioCodec = "copy" }));

        foreach (var task in plan.Tasks)
        {
            var args = FfmpegArguments.Build(task).Arguments;
            if (!args.Contains("-filter_complex") || !args.Contains("[acat]")) continue;
            Assert.NotEqual("copy", ValueAfter(args, "-c:a"));
        }
        Assert.NotEmpty(plan.Tasks);
    }

    [Fact]
    public void Seconds_are_written_with_a_dot_whatever_the_culture()
    {
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            Assert.Equal("2.25", FfmpegArguments.Seconds(2.25));
            var task = Assert.Single(PlanOk(Spec("flv", "0.5-2.25")).Tasks);
            Assert.DoesNotContain(FfmpegArguments.Build(task).Arguments, a => a.Contains("0,5") || a.Contains("2,25"));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }
}
