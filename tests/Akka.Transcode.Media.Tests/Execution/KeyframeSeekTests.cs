using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Media.Execution;
using Akka.Transcode.Media.Probing;
using Akka.Transcode.Media.Running;
using Akka.Transcode.Media.Tests.Support;

namespace Akka.Transcode.Media.Tests.Execution;

/// <summary>
/// Chunks seek straight to the key frame before them (<see cref="SeekMap"/>) instead of decoding a blind pre-roll.
/// That is only right if ffmpeg lands where the map says, in every container: a seek that lands a GOP late would
/// silently take the next GOP's frames. So: sources with B-frames and a GOP that fits no round number (37 frames at
/// 30 fps), chunked finely enough that boundaries fall on, just after and between key frames, each chunk encoded
/// losslessly, and the joined frames compared one by one with the source's.
/// </summary>
public sealed class KeyframeSeekTests : IDisposable
{
    private const int Fps = 30;
    private const int Gop = 37;
    private readonly ScratchDir _dir = new();
    private readonly FfmpegTaskExecutor _executor = new(new FfmpegRunner(), TempRoots.Guard);

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("mpegts", "record.bin")]
    [InlineData("mp4", "record.mp4")]
    [InlineData("matroska", "record.mkv")]
    public async Task Chunks_seeking_to_key_frames_hold_every_source_frame_once(string muxer, string name)
    {
        var source = _dir.File(name);
        FfmpegCli.Run("-f", "lavfi", "-i", $"testsrc2=size=320x240:rate={Fps}:duration=8",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=8",
            "-c:v", "libx264", "-preset", "veryfast", "-bf", "3", "-pix_fmt", "yuv420p",
            "-x264-params", $"keyint={Gop}:min-keyint={Gop}:scenecut=0", "-c:a", "aac", "-shortest", "-f", muxer, "file:" + source);
        var probe = await new MediaProber().ProbeAsync(source, CancellationToken.None);
        Assert.True(probe.IsOk, probe.Error?.Message);
        var keyframes = await KeyframeLocator.ScanAsync(source, CancellationToken.None);
        Assert.Equal((int)Math.Ceiling(8.0 * Fps / Gop), keyframes.Count);
        var media = probe.Value! with { Keyframes = keyframes };

        var spec = new JobSpec
        {
            SourcePath = source, DstDir = _dir.Path, DstFormat = "mkv",
            Output = new OutputSettings { VideoCodec = "h264", Crf = 0 },
        };
        var plan = TaskPlanner.Plan("seek", spec, media, new PlanningOptions(MaxTaskSeconds: 0.9, WorkerSlots: 1, MinTaskSeconds: 0.5));
        Assert.True(plan.IsOk, plan.Error?.Message);
        var chunks = plan.Value!.Tasks.Where(t => t.Kind == TaskKind.Video).ToList();
        Assert.True(chunks.Count >= 8, $"{chunks.Count} chunks");
        // Every chunk after the first starts decoding within a GOP (and the margin) of its first frame, not 6 s early.
        foreach (var cut in chunks.Skip(1).Select(c => c.Cuts.Single()))
            Assert.InRange(cut.From - cut.Seek, 0, (double)Gop / Fps + SeekMap.Margin + 1.0 / Fps);

        foreach (var task in plan.Value.Tasks.OrderBy(t => t.DependsOn.Count))
        {
            var outcome = await _executor.RunAsync(task, _ => { }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(outcome.Success, $"{task.Kind} task {task.Index}: {outcome.Error}");
        }

        Assert.Equal(MediaCheck.FrameHashes(source), MediaCheck.FrameHashes(plan.Value.TempOutputPath));
    }
}
