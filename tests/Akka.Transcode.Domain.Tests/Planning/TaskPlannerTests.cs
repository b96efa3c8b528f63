using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Domain.Tasks;
using static Akka.Transcode.Domain.Tests.Planning.PlanSamples;

namespace Akka.Transcode.Domain.Tests.Planning;

public class TaskPlannerTests
{
    private static readonly OutputSettings H264 = new() { VideoCodec = "h264" };
    private static readonly OutputSettings H264Aac = new() { VideoCodec = "h264", AudioCodec = "aac" };

    // ---- one task, copy or encode ------------------------------------------------------------------------------

    [Theory]
    [InlineData("flv")]
    [InlineData("mp4")]
    public void Whole_source_whose_codecs_fit_is_one_copy_task(string format)
    {
        var plan = PlanOk(Spec(format));

        var task = Assert.Single(plan.Tasks);
        Assert.Equal(TaskKind.Transcode, task.Kind);
        Assert.Equal(StreamAction.Copy, task.Video.Action);
        Assert.Equal(StreamAction.Copy, task.Audio.Action);
        Assert.Empty(task.Cuts);
        Assert.False(task.KeyframeCuts);
        Assert.Equal(ContainerFormats.Find(format)!.Muxer, task.Muxer);
        Assert.Equal(SourceSeconds, plan.OutputDuration);
        Assert.Equal(SourceSeconds, task.Duration);
        Assert.Equal(SourcePath, task.SourcePath);
        Assert.Empty(plan.Notes);
    }

    [Fact]
    public void Last_task_writes_a_temporary_file_next_to_the_output()
    {
        var spec = Spec("flv");
        var plan = PlanOk(spec);

        var task = Assert.Single(plan.Tasks);
        Assert.Equal(plan.TempOutputPath, task.OutputPath);
        // Same directory as the real output, so the final rename is atomic; never the output name itself.
        Assert.Equal(Path.GetDirectoryName(spec.OutputPath()), Path.GetDirectoryName(plan.TempOutputPath));
        Assert.NotEqual(spec.OutputPath(), plan.TempOutputPath);
        Assert.Equal(Path.Combine(DstDir, "record.flv"), spec.OutputPath());
    }

    [Fact]
    public void Segment_example_is_one_frame_exact_reencode_of_two_cuts()
    {
        var plan = PlanOk(Spec("flv", "1-5:2-10"));

        var task = Assert.Single(plan.Tasks);
        Assert.Equal(TaskKind.Transcode, task.Kind);
        // FLV has no edit lists: its H.264 is encoded without B-frames.
        Assert.Equal(new VideoOp(StreamAction.Encode, "h264", NoBFrames: true), task.Video);
        Assert.Equal(StreamAction.Encode, task.Audio.Action);
        Assert.Equal("aac", task.Audio.Codec);
        Assert.False(task.KeyframeCuts);
        Assert.Equal(2, task.Cuts.Count);

        var first = FramesIn(1, 5, Fps);
        var second = FramesIn(2, 10, Fps);
        Assert.Equal(4 * Fps, first.Count);   // 120
        Assert.Equal(8 * Fps, second.Count);  // 240
        Assert.Equal(first.Count, task.Cuts[0].Frames);
        Assert.Equal(second.Count, task.Cuts[1].Frames);
        Assert.Equal(first.First, FirstFrameOf(task.Cuts[0], Fps));
        Assert.Equal(second.First, FirstFrameOf(task.Cuts[1], Fps));
        Assert.Equal(4 + 8, plan.OutputDuration, 9);
        Assert.Equal(plan.OutputDuration, task.Duration, 9);
    }

    [Fact]
    public void Overlapping_ranges_are_kept_in_the_given_order()
    {
        var plan = PlanOk(Spec("mp4", "10-20:0-15:12-13"));

        var cuts = Assert.Single(plan.Tasks).Cuts;
        (double From, double To)[] ranges = [(10, 20), (0, 15), (12, 13)];
        Assert.Equal(ranges.Length, cuts.Count);
        for (var i = 0; i < ranges.Length; i++)
        {
            var (from, to) = ranges[i];
            var rule = FramesIn(from, to, Fps);
            Assert.Equal(from, cuts[i].From);
            Assert.Equal(to, cuts[i].To);
            Assert.Equal(rule.Count, cuts[i].Frames);
            Assert.Equal(rule.First, FirstFrameOf(cuts[i], Fps));
            Assert.Equal(rule.Count / Fps, cuts[i].Duration, 9);
        }
        Assert.Equal(10 + 15 + 1, plan.OutputDuration, 9);
    }

    [Theory]
    [InlineData(0.5, 2.25)]
    [InlineData(0.01, 0.5)]
    [InlineData(1.234, 7.891)]
    [InlineData(0, 0.1)]
    public void Decimal_ranges_hold_the_frames_whose_time_falls_inside(double from, double to)
    {
        var text = $"{from.ToString(System.Globalization.CultureInfo.InvariantCulture)}-{to.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        var plan = PlanOk(Spec("mp4", text));

        var cut = Assert.Single(Assert.Single(plan.Tasks).Cuts);
        var rule = FramesIn(from, to, Fps);
        Assert.Equal(rule.Count, cut.Frames);
        Assert.Equal(rule.First, FirstFrameOf(cut, Fps));
        Assert.Equal(rule.Count / Fps, plan.OutputDuration, 9);
        // Audio starts with the first kept frame, not at the seek point.
        Assert.Equal(rule.First / Fps, cut.AudioTrimStart, 9);
    }

    [Fact]
    public void Decimal_example_counts_53_frames_at_30_fps()
    {
        // 0.5 * 30 = frame 15 is the first; 2.25 * 30 = 67.5, so frame 67 is the last: 67 - 15 + 1.
        var cut = Assert.Single(Assert.Single(PlanOk(Spec("mp4", "0.5-2.25")).Tasks).Cuts);
        Assert.Equal(FramesIn(0.5, 2.25, Fps).Count, cut.Frames);
        Assert.Equal(67 - 15 + 1, cut.Frames);
    }

    [Theory]
    [InlineData("0.01-0.02")]
    [InlineData("1.001-1.02")]
    public void Range_that_holds_no_frame_is_an_invalid_value(string segments)
    {
        var (from, to) = (double.Parse(segments.Split('-')[0], System.Globalization.CultureInfo.InvariantCulture),
            double.Parse(segments.Split('-')[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, FramesIn(from, to, Fps).Count);

        var result = TaskPlanner.Plan("job1", Spec("mp4", segments), Hd60(), new PlanningOptions());

        Assert.False(result.IsOk);
        Assert.Equal(ErrorCode.InvalidValue, result.Error!.Code);
    }

    [Fact]
    public void Range_past_the_end_is_cut_at_the_end()
    {
        var plan = PlanOk(Spec("mp4", "50-70"));

        var cut = Assert.Single(Assert.Single(plan.Tasks).Cuts);
        Assert.Equal(SourceSeconds, cut.To);
        Assert.Equal(FramesIn(50, SourceSeconds, Fps).Count, cut.Frames);
        Assert.Equal(SourceSeconds - 50, plan.OutputDuration, 9);
    }

    [Theory]
    [InlineData("60-70")]
    [InlineData("61-62")]
    [InlineData("1-5:60-61")]
    public void Range_that_starts_at_or_after_the_end_is_an_invalid_value(string segments)
    {
        var result = TaskPlanner.Plan("job1", Spec("mp4", segments), Hd60(), new PlanningOptions());

        Assert.False(result.IsOk);
        Assert.Equal(ErrorCode.InvalidValue, result.Error!.Code);
        Assert.False(string.IsNullOrWhiteSpace(result.Error.Message));
    }

    [Fact]
    public void Video_copy_with_segments_copies_each_range_into_a_part_then_joins_them_and_says_so()
    {
        var plan = PlanOk(Spec("flv", "1-5:2-10", new OutputSettings { VideoCodec = "copy" }));

        // One copied part per range, in order, then one join of them all.
        Assert.Equal(3, plan.Tasks.Count);
        Assert.Equal(Enumerable.Range(0, plan.Tasks.Count), plan.Tasks.Select(t => t.Index));
        var parts = plan.Tasks.Take(2).ToList();
        (double From, double To)[] ranges = [(1, 5), (2, 10)];
        for (var i = 0; i < parts.Count; i++)
        {
            var part = parts[i];
            Assert.Equal(TaskKind.Video, part.Kind);
            Assert.True(part.KeyframeCuts);
            Assert.Equal(VideoOp.Copy, part.Video);
            // The part carries the range's audio as it is; the join decides what becomes of it.
            Assert.Equal(AudioOp.Copy, part.Audio);
            Assert.Equal("matroska", part.Muxer);
            Assert.Equal(Path.Combine(plan.WorkDir, $"copy-{i:D4}.mkv"), part.OutputPath);
            Assert.Equal(SourcePath, part.SourcePath);
            var cut = Assert.Single(part.Cuts);
            Assert.Equal(ranges[i], (cut.From, cut.To));
            Assert.Null(cut.Frames); // key frames decide where it starts, not the frame grid
            Assert.Equal(ranges[i].To - ranges[i].From, part.Duration, 9);
            Assert.Empty(part.DependsOn);
            Assert.Empty(part.VideoParts);
            Assert.Null(part.AudioPart);
            Assert.True(part.Weight > 0, $"{part.TaskId} weight {part.Weight}");
        }

        var join = plan.Tasks[^1];
        Assert.Equal(TaskKind.Join, join.Kind);
        Assert.True(join.KeyframeCuts);
        Assert.Equal(parts.Select(p => p.OutputPath), join.VideoParts);
        Assert.Null(join.AudioPart); // audio comes from the parts, never from the whole source
        Assert.Empty(join.Cuts);
        Assert.Equal(VideoOp.Copy, join.Video);
        // audio auto with segments: encoded to the container's codec, as for any cut job.
        Assert.Equal(new AudioOp(StreamAction.Encode, "aac"), join.Audio);
        Assert.Equal(ContainerFormats.Find("flv")!.Muxer, join.Muxer);
        Assert.Equal(plan.TempOutputPath, join.OutputPath);
        Assert.Equal([0, 1], join.DependsOn.Order());
        Assert.Equal(4 + 8, join.Duration, 9);
        Assert.Equal(4 + 8, plan.OutputDuration, 9);
        Assert.True(join.Weight > 0);

        var note = Assert.Single(plan.Notes);
        Assert.Contains("key frame", note, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("copy", true, StreamAction.Copy, StreamAction.Copy)]
    [InlineData("aac", true, StreamAction.Copy, StreamAction.Encode)]
    [InlineData("none", true, StreamAction.Drop, StreamAction.Drop)]
    [InlineData("auto", false, StreamAction.Drop, StreamAction.Drop)]
    public void Keyframe_parts_copy_audio_unless_the_job_drops_it_and_the_join_applies_the_jobs_audio(
        string audioCodec, bool sourceHasAudio, StreamAction partAudio, StreamAction joinAudio)
    {
        var plan = PlanOk(Spec("mp4", "1-5:2-10:20-21", new OutputSettings { VideoCodec = "copy", AudioCodec = audioCodec }),
            Hd60(audio: sourceHasAudio));

        var parts = plan.Tasks.Where(t => t.Kind == TaskKind.Video).ToList();
        var join = Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Join);
        Assert.Equal(3, parts.Count);
        Assert.Equal(parts.Count + 1, plan.Tasks.Count);
        Assert.All(parts, p => Assert.True(p.KeyframeCuts));
        Assert.All(parts, p => Assert.Equal(VideoOp.Copy, p.Video));
        Assert.All(parts, p => Assert.Equal(partAudio == StreamAction.Copy ? AudioOp.Copy : AudioOp.Drop, p.Audio));
        Assert.Equal(joinAudio, join.Audio.Action);
        if (joinAudio == StreamAction.Encode) Assert.Equal(new AudioOp(StreamAction.Encode, "aac"), join.Audio);
        Assert.Null(join.AudioPart);
        Assert.Equal(parts.Select(p => p.OutputPath), join.VideoParts);
        Assert.Equal(parts.Select(p => p.Index).Order(), join.DependsOn.Order());
        Assert.DoesNotContain(plan.Tasks, t => t.Kind is TaskKind.Audio or TaskKind.Transcode);
    }

    [Fact]
    public void Keyframe_parts_are_never_chunked_and_live_in_the_work_dir()
    {
        // A 50 s range with 10 s chunks: a copy is cut only at the ranges, never into chunks.
        var plan = PlanOk(Spec("mkv", "0-50:55-60", new OutputSettings { VideoCodec = "copy" }), options: TenSecondChunks);

        var parts = plan.Tasks.Where(t => t.Kind == TaskKind.Video).ToList();
        Assert.Equal(2, parts.Count);
        Assert.Equal(DstDir, Path.GetDirectoryName(plan.WorkDir));
        Assert.All(parts, p => Assert.Equal(plan.WorkDir, Path.GetDirectoryName(p.OutputPath)));
        var outputs = plan.Tasks.Select(t => t.OutputPath).ToList();
        Assert.Equal(outputs.Count, outputs.Distinct().Count());
        Assert.Equal(plan.TempOutputPath, Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Join).OutputPath);
    }

    [Fact]
    public void Video_copy_without_segments_has_no_note()
    {
        var plan = PlanOk(Spec("mkv", output: new OutputSettings { VideoCodec = "copy" }));

        Assert.False(Assert.Single(plan.Tasks).KeyframeCuts);
        Assert.Empty(plan.Notes);
    }

    [Theory]
    [InlineData("mp3", "mp3")]
    [InlineData("m4a", "aac")]
    [InlineData("wav", "pcm_s16le")]
    public void Audio_only_container_drops_the_video(string format, string audioCodec)
    {
        // Even with a tiny chunk size: there is no video to chunk.
        var plan = PlanOk(Spec(format), options: new PlanningOptions(MaxTaskSeconds: 2, MinTaskSeconds: 1));

        var task = Assert.Single(plan.Tasks);
        Assert.Equal(StreamAction.Drop, task.Video.Action);
        Assert.NotEqual(StreamAction.Drop, task.Audio.Action);
        if (task.Audio.Action == StreamAction.Encode) Assert.Equal(audioCodec, task.Audio.Codec);
        Assert.Equal(ContainerFormats.Find(format)!.Muxer, task.Muxer);
    }

    [Fact]
    public void Aac_source_into_m4a_is_copied_and_into_mp3_encoded()
    {
        Assert.Equal(AudioOp.Copy, Assert.Single(PlanOk(Spec("m4a")).Tasks).Audio);
        Assert.Equal(new AudioOp(StreamAction.Encode, "mp3"), Assert.Single(PlanOk(Spec("mp3")).Tasks).Audio);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("1-5:2-10")]
    public void Source_without_audio_drops_audio(string? segments)
    {
        var plan = PlanOk(Spec("mp4", segments), Hd60(audio: false));

        Assert.All(plan.Tasks, t => Assert.Equal(StreamAction.Drop, t.Audio.Action));
        Assert.NotEqual(StreamAction.Drop, plan.Tasks[0].Video.Action);
    }

    [Fact]
    public void Audio_none_drops_audio_from_an_audio_source()
    {
        var plan = PlanOk(Spec("flv", output: new OutputSettings { AudioCodec = "none" }));

        Assert.Equal(StreamAction.Drop, Assert.Single(plan.Tasks).Audio.Action);
    }

    [Fact]
    public void Nothing_left_to_write_is_source_unusable()
    {
        var result = TaskPlanner.Plan("job1", Spec("mp3"), Hd60(audio: false), new PlanningOptions());

        Assert.False(result.IsOk);
        Assert.Equal(ErrorCode.SourceUnusable, result.Error!.Code);
    }

    [Theory]
    [InlineData("flv", "vp9", "auto")]
    [InlineData("flv", "hevc", "auto")]
    [InlineData("webm", "h264", "auto")]
    [InlineData("flv", "auto", "opus")]
    [InlineData("webm", "auto", "aac")]
    [InlineData("mp3", "auto", "aac")]
    public void Codec_that_does_not_fit_the_container_is_an_invalid_value(string format, string video, string audio)
    {
        var spec = Spec(format, output: new OutputSettings { VideoCodec = video, AudioCodec = audio });

        var result = TaskPlanner.Plan("job1", spec, Hd60(), new PlanningOptions());

        Assert.False(result.IsOk);
        Assert.Equal(ErrorCode.InvalidValue, result.Error!.Code);
    }

    [Fact]
    public void Copying_a_vp9_source_into_flv_is_an_invalid_value()
    {
        var result = TaskPlanner.Plan("job1", Spec("flv", output: new OutputSettings { VideoCodec = "copy" }),
            Hd60(videoCodec: "vp9"), new PlanningOptions());

        Assert.False(result.IsOk);
        Assert.Equal(ErrorCode.InvalidValue, result.Error!.Code);
    }

    [Fact]
    public void Auto_with_a_source_codec_that_does_not_fit_reencodes_with_the_container_default()
    {
        var plan = PlanOk(Spec("flv"), Hd60(videoCodec: "vp9", audioCodec: "opus"));

        var task = Assert.Single(plan.Tasks);
        Assert.Equal(new VideoOp(StreamAction.Encode, "h264", NoBFrames: true), task.Video);
        Assert.Equal(new AudioOp(StreamAction.Encode, "aac"), task.Audio);
    }

    [Theory]
    [InlineData("flv", true)]
    [InlineData("mp4", false)]
    [InlineData("mkv", false)]
    [InlineData("mov", false)]
    [InlineData("ts", false)]
    [InlineData("webm", false)]
    public void Video_encodes_go_without_b_frames_only_for_flv(string format, bool noBFrames)
    {
        var codec = ContainerFormats.Find(format)!.DefaultVideoCodec!;
        // One task, and chunks: every encoding task carries it.
        var single = PlanOk(Spec(format, "1-5:2-10"));
        var chunked = PlanOk(Spec(format, output: new OutputSettings { VideoCodec = codec, Crf = 20 }), options: TenSecondChunks);
        Assert.Contains(chunked.Tasks, t => t.Kind == TaskKind.Video);

        Assert.Equal(new VideoOp(StreamAction.Encode, codec, NoBFrames: noBFrames), Assert.Single(single.Tasks).Video);
        foreach (var task in chunked.Tasks.Where(t => t.Video.Action == StreamAction.Encode))
            Assert.Equal(new VideoOp(StreamAction.Encode, codec, Crf: 20, NoBFrames: noBFrames), task.Video);
        Assert.Equal(chunked.Tasks.Count(t => t.Kind == TaskKind.Video),
            chunked.Tasks.Count(t => t.Video.Action == StreamAction.Encode));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("1-5:2-10")]
    public void Copied_flv_video_is_a_plain_copy(string? segments)
    {
        var plan = PlanOk(Spec("flv", segments, new OutputSettings { VideoCodec = "copy" }));

        Assert.All(plan.Tasks, t => Assert.Equal(VideoOp.Copy, t.Video));
    }

    [Theory]
    [InlineData("avi")]
    [InlineData("FLV")]
    [InlineData("")]
    public void Unknown_container_is_an_invalid_value(string format)
    {
        var spec = Spec("mp4") with { DstFormat = format };

        var result = TaskPlanner.Plan("job1", spec, Hd60(), new PlanningOptions());

        Assert.False(result.IsOk);
        Assert.Equal(ErrorCode.InvalidValue, result.Error!.Code);
    }

    [Fact]
    public void Zero_duration_source_is_unusable()
    {
        var result = TaskPlanner.Plan("job1", Spec("mp4"), Hd60() with { Duration = 0 }, new PlanningOptions());

        Assert.False(result.IsOk);
        Assert.Equal(ErrorCode.SourceUnusable, result.Error!.Code);
    }

    // ---- chunking ----------------------------------------------------------------------------------------------

    private static readonly PlanningOptions TenSecondChunks = new(MaxTaskSeconds: 10, WorkerSlots: 1);

    [Fact]
    public void Long_reencode_is_split_into_video_chunks_one_audio_task_and_a_join()
    {
        var plan = PlanOk(Spec("mp4", output: H264Aac), options: TenSecondChunks);

        var video = plan.Tasks.Where(t => t.Kind == TaskKind.Video).ToList();
        var audio = Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Audio);
        var join = Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Join);
        Assert.Equal((int)(SourceSeconds / 10), video.Count);
        Assert.Equal(video.Count + 2, plan.Tasks.Count);

        // Frames: every source frame in exactly one chunk, in order.
        var totalFrames = (int)(SourceSeconds * Fps);
        Assert.Equal(totalFrames, video.Sum(t => Assert.Single(t.Cuts).Frames!.Value));
        var next = 0;
        foreach (var chunk in video)
        {
            var cut = Assert.Single(chunk.Cuts);
            Assert.Equal(next, FirstFrameOf(cut, Fps));
            next += cut.Frames!.Value;
            Assert.True(chunk.Duration <= TenSecondChunks.MaxTaskSeconds + 1 / Fps, $"chunk of {chunk.Duration} s");
            Assert.Equal(cut.Frames.Value / Fps, chunk.Duration, 9);
            Assert.Equal(StreamAction.Drop, chunk.Audio.Action);
            Assert.Equal(new VideoOp(StreamAction.Encode, "h264"), chunk.Video);
        }
        Assert.Equal(totalFrames, next);

        // Audio once for the whole edit list, lossless; the join encodes it to the container's codec.
        Assert.Equal(StreamAction.Drop, audio.Video.Action);
        Assert.Equal(SourceSeconds, audio.Cuts.Sum(c => c.Duration), 9);
        Assert.Equal("aac", join.Audio.Codec);
        Assert.Equal(audio.OutputPath, join.AudioPart);

        // The join needs every other task and writes the temporary output.
        Assert.Equal(plan.Tasks.Where(t => t != join).Select(t => t.Index).Order(), join.DependsOn.Order());
        Assert.Equal(video.Select(t => t.OutputPath), join.VideoParts);
        Assert.Equal(plan.TempOutputPath, join.OutputPath);
        Assert.Equal(ContainerFormats.Find("mp4")!.Muxer, join.Muxer);
        Assert.Equal(SourceSeconds, join.Duration, 9);
        Assert.Equal(SourceSeconds, plan.OutputDuration, 9);

        Assert.All(plan.Tasks, t => Assert.True(t.Weight > 0, $"{t.TaskId} weight {t.Weight}"));
        Assert.All(plan.Tasks.Where(t => t.Kind != TaskKind.Join), t => Assert.Empty(t.DependsOn));
        Assert.Equal(Enumerable.Range(0, plan.Tasks.Count), plan.Tasks.Select(t => t.Index));
    }

    [Fact]
    public void Chunk_parts_live_in_the_work_dir_under_the_destination()
    {
        var plan = PlanOk(Spec("mp4", output: H264Aac), options: TenSecondChunks);

        Assert.Equal(DstDir, Path.GetDirectoryName(plan.WorkDir));
        Assert.All(plan.Tasks.Where(t => t.Kind != TaskKind.Join),
            t => Assert.Equal(plan.WorkDir, Path.GetDirectoryName(t.OutputPath)));
        var outputs = plan.Tasks.Select(t => t.OutputPath).ToList();
        Assert.Equal(outputs.Count, outputs.Distinct().Count());
    }

    [Fact]
    public void Chunked_job_with_copyable_audio_and_no_cuts_copies_audio_in_the_join()
    {
        // audio auto, aac fits mp4 and nothing is cut: the join takes the audio straight from the source.
        var plan = PlanOk(Spec("mp4", output: H264), options: TenSecondChunks);

        Assert.DoesNotContain(plan.Tasks, t => t.Kind == TaskKind.Audio);
        var join = Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Join);
        Assert.Equal(AudioOp.Copy, join.Audio);
        Assert.Null(join.AudioPart);
        Assert.Equal(plan.Tasks.Count - 1, join.DependsOn.Count);
    }

    [Fact]
    public void Chunked_job_without_audio_has_no_audio_task()
    {
        var plan = PlanOk(Spec("mp4", output: H264), Hd60(audio: false), TenSecondChunks);

        Assert.DoesNotContain(plan.Tasks, t => t.Kind == TaskKind.Audio);
        Assert.Equal(StreamAction.Drop, Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Join).Audio.Action);
    }

    [Fact]
    public void Chunked_segments_cover_each_range_exactly()
    {
        (double From, double To)[] ranges = [(1, 5), (2, 10), (0.5, 2.25)];
        var plan = PlanOk(Spec("flv", "1-5:2-10:0.5-2.25"), options: new PlanningOptions(MaxTaskSeconds: 3, MinTaskSeconds: 1));

        var video = plan.Tasks.Where(t => t.Kind == TaskKind.Video).Select(t => Assert.Single(t.Cuts)).ToList();
        var queue = new Queue<SourceCut>(video);
        foreach (var (from, to) in ranges)
        {
            var rule = FramesIn(from, to, Fps);
            var next = rule.First;
            var sum = 0;
            var pieces = 0;
            while (sum < rule.Count)
            {
                var chunk = queue.Dequeue();
                Assert.Equal(next, FirstFrameOf(chunk, Fps));
                next += chunk.Frames!.Value;
                sum += chunk.Frames.Value;
                pieces++;
                Assert.True(chunk.Duration <= 3 + 1 / Fps, $"chunk of {chunk.Duration} s");
            }
            Assert.Equal(rule.Count, sum);
            Assert.Equal((int)Math.Ceiling(rule.Count / Fps / 3 - 1e-9), pieces);
        }
        Assert.Empty(queue);

        var outputSeconds = ranges.Sum(r => FramesIn(r.From, r.To, Fps).Count) / Fps;
        Assert.Equal(outputSeconds, plan.OutputDuration, 9);
        // The one audio task follows the same edit list, range by range.
        var audio = Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Audio);
        Assert.Equal(ranges.Select(r => FramesIn(r.From, r.To, Fps).Count), audio.Cuts.Select(c => c.Frames!.Value));
        Assert.Equal(outputSeconds, audio.Duration, 9);
    }

    [Fact]
    public void Short_job_is_not_chunked()
    {
        var plan = PlanOk(Spec("mp4", "1-9", H264), options: TenSecondChunks);

        Assert.Equal(TaskKind.Transcode, Assert.Single(plan.Tasks).Kind);
    }

    [Fact]
    public void Source_whose_audio_runs_past_the_video_is_chunked_by_its_video()
    {
        // A 60 s MPEG-TS recording probes as 60.02 s (the audio starts and ends a little off the video): with 60 s
        // tasks and one slot its 1800 frames are one task, not one chunk plus a join.
        var media = Hd60() with { Duration = 60.021334 };
        media = media with { Video = media.Video! with { Duration = 60 } };

        var one = PlanOk(Spec("mp4", output: H264), media, new PlanningOptions(MaxTaskSeconds: 60, WorkerSlots: 1));
        Assert.Equal(TaskKind.Transcode, Assert.Single(one.Tasks).Kind);

        // With two slots the frames are still shared in two chunks, every frame once.
        var two = PlanOk(Spec("mp4", output: H264), media, new PlanningOptions(MaxTaskSeconds: 60, WorkerSlots: 2));
        var chunks = two.Tasks.Where(t => t.Kind == TaskKind.Video).ToList();
        Assert.Equal(2, chunks.Count);
        Assert.Equal(1800, chunks.Sum(t => t.Cuts.Single().Frames!.Value));
    }

    [Fact]
    public void Copy_jobs_are_never_chunked()
    {
        var plan = PlanOk(Spec("mp4"), options: TenSecondChunks);

        Assert.Equal(TaskKind.Transcode, Assert.Single(plan.Tasks).Kind);
    }

    [Theory]
    // duration, max, slots, min, expected: the work over the slots, at most max, at least min.
    [InlineData(60, 60, 1, 5, 60)]
    [InlineData(60, 60, 4, 5, 15)]
    [InlineData(60, 10, 2, 5, 10)]
    [InlineData(12, 60, 8, 5, 5)]
    [InlineData(12, 60, 0, 5, 12)]
    [InlineData(600, 60, 3, 5, 60)]
    public void Chunk_seconds_share_the_work_between_slots_within_bounds(double duration, double max, int slots, double min, double expected)
    {
        Assert.Equal(expected, TaskPlanner.ChunkSeconds(duration, new PlanningOptions(max, slots, min)), 9);
    }

    [Fact]
    public void More_slots_give_more_chunks()
    {
        var plan = PlanOk(Spec("mp4", output: H264Aac), options: new PlanningOptions(MaxTaskSeconds: 60, WorkerSlots: 4));

        // 60 s over 4 slots: four chunks of about 15 s (the first, with no pre-roll to decode, a little longer).
        var video = plan.Tasks.Where(t => t.Kind == TaskKind.Video).ToList();
        Assert.Equal(4, video.Count);
        Assert.All(video, t => Assert.InRange(t.Duration, 14, 16));
        Assert.Equal(SourceSeconds, video.Sum(t => t.Duration), 9);
    }

    /// <summary>Work of a chunk in frame units: its frames, plus its pre-roll at the decode share.</summary>
    private static double ChunkWork(SourceCut cut, double prerollCost) =>
        cut.Frames!.Value + prerollCost * (cut.From - cut.Seek) * Fps;

    [Theory]
    [InlineData(2, null)]
    [InlineData(3, null)]
    [InlineData(4, "2-50")]
    public void Parallel_chunks_carry_equal_work_counting_the_pre_roll_they_decode(int slots, string? segments)
    {
        var options = new PlanningOptions(MaxTaskSeconds: 60, WorkerSlots: slots);
        var plan = PlanOk(Spec("mp4", segments, H264), options: options);

        var cuts = plan.Tasks.Where(t => t.Kind == TaskKind.Video).Select(t => Assert.Single(t.Cuts)).ToList();
        Assert.Equal(slots, cuts.Count);
        var work = cuts.Select(c => ChunkWork(c, options.PrerollDecodeCost)).ToList();
        // Equal to within the rounding to whole frames.
        Assert.True(work.Max() - work.Min() <= 2, $"chunk work {string.Join(", ", work)}");
        // The chunk at the very start decodes no pre-roll, so it holds more frames than the others.
        if (segments is null) Assert.True(cuts[0].Frames > cuts[1].Frames, "the first chunk should be the longest");
    }

    [Fact]
    public void Without_a_pre_roll_cost_chunks_are_equal()
    {
        var plan = PlanOk(Spec("mp4", output: H264), options: new PlanningOptions(60, WorkerSlots: 4, PrerollDecodeCost: 0));

        Assert.All(plan.Tasks.Where(t => t.Kind == TaskKind.Video), t => Assert.Equal(15, t.Duration, 9));
    }

    [Fact]
    public void Balancing_never_pushes_a_chunk_past_the_cap()
    {
        // 60 s in 10 s chunks: every chunk is at the cap already, so balancing cannot lengthen the first.
        var plan = PlanOk(Spec("mp4", output: H264), options: new PlanningOptions(10, WorkerSlots: 8, PrerollDecodeCost: 0.5));

        var video = plan.Tasks.Where(t => t.Kind == TaskKind.Video).ToList();
        Assert.All(video, t => Assert.True(t.Duration <= 10 + 1e-9, $"chunk of {t.Duration} s"));
        Assert.Equal(SourceSeconds, video.Sum(t => t.Duration), 9);
    }

    // ---- ids ---------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(null)]
    [InlineData("1-5:2-10")]
    public void Task_ids_are_unique_and_the_same_for_the_same_inputs(string? segments)
    {
        var spec = Spec("flv", segments, H264Aac);
        var a = PlanOk(spec, options: TenSecondChunks with { MinTaskSeconds = 1 });
        var b = PlanOk(spec, options: TenSecondChunks with { MinTaskSeconds = 1 });

        Assert.True(a.Tasks.Count > 1);
        Assert.Equal(a.Tasks.Count, a.Tasks.Select(t => t.TaskId).Distinct().Count());
        Assert.Equal(a.Tasks.Select(t => t.TaskId), b.Tasks.Select(t => t.TaskId));
        Assert.Equal(a.Tasks.Select(Describe), b.Tasks.Select(Describe));
        Assert.Equal((a.OutputDuration, a.TempOutputPath, a.WorkDir), (b.OutputDuration, b.TempOutputPath, b.WorkDir));
        Assert.All(a.Tasks, t => Assert.Equal("job1", t.JobId));
        Assert.All(a.Tasks, t => Assert.Equal(TaskPlanner.TaskId("job1", t.Index), t.TaskId));
    }

    [Fact]
    public void Different_jobs_get_different_task_ids_and_paths()
    {
        var spec = Spec("mp4", output: H264Aac);
        var a = PlanOk(spec, options: TenSecondChunks, jobId: "a");
        var b = PlanOk(spec, options: TenSecondChunks, jobId: "b");

        Assert.Empty(a.Tasks.Select(t => t.TaskId).Intersect(b.Tasks.Select(t => t.TaskId)));
        Assert.Empty(a.Tasks.Select(t => t.OutputPath).Intersect(b.Tasks.Select(t => t.OutputPath)));
    }

    private static string Describe(TaskSpec t) => string.Join("|", t.TaskId, t.Kind, t.KeyframeCuts, t.OutputPath, t.Muxer, t.Video, t.Audio,
        t.Duration, t.Weight, string.Join(",", t.Cuts), string.Join(",", t.DependsOn), string.Join(",", t.VideoParts), t.AudioPart);

    // ---- audio copy with cuts ----------------------------------------------------------------------------------

    [Fact]
    public void Audio_copy_with_segments_never_takes_the_whole_source_audio_into_a_chunked_output()
    {
        // audio_codec copy with segments and a chunked video: the output's audio must follow the edit list.
        var plan = PlanOk(Spec("mp4", "1-5:2-10", new OutputSettings { VideoCodec = "h264", AudioCodec = "copy" }),
            options: new PlanningOptions(MaxTaskSeconds: 3, MinTaskSeconds: 1));

        var join = Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Join);
        Assert.NotEqual(StreamAction.Drop, join.Audio.Action);
        // With no audio part the join maps the source's whole audio track (60 s) under 12 s of video.
        Assert.NotNull(join.AudioPart);
    }

    [Theory]
    [InlineData("01a2-t0", "01a2")]
    [InlineData("01a2-t17", "01a2")]
    [InlineData("my-tag-t3", "my-tag")]
    [InlineData("job-t1-t2", "job-t1")]
    [InlineData("no-task-suffix", "no-task-suffix")]
    [InlineData("x-t", "x-t")]
    [InlineData("-t1", "-t1")]
    public void The_job_of_a_task_id_is_everything_before_its_last_task_suffix(string taskId, string jobId)
    {
        Assert.Equal(jobId, TaskPlanner.JobIdOf(taskId));
        if (jobId != taskId) Assert.Equal(taskId, TaskPlanner.TaskId(jobId, int.Parse(taskId[(taskId.LastIndexOf("-t", StringComparison.Ordinal) + 2)..])));
    }
}
