using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Outputs;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Domain.Segments;
using Akka.Transcode.Domain.Tasks;

namespace Akka.Transcode.Domain.Tests.Planning;

public class OutputGroupPlannerTests
{
    private const string Source = "/media/in/talk.mp4";
    private const string Dst = "/media/out";
    private const double Ntsc = 30000.0 / 1001;

    public static MediaInfo Source720(double fps = 25, double seconds = 60, bool audio = true, int width = 1280, int height = 720,
        double sampleAspect = 1, int rotation = 0) =>
        new("mov,mp4,m4a,3gp,3g2,mj2", seconds, new VideoStreamInfo("h264", width, height, fps, "yuv420p", Duration: seconds,
                SampleAspect: sampleAspect, Rotation: rotation),
            audio ? new AudioStreamInfo("aac", 48000, 2) : null);

    public static RenditionSpec Rung(string name, int height, long kbps, long audioKbps = 128) =>
        new(name, null, height, kbps * 1000, null, null, audioKbps * 1000);

    public static OutputSpec Ladder(double segmentSeconds = 4, bool noUpscale = true, string name = "cmaf", params RenditionSpec[] renditions) =>
        new()
        {
            Kind = OutputKind.Ladder, Name = name,
            Ladder = new LadderSpec
            {
                Hls = true, Dash = true, SegmentSeconds = segmentSeconds, NoUpscale = noUpscale,
                Renditions = renditions.Length > 0 ? renditions : [Rung("720p", 720, 3000), Rung("360p", 360, 800)],
            },
        };

    public static OutputSpec Thumbs(double interval = 10, int width = 320, int? height = null, bool sprite = true,
        int columns = 10, string format = "jpeg") =>
        new() { Kind = OutputKind.Thumbnails, Name = "thumbs", Thumbnails = new ThumbnailsSpec(interval, format, width, height, sprite, columns) };

    public static OutputSpec File(string format = "mp4", OutputSettings? settings = null, string name = "main") =>
        new() { Kind = OutputKind.File, Name = name, File = new FileOutputSpec(format, settings ?? new OutputSettings { VideoCodec = "h264" }) };

    public static JobSpec Group(string? segments, params OutputSpec[] outputs)
    {
        var parsed = SegmentParser.Parse(segments);
        Assert.True(parsed.IsOk, parsed.Error?.Message);
        return new JobSpec { SourcePath = Source, DstDir = Dst, DstFormat = "", Segments = parsed.Value!, SegmentsText = segments, Outputs = outputs };
    }

    public static JobPlan Planned(JobSpec spec, MediaInfo? media = null, PlanningOptions? options = null)
    {
        // Through the classic entry point: callers need no change for output groups.
        var result = TaskPlanner.Plan("j1", spec, media ?? Source720(), options ?? new PlanningOptions());
        Assert.True(result.IsOk, result.Error?.Message);
        return result.Value!;
    }

    /// <summary>The boundary rule counted frame by frame: segment k starts on the first frame j with j / fps >= k x s.</summary>
    private static List<int> BoundariesByRule(int frames, double fps, double s)
    {
        var result = new List<int>();
        for (var k = 0; ; k++)
        {
            var j = 0;
            while (j < frames && j / fps < k * s - 1e-9) j++;
            if (j >= frames) return result;
            if (result.Count == 0 || result[^1] != j) result.Add(j);
        }
    }

    // ---- segment boundaries and chunks -------------------------------------------------------------------------

    [Theory]
    [InlineData(25, 1500, 4, new[] { 0, 100, 200, 300 })]            // 25 fps: 4 s is exactly 100 frames
    [InlineData(30000.0 / 1001, 1798, 2, new[] { 0, 60, 120, 180 })]  // 59.94 frames per 2 s: the next whole frame
    [InlineData(30000.0 / 1001, 1798, 4, new[] { 0, 120, 240, 360 })] // 119.88 -> 120, 239.76 -> 240
    [InlineData(30000.0 / 1001, 1798, 1.001, new[] { 0, 30, 60, 90 })] // exactly 30 frames: no frame too late by rounding
    [InlineData(25, 1500, 0.04, new[] { 0, 1, 2, 3 })]                 // one frame per segment
    public void Segment_boundaries_are_the_first_frame_at_or_after_each_multiple(double fps, int frames, double seconds, int[] first)
    {
        var boundaries = OutputGroupPlanner.SegmentBoundaries(frames, fps, seconds);

        Assert.Equal(first, boundaries.Take(first.Length));
        Assert.Equal(BoundariesByRule(frames, fps, seconds), boundaries);
    }

    [Theory]
    [InlineData(25, 60, 4, 4, 4)]     // 15 segments over 4 slots (15 s chunks): 4 chunks
    [InlineData(25, 60, 4, 1, 1)]     // one slot, 60 s cap: one chunk
    [InlineData(Ntsc, 60, 2, 8, 8)]   // 29.97 fps
    [InlineData(25, 8, 4, 8, 2)]      // never more chunks than segments
    public void Chunks_are_runs_of_whole_segments_shared_evenly(double fps, double seconds, double segment, int slots, int chunks)
    {
        var frames = (int)Math.Round(seconds * fps);
        var options = new PlanningOptions(WorkerSlots: slots);
        var boundaries = OutputGroupPlanner.SegmentBoundaries(frames, fps, segment);

        var edges = OutputGroupPlanner.ChunkEdges(boundaries, frames, fps, options);

        Assert.Equal(chunks + 1, edges.Count);
        Assert.Equal(0, edges[0]);
        Assert.Equal(frames, edges[^1]);
        Assert.All(edges.SkipLast(1), e => Assert.Contains(e, boundaries));
        var perChunk = edges.Zip(edges.Skip(1), (a, b) => boundaries.Count(x => x >= a && x < b)).ToList();
        Assert.True(perChunk.Max() - perChunk.Min() <= 1, string.Join(",", perChunk));
    }

    [Fact]
    public void A_ladder_is_one_task_per_chunk_encoding_every_rendition_a_join_each_taking_its_track_and_one_audio_task()
    {
        var plan = Planned(Group(null, Ladder()), options: new PlanningOptions(WorkerSlots: 4));

        var chunks = plan.Tasks.Where(t => t.Kind == TaskKind.Video).ToList();
        Assert.Equal(4, chunks.Count); // 4 chunks, each with both renditions: the source is decoded once
        var v720 = new VideoOp(StreamAction.Encode, "h264", Bitrate: 3_000_000, Width: 1280, Height: 720, MaxBitrate: 4_500_000);
        var v360 = new VideoOp(StreamAction.Encode, "h264", Bitrate: 800_000, Width: 640, Height: 360, MaxBitrate: 1_200_000);
        Assert.Equal(1500, chunks.Sum(c => c.Cuts.Sum(x => x.Frames)));
        for (var i = 0; i < chunks.Count; i++)
        {
            var c = chunks[i];
            Assert.Equal([v720, v360], c.Renditions);
            Assert.Equal(v720, c.Video); // the first rendition, for every check made on Video
            Assert.Equal(AudioOp.Drop, c.Audio);
            Assert.Equal("matroska", c.Muxer);
            Assert.Equal(Path.Combine(plan.WorkDir, $"cmaf-{i:D4}.mkv"), c.OutputPath);
            // Every 4 s (100 frames) of the chunk, from 0, and the chunk starts on a boundary.
            var frames = c.Cuts.Sum(x => x.Frames!.Value);
            Assert.Equal(Enumerable.Range(0, (frames + 99) / 100).Select(k => k * 4.0), c.ForcedKeyframes);
            Assert.Equal(0, c.Cuts.Single().From * 25 % 100, 6);
        }

        var joins = plan.Tasks.Where(t => t.Kind == TaskKind.Join).ToList();
        var ladder = Assert.Single(plan.Package!.Ladders);
        Assert.Equal(ladder.Video.Select(v => v.SourceFile), joins.Select(j => j.OutputPath));
        for (var track = 0; track < joins.Count; track++)
        {
            var join = joins[track];
            // Every chunk's part, in output order, and from each the track of its own rendition.
            Assert.Equal(chunks.Select(c => c.OutputPath), join.VideoParts);
            Assert.Equal(chunks.Select(c => c.Index), join.DependsOn);
            Assert.Equal(track, join.VideoTrack);
            Assert.Equal(chunks[0].Renditions[track].Height, ladder.Video[track].Height);
            Assert.Equal(("mp4", 0.0, StreamAction.Copy, StreamAction.Drop),
                (join.Muxer, join.FragmentSeconds, join.Video.Action, join.Audio.Action));
        }
        var audio = Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Audio);
        Assert.Equal(new AudioOp(StreamAction.Encode, "aac", 128_000), audio.Audio);
        Assert.Equal(("mp4", 4.0), (audio.Muxer, audio.FragmentSeconds));
        Assert.Empty(audio.DependsOn);
        Assert.Equal(60, audio.Duration, 6);
        Assert.All(plan.Tasks.Where(t => t.Kind != TaskKind.Video), t => Assert.Empty(t.Renditions));
    }

    [Fact]
    public void Tasks_are_numbered_in_order_with_ids_output_names_and_dependencies_before_them()
    {
        var plan = Planned(Group("2-30", File(), Ladder(), Thumbs()), options: new PlanningOptions(MaxTaskSeconds: 10, MinTaskSeconds: 1));

        for (var i = 0; i < plan.Tasks.Count; i++)
        {
            var t = plan.Tasks[i];
            Assert.Equal((i, $"j1-t{i}", "j1"), (t.Index, t.TaskId, t.JobId));
            Assert.NotNull(t.OutputName);
            Assert.All(t.DependsOn, d => Assert.InRange(d, 0, i - 1));
            Assert.All(t.DependsOn, d => Assert.Equal(t.OutputName, plan.Tasks[d].OutputName));
        }
        Assert.Equal(["main", "cmaf", "thumbs"], plan.Tasks.Select(t => t.OutputName).Distinct());
        Assert.Equal(plan.Tasks.Count, plan.Tasks.Select(t => t.OutputPath).Distinct().Count());
    }

    [Fact]
    public void A_file_output_is_the_classic_plan_written_into_the_group_and_numbered_after_the_outputs_before_it()
    {
        var options = new PlanningOptions(MaxTaskSeconds: 10, MinTaskSeconds: 1);
        var settings = new OutputSettings { VideoCodec = "h264", Crf = 20 };
        var plan = Planned(Group("0-25", Thumbs(sprite: false), File("mkv", settings, "hq")), options: options);
        var classic = PlanSamples.PlanOk(new JobSpec
        {
            SourcePath = Source, DstDir = Dst, DstFormat = "mkv", Output = settings, Segments = [new TimeRange(0, 25)],
        }, Source720(), options, "j1");

        var file = plan.Tasks.Skip(1).ToList();
        Assert.Equal(TaskKind.Thumbnails, plan.Tasks[0].Kind);
        Assert.Equal(classic.Tasks.Count, file.Count);
        var temp = OutputLayout.TempGroupDir(Dst, Source, "j1");
        for (var i = 0; i < file.Count; i++)
        {
            var (mine, theirs) = (file[i], classic.Tasks[i]);
            Assert.Equal(theirs.DependsOn.Select(d => d + 1), mine.DependsOn);
            Assert.Equal((theirs.Kind, theirs.Video, theirs.Audio, theirs.Muxer), (mine.Kind, mine.Video, mine.Audio, mine.Muxer));
            Assert.Equal(theirs.Cuts, mine.Cuts);
            Assert.Equal("hq", mine.OutputName);
            if (theirs.OutputPath == classic.TempOutputPath)
                Assert.Equal(Path.Combine(temp, "hq.mkv"), mine.OutputPath);
            else
                Assert.Equal(Path.Combine(plan.WorkDir, "hq-" + Path.GetFileName(theirs.OutputPath)), mine.OutputPath);
        }
        Assert.Contains(file, t => t.Kind == TaskKind.Video); // it really was chunked
        Assert.Equal(temp, plan.TempOutputPath);
        Assert.Equal(Path.Combine(Dst, ".transcode-j1"), plan.WorkDir);
    }

    // ---- cuts ----------------------------------------------------------------------------------------------------

    [Fact]
    public void A_chunk_that_spans_two_cuts_reads_both_frame_exactly()
    {
        // 5 s + 7 s = 300 frames; 4 s segments; two chunks: [0, 100) and [100, 300), the second spanning the cuts.
        var plan = Planned(Group("0-5:10-17", Ladder(renditions: Rung("360p", 360, 800))),
            options: new PlanningOptions(WorkerSlots: 2, MinTaskSeconds: 5));

        var chunks = plan.Tasks.Where(t => t.Kind == TaskKind.Video).ToList();
        Assert.Equal(2, chunks.Count);
        Assert.Equal([(0, 100)], chunks[0].Cuts.Select(c => ((int)Math.Round(c.From * 25), c.Frames!.Value)));
        Assert.Equal([(100, 25), (250, 175)], chunks[1].Cuts.Select(c => ((int)Math.Round(c.From * 25), c.Frames!.Value)));
        Assert.Equal([0.0, 4.0], chunks[1].ForcedKeyframes); // output frames 100 and 200
        foreach (var cut in chunks.SelectMany(c => c.Cuts))
        {
            Assert.Equal(cut.Frames!.Value / 25.0, cut.Duration, 9);
            Assert.True(cut.Seek <= cut.From);
        }
        Assert.Equal(12, plan.OutputDuration, 9);
        var audio = Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Audio);
        Assert.Equal([(0.0, 5.0), (10.0, 17.0)], audio.Cuts.Select(c => (Math.Round(c.From, 6), Math.Round(c.To, 6))));
    }

    [Fact]
    public void At_29_97_fps_every_chunk_starts_on_a_boundary_frame_of_the_output()
    {
        var media = Source720(Ntsc, 60);
        var plan = Planned(Group(null, Ladder(2)), media, new PlanningOptions(WorkerSlots: 3));

        var boundaries = BoundariesByRule(1798, Ntsc, 2);
        var starts = new List<int>();
        var at = 0;
        foreach (var c in plan.Tasks.Where(t => t.Kind == TaskKind.Video && t.Video.Height == 720))
        {
            var first = (int)Math.Round(c.Cuts.Single().From * Ntsc);
            Assert.Equal(at, first);
            starts.Add(first);
            var frames = c.Cuts.Single().Frames!.Value;
            var expected = boundaries.Where(b => b >= first && b < first + frames).Select(b => (b - first) / Ntsc);
            Assert.Equal(expected, c.ForcedKeyframes);
            at += frames;
        }
        Assert.Equal(1798, at);
        Assert.Equal(3, starts.Count);
        Assert.All(starts, s => Assert.Contains(s, boundaries));
    }

    // ---- renditions ----------------------------------------------------------------------------------------------

    [Fact]
    public void No_upscale_leaves_out_renditions_larger_than_the_source_and_says_so()
    {
        var plan = Planned(Group(null, Ladder(renditions: [Rung("1080p", 1080, 6000), Rung("720p", 720, 3000), Rung("480p", 480, 1400)])));

        var ladder = Assert.Single(plan.Package!.Ladders);
        Assert.Equal([("720p", 1280, 720), ("480p", 854, 480)], ladder.Video.Select(v => (v.Name, v.Width, v.Height)));
        Assert.All(plan.Tasks.Where(t => t.Kind == TaskKind.Video),
            t => Assert.Equal([(1280, 720), (854, 480)], t.Renditions.Select(r => (r.Width!.Value, r.Height!.Value))));
        Assert.Contains(plan.Notes, n => n.Contains("'1080p' (1920x1080)") && n.Contains("no_upscale"));
    }

    // Anamorphic HDV (1440x1080 of 4:3 pixels, shown 1920x1080), PAL widescreen (720x576 of 64:45, shown 1024x576)
    // and a phone's portrait recording (1920x1080 coded, turned a quarter, shown 1080x1920): renditions keep the shape
    // as shown, in square pixels, and no_upscale measures against it. By the coded picture, the HDV 1080p rung was left
    // out and the 720p rung came out 960x720; the portrait rungs came out landscape.
    [Theory]
    [InlineData(1440, 1080, 4.0 / 3, 0, "1080p:1920x1080 720p:1280x720 480p:854x480 360p:640x360")]
    [InlineData(720, 576, 64.0 / 45, 0, "480p:854x480 360p:640x360")]
    [InlineData(1920, 1080, 1.0, 90, "1080p:608x1080 720p:406x720 480p:270x480 360p:202x360")]
    [InlineData(1920, 1080, 1.0, -90, "1080p:608x1080 720p:406x720 480p:270x480 360p:202x360")]
    [InlineData(1920, 1080, 1.0, 180, "1080p:1920x1080 720p:1280x720 480p:854x480 360p:640x360")]
    public void Rendition_sizes_follow_the_picture_as_shown(int codedW, int codedH, double sar, int rotation, string expected)
    {
        var plan = Planned(Group(null, Ladder(renditions:
                [Rung("1080p", 1080, 6000), Rung("720p", 720, 3000), Rung("480p", 480, 1400), Rung("360p", 360, 800)])),
            Source720(width: codedW, height: codedH, sampleAspect: sar, rotation: rotation));

        var ladder = Assert.Single(plan.Package!.Ladders);
        Assert.Equal(expected, string.Join(" ", ladder.Video.Select(v => $"{v.Name}:{v.Width}x{v.Height}")));
    }

    [Theory]
    [InlineData(1440, 1080, 4.0 / 3, 0, 320, 180)]
    [InlineData(1920, 1080, 1.0, 90, 320, 568)]
    public void Stills_keep_the_shape_as_shown(int codedW, int codedH, double sar, int rotation, int w, int h)
    {
        var plan = Planned(Group(null, Thumbs(width: 320, sprite: false)),
            Source720(width: codedW, height: codedH, sampleAspect: sar, rotation: rotation));

        Assert.Equal((w, h), (Assert.Single(plan.Tasks).Stills!.Width, plan.Tasks[0].Stills!.Height));
    }

    [Fact]
    public void Without_any_rendition_that_fits_the_smallest_is_kept_at_the_source_size()
    {
        var plan = Planned(Group(null, Ladder(renditions: [Rung("1080p", 1080, 6000), Rung("720p", 720, 3000)])),
            Source720(width: 640, height: 360));

        var only = Assert.Single(Assert.Single(plan.Package!.Ladders).Video);
        Assert.Equal(("720p", 640, 360), (only.Name, only.Width, only.Height));
        Assert.Contains(plan.Notes, n => n.Contains("'720p' is kept at 640x360"));
        Assert.Contains(plan.Notes, n => n.Contains("'1080p'"));
    }

    [Theory]
    [InlineData(null, 480, 1280, 720, 854, 480)]   // 853.3 -> the nearest even width
    [InlineData(640, null, 1280, 720, 640, 360)]
    [InlineData(null, 360, 720, 576, 450, 360)]    // 5:4
    [InlineData(null, 240, 1440, 1080, 320, 240)]  // 4:3
    [InlineData(426, 241, 1280, 720, 426, 242)]    // both given: kept, made even
    public void Rendition_sizes_are_exact_and_even_from_the_display_aspect(int? width, int? height, int srcW, int srcH, int w, int h)
    {
        var plan = Planned(Group(null, Ladder(noUpscale: false, renditions: new RenditionSpec("r", width, height, 500_000, null, null, 64_000))),
            Source720(width: srcW, height: srcH));

        var track = Assert.Single(Assert.Single(plan.Package!.Ladders).Video);
        Assert.Equal((w, h), (track.Width, track.Height));
        Assert.All(plan.Tasks.Where(t => t.Kind == TaskKind.Video), t => Assert.Equal((w, h), (t.Video.Width, t.Video.Height)));
    }

    [Fact]
    public void A_capped_crf_rendition_has_no_average_and_an_explicit_cap_wins()
    {
        var rung = new RenditionSpec("q", null, 360, 800_000, 1_000_000, 23, 96_000);
        var plan = Planned(Group(null, Ladder(renditions: rung)));

        var video = plan.Tasks.First(t => t.Kind == TaskKind.Video).Video;
        Assert.Equal((null, 23, 1_000_000L), (video.Bitrate, video.Crf, video.MaxBitrate));
    }

    [Fact]
    public void Chunk_weights_follow_seconds_times_the_renditions_pixels()
    {
        var plan = Planned(Group(null, Ladder()), options: new PlanningOptions(WorkerSlots: 2));

        var chunks = plan.Tasks.Where(t => t.Kind == TaskKind.Video).ToList();
        // 1280x720 is the whole source, 640x360 a quarter of it.
        Assert.All(chunks, c => Assert.Equal(c.Duration * (1 + 0.25), c.Weight, 9));
        Assert.Equal(60, chunks.Sum(c => c.Duration), 9);
        Assert.All(plan.Tasks.Where(t => t.Kind != TaskKind.Video), t => Assert.InRange(t.Weight, 0.001, t.Duration * 0.25));
    }

    [Fact]
    public void Renditions_with_the_same_audio_bitrate_share_one_audio_rendition()
    {
        var plan = Planned(Group(null, Ladder(renditions: [Rung("720p", 720, 3000, 128), Rung("480p", 480, 1400, 128), Rung("360p", 360, 800, 64)])));

        var audio = plan.Tasks.Where(t => t.Kind == TaskKind.Audio).ToList();
        Assert.Equal([128_000L, 64_000L], audio.Select(a => a.Audio.Bitrate!.Value));
        var ladder = Assert.Single(plan.Package!.Ladders);
        Assert.Equal(["audio-128k", "audio-128k", "audio-64k"], ladder.Video.Select(v => v.AudioGroup));
        Assert.Equal(["audio-128k", "audio-64k"], ladder.Audio.Select(a => a.AudioGroup));
        Assert.Equal(audio.Select(a => a.OutputPath), ladder.Audio.Select(a => a.SourceFile));
    }

    [Fact]
    public void A_silent_source_makes_a_ladder_without_audio()
    {
        var plan = Planned(Group(null, Ladder()), Source720(audio: false));

        Assert.DoesNotContain(plan.Tasks, t => t.Kind == TaskKind.Audio);
        var ladder = Assert.Single(plan.Package!.Ladders);
        Assert.Empty(ladder.Audio);
        Assert.All(ladder.Video, v => Assert.Null(v.AudioGroup));
    }

    // ---- the package plan ----------------------------------------------------------------------------------------

    [Fact]
    public void The_package_plan_names_every_task_output_and_writes_only_inside_the_temp_dir()
    {
        var plan = Planned(Group(null, Ladder(), Thumbs(format: "webp")));

        var package = plan.Package!;
        var temp = OutputLayout.TempGroupDir(Dst, Source, "j1");
        Assert.Equal(temp, package.TempDir);
        Assert.Equal("/media/out/.talk.j1.tmp", temp);
        var ladder = Assert.Single(package.Ladders);
        Assert.Equal(("cmaf", Path.Combine(temp, "cmaf"), true, true, 4.0),
            (ladder.Name, ladder.Dir, ladder.Hls, ladder.Dash, ladder.SegmentSeconds));
        var joins = plan.Tasks.Where(t => t.Kind == TaskKind.Join).Select(t => t.OutputPath).ToList();
        Assert.Equal(joins, ladder.Video.Select(v => v.SourceFile));
        Assert.Equal([Path.Combine(temp, "cmaf", "720p"), Path.Combine(temp, "cmaf", "360p")], ladder.Video.Select(v => v.Dir));
        Assert.Equal([Path.Combine(temp, "cmaf", "audio-128k")], ladder.Audio.Select(a => a.Dir));
        Assert.All(ladder.Video, v => Assert.Equal(25, v.FrameRate));
        Assert.Equal([3_000_000L, 800_000L], ladder.Video.Select(v => v.Bitrate));

        var stills = Assert.Single(package.Stills);
        var thumbnails = Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Thumbnails);
        var sprite = Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Sprite);
        Assert.Equal(thumbnails.OutputPath, stills.StreamFile);
        Assert.Equal(Path.Combine(temp, "thumbs"), stills.Dir);
        Assert.Equal(Path.Combine(temp, "thumbs", "sprite.webp"), sprite.OutputPath);
        Assert.Equal((6, 10.0, 60.0, true, 6, 320, 180, "webp"),
            (stills.Count, stills.IntervalSeconds, stills.OutputDuration, stills.Sprite, stills.Columns, stills.TileWidth, stills.TileHeight, stills.Format));

        // Task outputs outside the temp dir are parts in the work dir, which the job removes.
        Assert.All(plan.Tasks, t => Assert.True(t.OutputPath.StartsWith(temp + "/") || t.OutputPath.StartsWith(plan.WorkDir + "/"), t.OutputPath));
        Assert.All(ladder.Video.Concat(ladder.Audio), t => Assert.StartsWith(temp + "/", t.Dir));
    }

    // ---- thumbnails ----------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(null, 60, 10, 6)]        // 0, 10, ... 50: not 60, the end
    [InlineData(null, 61, 10, 7)]
    [InlineData(null, 59.96, 10, 6)]
    [InlineData(null, 60, 7, 9)]          // 0 ... 56
    [InlineData(null, 60, 120, 1)]        // always the first frame
    [InlineData("5-25:40-50.04", 60, 10, 4)] // 20 s + 10.04 s (251 frames): 0, 10, 20, 30
    public void Thumbnails_count_the_stills_strictly_before_the_end(string? segments, double seconds, double interval, int count)
    {
        var plan = Planned(Group(segments, Thumbs(interval, columns: 3)), Source720(seconds: seconds));

        var task = Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Thumbnails);
        var stills = task.Stills!;
        Assert.Equal(count, stills.Count);
        Assert.Equal(Enumerable.Range(0, 1000).Count(k => k * interval < plan.Package!.Stills[0].OutputDuration - 1e-9), count);
        Assert.Equal((Math.Min(3, count), (count + 2) / 3), (stills.Columns, stills.Rows));
        Assert.Equal(("image2pipe", StreamAction.Drop), (task.Muxer, task.Audio.Action));
        Assert.NotEmpty(task.Cuts); // the timeline's frames, read like a classic cut
        var sprite = Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Sprite);
        Assert.Equal([task.OutputPath], sprite.VideoParts);
        Assert.Equal([task.Index], sprite.DependsOn);
        Assert.Equal("image2", sprite.Muxer);
        Assert.Equal(stills, sprite.Stills);
    }

    [Theory]
    [InlineData(320, null, 1280, 720, 320, 180)]
    [InlineData(321, null, 1280, 720, 322, 182)] // 181.1 -> nearest even
    [InlineData(160, 160, 1280, 720, 160, 160)]
    [InlineData(200, null, 720, 576, 200, 160)]
    public void Stills_are_an_exact_even_size(int width, int? height, int srcW, int srcH, int w, int h)
    {
        var plan = Planned(Group(null, Thumbs(width: width, height: height, sprite: false)), Source720(width: srcW, height: srcH));

        var stills = Assert.Single(plan.Tasks).Stills!;
        Assert.Equal((w, h), (stills.Width, stills.Height));
        Assert.Equal((w, h), (plan.Package!.Stills[0].TileWidth, plan.Package.Stills[0].TileHeight));
    }

    // ---- refusals ------------------------------------------------------------------------------------------------

    public static TheoryData<string, JobSpec, MediaInfo> Refusals() => new()
    {
        { "needs a video stream", Group(null, Ladder()), new MediaInfo("mp3", 60, null, new AudioStreamInfo("mp3", 44100, 2)) },
        { "needs a video stream", Group(null, Thumbs()), new MediaInfo("mp3", 60, null, new AudioStreamInfo("mp3", 44100, 2)) },
        { "'tiny' has no pixels", Group(null, Ladder(renditions: new RenditionSpec("tiny", 1, null, 100_000, null, null, 64_000))), Source720() },
        { "has no pixels", Group(null, Thumbs(height: 0)), Source720() },
        { "h264 only", Group(null, Ladder() with { Ladder = Ladder().Ladder! with { VideoCodec = "hevc" } }), Source720() },
        { "shorter than one frame", Group(null, Ladder(0.01)), Source720() },
        { "no constant frame rate", Group(null, Ladder()), Source720(fps: 0) },
        { "holds no video frame", Group("0.01-0.02", Ladder()), Source720() },
        // Two hours of stills every 2 s, 320 wide in 10 columns: 360 rows of 180 px.
        { "more than 16383 a side", Group(null, Thumbs(interval: 2)), Source720(seconds: 7200) },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void What_the_source_cannot_give_is_refused_naming_the_output(string message, JobSpec spec, MediaInfo media)
    {
        var result = TaskPlanner.Plan("j1", spec, media, new PlanningOptions());

        Assert.False(result.IsOk);
        Assert.Equal(ErrorCode.InvalidValue, result.Error!.Code);
        Assert.Contains(message, result.Error.Message);
        Assert.Contains($"outputs '{spec.Outputs[0].Name}'", result.Error.Message);
    }

    [Fact]
    public void A_file_output_refusal_names_the_output_too()
    {
        var result = TaskPlanner.Plan("j1", Group(null, File("mp4", new OutputSettings { VideoCodec = "vp8" }, "web")), Source720(), new PlanningOptions());

        Assert.Equal(ErrorCode.InvalidValue, result.Error!.Code);
        Assert.StartsWith("outputs 'web': video_codec vp8", result.Error.Message);
    }

    [Fact]
    public void An_output_group_may_encode_video_unless_every_output_is_a_copying_file()
    {
        Assert.True(TaskPlanner.MayEncodeVideo(Group(null, Thumbs())));
        Assert.True(TaskPlanner.MayEncodeVideo(Group(null, File("mp4", new OutputSettings { VideoCodec = "copy" }), Ladder())));
        Assert.False(TaskPlanner.MayEncodeVideo(Group(null, File("mp4", new OutputSettings { VideoCodec = "copy" }))));
        Assert.True(TaskPlanner.MayEncodeVideo(Group(null, File("mkv"))));
    }
}
