using System.Diagnostics;
using Akka.Transcode.Media.Running;
using Akka.Transcode.Media.Tests.Support;

namespace Akka.Transcode.Media.Tests;

public sealed class FfmpegRunnerCancelTests
{
    [Theory]
    [InlineData(false)] // ffmpeg reads the 'q' and stops itself
    [InlineData(true)]  // -nostdin: the 'q' goes unread and the grace period ends in a kill
    public async Task Cancel_stops_ffmpeg_within_grace(bool ignoresQ)
    {
        using var dir = new ScratchDir();
        var output = "file:" + dir.File("long.ts");
        var grace = TimeSpan.FromSeconds(1);
        List<string> arguments = ["-hide_banner", "-re", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30:duration=60",
            "-c:v", "libx264", "-preset", "ultrafast", "-f", "mpegts", "-y", output];
        if (ignoresQ) arguments.Insert(0, "-nostdin");
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cts = new CancellationTokenSource();

        var run = new FfmpegRunner().RunAsync(new FfmpegJob(arguments, 60), _ => running.TrySetResult(), cts.Token, grace);
        await running.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.NotEmpty(FfmpegCli.ProcessesWithArgument(output));
        var clock = Stopwatch.StartNew();
        await cts.CancelAsync();
        var outcome = await run.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(clock.Elapsed < grace + TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        if (ignoresQ) Assert.True(clock.Elapsed >= grace * 0.9, $"killed after {clock.Elapsed}, before the grace period ended");
        Assert.True(outcome.Canceled);
        Assert.False(outcome.Success);
        Assert.Empty(FfmpegCli.ProcessesWithArgument(output));
    }
}
