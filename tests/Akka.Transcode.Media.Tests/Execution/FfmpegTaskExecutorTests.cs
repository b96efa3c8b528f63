using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Domain.Segments;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Media.Execution;
using Akka.Transcode.Media.Running;
using Akka.Transcode.Media.Tests.Support;
using static Akka.Transcode.Media.Tests.Execution.ExecutionSource;

namespace Akka.Transcode.Media.Tests.Execution;

/// <summary>
/// Plans made by <see cref="TaskPlanner"/> for a small real source, run task by task with real ffmpeg, and the
/// results checked by decoding them.
/// </summary>
public sealed class FfmpegTaskExecutorTests(ExecutionSource source) : IClassFixture<ExecutionSource>, IDisposable
{
    private const double Frame = 1 / Fps;
    private readonly ScratchDir _out = new();
    private readonly FfmpegTaskExecutor _executor = new(new FfmpegRunner(), TempRoots.Guard);

    public void Dispose() => _out.Dispose();

    private JobSpec Spec(string format, string? segments = null, OutputSettings? output = null, string? sourcePath = null, string? dstDir = null)
    {
        var parsed = SegmentParser.Parse(segments);
        Assert.True(parsed.IsOk, parsed.Error?.Message);
        return new JobSpec
        {
            SourcePath = sourcePath ?? source.Path, DstDir = dstDir ?? _out.Path, DstFormat = format,
            Segments = parsed.Value!, SegmentsText = segments, Output = output ?? OutputSettings.Default,
        };
    }

    private JobPlan Plan(JobSpec spec, PlanningOptions? options = null, string jobId = "job")
    {
        var plan = TaskPlanner.Plan(jobId, spec, source.Info, options ?? new PlanningOptions());
        Assert.True(plan.IsOk, plan.Error?.Message);
        return plan.Value!;
    }

    private async Task<TaskOutcome> Run(TaskSpec task, CancellationToken ct = default) =>
        await _executor.RunAsync(task, _ => { }, ct).WaitAsync(TimeSpan.FromSeconds(60));

    /// <summary>Runs a plan the way the job does: every task whose inputs exist, then the join; returns the output.</summary>
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
                Assert.True(File.Exists(task.OutputPath), $"{task.Kind} task {task.Index} wrote no {task.OutputPath}");
                done.Add(task.Index);
            }
        }
        Assert.True(File.Exists(plan.TempOutputPath));
        return plan.TempOutputPath;
    }

    private IReadOnlyList<int> FramesIn(double from, double to) => MediaCheck.FramesIn(from, to, Fps, source.Frames, source.VideoOffset);

    private static void AssertH264Aac(string path)
    {
        var streams = MediaCheck.Streams(path);
        Assert.Contains(("video", "h264"), streams);
        Assert.Contains(("audio", "aac"), streams);
        Assert.Equal(2, streams.Count);
    }

    private static void AssertDecodesClean(string path) => Assert.Equal("", MediaCheck.DecodeErrors(path));

    /// <summary>Plays: a full decode succeeds and yields pictures (timestamp warnings aside).</summary>
    private static void AssertPlays(string path)
    {
        var (code, _, errors) = MediaCheck.Run("ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", "file:" + path, "-f", "null", "-");
        Assert.True(code == 0, $"decode failed: {errors}");
        Assert.True(MediaCheck.VideoFrames(path) > 0);
    }

    private void AssertNoLeftovers(params string[] allowed)
    {
        var files = Directory.EnumerateFiles(_out.Path, "*", SearchOption.AllDirectories).Except(allowed).ToList();
        Assert.True(files.Count == 0, "left behind: " + string.Join(", ", files));
    }

    // (a) --------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Segment_example_gives_h264_aac_with_the_frames_of_both_ranges()
    {
        var plan = Plan(Spec("flv", "1-5:2-10"));
        Assert.Equal(TaskKind.Transcode, Assert.Single(plan.Tasks).Kind);

        var output = await RunPlan(plan);

        AssertH264Aac(output);
        var expected = FramesIn(1, 5).Count + FramesIn(2, 10).Count;
        Assert.Equal((5 - 1 + 10 - 2) * (int)Fps, expected);
        Assert.Equal(expected, MediaCheck.VideoFrames(output));
        Assert.InRange(MediaCheck.StreamSeconds(output, "a:0"), 12 - 0.1, 12 + 0.1);
        AssertDecodesClean(output);
        AssertNoLeftovers(output);
    }

    [Fact]
    public async Task Segment_example_in_flv_starts_at_zero_and_lasts_the_edit_list()
    {
        // FLV has no edit list: with B-frames the first frame showed at 2 frames (0.067 s) and the file ran long.
        var plan = Plan(Spec("flv", "1-5:2-10"));
        Assert.True(Assert.Single(plan.Tasks).Video.NoBFrames);

        var output = await RunPlan(plan);

        const double aacFrame = 1024 / 48000.0;
        Assert.InRange(MediaCheck.StreamStart(output, "v:0"), -Frame, Frame);
        Assert.InRange(MediaCheck.FormatSeconds(output), 12 - Frame, 12 + aacFrame + Frame);
        Assert.Equal(0, MediaCheck.BFrames(output));
    }

    [Fact]
    public async Task Mp4_encodes_keep_b_frames()
    {
        // Only FLV gives them up: mp4 has edit lists that hide the reordering delay.
        var plan = Plan(Spec("mp4", "1-5:2-10"));
        Assert.False(Assert.Single(plan.Tasks).Video.NoBFrames);

        var output = await RunPlan(plan);

        Assert.True(MediaCheck.BFrames(output) > 0);
        Assert.InRange(MediaCheck.StreamStart(output, "v:0"), -Frame, Frame);
    }

    [Fact]
    public async Task Cuts_keep_exactly_the_source_frames_of_each_range_in_order()
    {
        // Lossless H.264, so each output frame can be compared with the source frame it must be.
        var plan = Plan(Spec("mkv", "1-2:5-6.5:1.5-1.6", new OutputSettings { VideoCodec = "h264", Crf = 0 }));

        var output = await RunPlan(plan);

        var expected = FramesIn(1, 2).Concat(FramesIn(5, 6.5)).Concat(FramesIn(1.5, 1.6)).Select(k => source.Hashes[k]).ToList();
        Assert.Equal(expected, MediaCheck.FrameHashes(output));
    }

    // (b) and (c) ------------------------------------------------------------------------------------------------

    private static readonly PlanningOptions ThreeSecondChunks = new(MaxTaskSeconds: 3, WorkerSlots: 1, MinTaskSeconds: 1);

    [Fact]
    public async Task Chunked_whole_source_joins_to_every_source_frame()
    {
        var plan = Plan(Spec("mp4", output: new OutputSettings { VideoCodec = "h264" }), ThreeSecondChunks);
        Assert.True(plan.Tasks.Count(t => t.Kind == TaskKind.Video) >= (int)(Seconds / 3));
        Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Join);

        var output = await RunPlan(plan);

        AssertH264Aac(output);
        Assert.Equal(source.Frames, MediaCheck.VideoFrames(output));
        Assert.InRange(MediaCheck.StreamSeconds(output, "v:0"), source.Frames * Frame - Frame, source.Frames * Frame + Frame);
        Assert.InRange(MediaCheck.StreamSeconds(output, "a:0"), Seconds - 0.1, Seconds + 0.1);
        AssertDecodesClean(output);
        AssertNoLeftovers([output, .. plan.Tasks.Where(t => t.Kind != TaskKind.Join).Select(t => t.OutputPath)]);
    }

    [Fact]
    public async Task Chunked_segments_join_to_the_frames_of_each_range()
    {
        var plan = Plan(Spec("mp4", "1-4:6-9.5", new OutputSettings { VideoCodec = "h264" }), ThreeSecondChunks);
        Assert.Contains(plan.Tasks, t => t.Kind == TaskKind.Audio);
        Assert.True(plan.Tasks.Count(t => t.Kind == TaskKind.Video) >= 2);

        var output = await RunPlan(plan);

        AssertH264Aac(output);
        var expected = FramesIn(1, 4).Count + FramesIn(6, 9.5).Count;
        Assert.Equal(expected, MediaCheck.VideoFrames(output));
        Assert.InRange(MediaCheck.StreamSeconds(output, "v:0"), expected * Frame - Frame, expected * Frame + Frame);
        Assert.InRange(MediaCheck.StreamSeconds(output, "a:0"), 3 + 3.5 - 0.1, 3 + 3.5 + 0.1);
        AssertDecodesClean(output);
    }

    [Fact]
    public async Task Chunk_boundaries_hold_each_source_frame_once_in_order()
    {
        var plan = Plan(Spec("mkv", "0.5-7.25:2-4", new OutputSettings { VideoCodec = "h264", Crf = 0 }), ThreeSecondChunks);
        Assert.True(plan.Tasks.Count(t => t.Kind == TaskKind.Video) >= 3);

        var output = await RunPlan(plan);

        var expected = FramesIn(0.5, 7.25).Concat(FramesIn(2, 4)).Select(k => source.Hashes[k]).ToList();
        Assert.Equal(expected, MediaCheck.FrameHashes(output));
    }

    // (d) --------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Keyframe_cut_copy_plays()
    {
        var plan = Plan(Spec("flv", "1-5:2-10", new OutputSettings { VideoCodec = "copy" }));
        var parts = plan.Tasks.Where(t => t.Kind == TaskKind.Video).ToList();
        Assert.Equal(2, parts.Count);
        Assert.All(parts, t => Assert.True(t.KeyframeCuts));
        Assert.True(Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Join).KeyframeCuts);

        var output = await RunPlan(plan);

        AssertH264Aac(output);
        AssertPlays(output);
        // Each part is a playable copy of its range, video and audio, with timestamps from zero.
        foreach (var part in parts)
        {
            var streams = MediaCheck.Streams(part.OutputPath);
            Assert.Equal([("video", "h264"), ("audio", "aac")], streams);
            AssertPlays(part.OutputPath);
            var (video, audio) = (MediaCheck.StreamStart(part.OutputPath, "v:0"), MediaCheck.StreamStart(part.OutputPath, "a:0"));
            Assert.Equal(0, Math.Min(video, audio), 3);
            Assert.True(video >= 0 && audio >= 0, $"part {part.Index}: video starts at {video}, audio at {audio}");
        }
        // Only the parts (removed with the job's work dir) stay: the concat list is gone.
        AssertNoLeftovers([output, .. parts.Select(t => t.OutputPath)]);
    }

    [Fact]
    public async Task Keyframe_cut_copy_decodes_clean()
    {
        // Each range starts at the key frame before it; those early frames must not overlap the previous range's
        // timestamps ("non monotonically increasing dts" on a full decode).
        var output = await RunPlan(Plan(Spec("flv", "1-5:2-10", new OutputSettings { VideoCodec = "copy" })));

        AssertDecodesClean(output);
    }

    [Fact]
    public async Task Keyframe_cut_starts_at_the_key_frame_before_the_range_and_ends_with_it()
    {
        // Copy keeps pictures bit-exact, so output frames can be found in the source. Each part holds one range: it
        // starts at the key frame at or before the range's first frame (at most one GOP early), runs on frame by frame
        // and ends with the range's last frame; the output is the parts one after the other.
        await AssertKeyframeParts([(5, 7), (8, 10), (2, 4)]);
    }

    [Fact]
    // Ranges starting between key frames: MPEG-TS seeking lands late, so the part must still start at the key frame
    // before the range, not the one after it.
    public async Task Keyframe_cut_between_key_frames_starts_at_the_key_frame_before_the_range()
    {
        await AssertKeyframeParts([(5.5, 7), (1.2, 2.5)]);
    }

    private async Task AssertKeyframeParts((double From, double To)[] ranges)
    {
        var segments = string.Join(":", ranges.Select(r => FormattableString.Invariant($"{r.From}-{r.To}")));
        var plan = Plan(Spec("mkv", segments, new OutputSettings { VideoCodec = "copy" }));
        var parts = plan.Tasks.Where(t => t.Kind == TaskKind.Video).ToList();
        Assert.Equal(ranges.Length, parts.Count);

        var output = await RunPlan(plan);

        var all = new List<string>();
        for (var i = 0; i < parts.Count; i++)
        {
            var hashes = MediaCheck.FrameHashes(parts[i].OutputPath);
            var wanted = FramesIn(ranges[i].From, ranges[i].To);
            var firstIndex = IndexIn(source.Hashes, hashes[0]);
            var lastIndex = IndexIn(source.Hashes, hashes[^1]);
            Assert.True(firstIndex >= wanted[0] - Gop && firstIndex <= wanted[0],
                $"part {i} starts with source frame {firstIndex}, range {ranges[i]} starts at {wanted[0]}");
            Assert.True(firstIndex % Gop == 0, $"part {i} starts with source frame {firstIndex}, not a key frame");
            Assert.True(lastIndex >= wanted[^1] - 1 && lastIndex <= wanted[^1],
                $"part {i} ends with source frame {lastIndex}, range {ranges[i]} ends at {wanted[^1]}");
            Assert.Equal(Enumerable.Range(firstIndex, lastIndex - firstIndex + 1).Select(k => source.Hashes[k]), hashes);
            all.AddRange(hashes);
        }
        Assert.Equal(all, MediaCheck.FrameHashes(output));
    }

    private static int IndexIn(IReadOnlyList<string> hashes, string hash)
    {
        var i = hashes.ToList().IndexOf(hash);
        Assert.True(i >= 0, $"frame {hash} is not a source frame");
        return i;
    }

    // (e) --------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Names_with_spaces_quotes_and_unicode_work_end_to_end()
    {
        var dir = Path.Combine(_out.Path, "src 'dir' \"x\"");
        Directory.CreateDirectory(dir);
        var hostile = Path.Combine(dir, "it's \"q\" ünï 日本 $HOME -x.bin");
        File.Copy(source.Path, hostile);
        var dst = Path.Combine(_out.Path, "out 'o' \"d\" ü");

        // Chunked (frame-exact cuts of the source, audio task, join): the join's concat list names parts under the
        // hostile destination.
        var chunked = Plan(Spec("mp4", "1-5", new OutputSettings { VideoCodec = "h264" }, hostile, dst), ThreeSecondChunks, "job-e1");
        Assert.Contains(chunked.Tasks, t => t.Kind == TaskKind.Join);
        var joined = await RunPlan(chunked);
        Assert.Equal(FramesIn(1, 5).Count, MediaCheck.VideoFrames(joined));
        AssertDecodesClean(joined);

        // Key-frame cut: each part names the hostile source as one argument, the join's list names parts under the
        // hostile destination.
        var copied = await RunPlan(Plan(Spec("flv", "2-4:6-8", new OutputSettings { VideoCodec = "copy" }, hostile, dst), jobId: "job-e2"));
        AssertH264Aac(copied);
        AssertPlays(copied);
    }

    // (f) --------------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Cancelling_a_running_encode_returns_canceled_and_leaves_nothing()
    {
        // Upscaled to 1080p with a slow preset: seconds of work, cancelled as soon as it reports progress.
        var plan = Plan(Spec("mp4", output: new OutputSettings { VideoCodec = "h264", Width = 1920, Height = 1080, Preset = "slow" }));
        var task = Assert.Single(plan.Tasks);
        using var cts = new CancellationTokenSource();
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var run = _executor.RunAsync(task, p => { if (p.Percent < 100) running.TrySetResult(); }, cts.Token);
        await running.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await cts.CancelAsync();
        var outcome = await run.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(outcome.Canceled);
        Assert.False(outcome.Success);
        Assert.False(File.Exists(task.OutputPath));
        AssertNoLeftovers();
    }

    [Fact]
    public async Task Cancelled_before_it_starts_a_keyframe_join_leaves_no_concat_list()
    {
        // Key-frame cuts write their concat list in the join, not in the parts.
        var plan = Plan(Spec("flv", "1-5:6-8", new OutputSettings { VideoCodec = "copy" }));
        var parts = plan.Tasks.Where(t => t.Kind == TaskKind.Video).ToList();
        foreach (var part in parts)
            Assert.True((await Run(part)).Success);
        var join = Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Join);
        Assert.True(join.KeyframeCuts);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        var outcome = await Run(join, cts.Token);

        Assert.True(outcome.Canceled);
        Assert.False(outcome.Success);
        Assert.False(File.Exists(join.OutputPath));
        AssertNoLeftovers([.. parts.Select(t => t.OutputPath)]);
    }

    [Fact]
    public async Task Cancelled_before_it_starts_a_keyframe_part_leaves_nothing()
    {
        var plan = Plan(Spec("flv", "1-5", new OutputSettings { VideoCodec = "copy" }));
        var part = Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Video);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        var outcome = await Run(part, cts.Token);

        Assert.True(outcome.Canceled);
        Assert.False(outcome.Success);
        AssertNoLeftovers();
    }

    // (g) --------------------------------------------------------------------------------------------------------

    private string CorruptCopy()
    {
        // The source's first packets, then zeros: what a recording cut off by a crash and pre-allocated looks like.
        var path = _out.File("corrupt.bin");
        var head = File.ReadAllBytes(source.Path).AsSpan(0, 4096).ToArray();
        File.WriteAllBytes(path, [.. head, .. new byte[400_000]]);
        return path;
    }

    [Theory]
    [InlineData(null, "h264")]
    [InlineData("1-5:2-10", "h264")]
    [InlineData("1-5:2-10", "copy")]
    public async Task Corrupt_source_fails_with_a_message_and_leaves_nothing(string? segments, string videoCodec)
    {
        var corrupt = CorruptCopy();
        // Planned from the probe of the good file: the source was damaged after the master looked at it.
        var plan = Plan(Spec("flv", segments, new OutputSettings { VideoCodec = videoCodec }, corrupt));
        // Every task that reads the source: the one task, or each key-frame part.
        var readers = plan.Tasks.Where(t => t.Kind != TaskKind.Join).ToList();
        Assert.Equal(videoCodec == "copy" ? 2 : 1, readers.Count);

        foreach (var task in readers)
        {
            var outcome = await Run(task);

            Assert.False(outcome.Success);
            Assert.False(outcome.Canceled);
            Assert.NotNull(outcome.Code);
            Assert.False(string.IsNullOrWhiteSpace(outcome.Error));
            Assert.False(File.Exists(task.OutputPath));
            AssertNoLeftovers(corrupt);
        }
    }

    [Fact]
    public async Task A_failed_chunk_leaves_the_parts_directory_to_its_job_and_sibling_chunks()
    {
        // Another worker may be creating this directory for its own chunk right now: removing it made that chunk fail
        // for good with "a symbolic link appeared on the way" (a job of the breaker test failed so).
        var corrupt = CorruptCopy();
        var plan = Plan(Spec("mp4", null, new OutputSettings { VideoCodec = "h264" }, corrupt),
            new PlanningOptions { MinTaskSeconds = 2, MaxTaskSeconds = 4 });
        // The last chunk: its range lies in the zeros, where nothing decodes.
        var chunk = plan.Tasks.Last(t => t.Kind == TaskKind.Video);

        var outcome = await Run(chunk);

        Assert.False(outcome.Success, "a chunk of zeros succeeded");
        Assert.True(Directory.Exists(Path.GetDirectoryName(chunk.OutputPath)), "the failed chunk removed the job's parts directory");
        AssertNoLeftovers(corrupt);
    }

    [Fact]
    public async Task Missing_source_is_unusable()
    {
        var task = Assert.Single(Plan(Spec("flv", "1-5", sourcePath: _out.File("gone.bin"))).Tasks);

        var outcome = await Run(task);

        Assert.False(outcome.Success);
        Assert.Equal(ErrorCode.SourceUnusable, outcome.Code);
        AssertNoLeftovers();
    }

    [Fact]
    public async Task A_range_that_reads_no_frame_fails_instead_of_leaving_a_header_only_file()
    {
        // A seek counted twice (an absolute time given as the input -ss) can land past the end of the source: ffmpeg
        // then exits 0 with a file that holds headers and no frame. That is a failed attempt, not an output.
        var chunk = Plan(Spec("mp4", "0-12"), new PlanningOptions { MinTaskSeconds = 2, MaxTaskSeconds = 4 }).Tasks.Last(t => t.Kind == TaskKind.Video);
        var cut = Assert.Single(chunk.Cuts);
        var task = chunk with { Cuts = [cut with { Seek = Seconds + 5 }] };

        var outcome = await Run(task);

        Assert.False(outcome.Success, "a header-only output was reported as success");
        Assert.Equal(ErrorCode.Internal, outcome.Code);
        Assert.Contains("no video frame", outcome.Error);
        Assert.False(File.Exists(task.OutputPath));
        AssertNoLeftovers();
    }

    // audio copy with cuts ---------------------------------------------------------------------------------------

    [Fact]
    public async Task Segments_with_audio_copy_produce_the_edit_list()
    {
        // audio_codec copy is a valid request; with segments the audio has to follow the cuts.
        var plan = Plan(Spec("flv", "1-5:2-10", new OutputSettings { AudioCodec = "copy" }));

        var output = await RunPlan(plan);

        Assert.Equal(FramesIn(1, 5).Count + FramesIn(2, 10).Count, MediaCheck.VideoFrames(output));
        Assert.InRange(MediaCheck.StreamSeconds(output, "a:0"), 12 - 0.1, 12 + 0.1);
    }
}
