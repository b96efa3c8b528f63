using Akka.Transcode.Media.Running;
using Akka.Transcode.Media.Tests.Support;

namespace Akka.Transcode.Media.Tests;

public sealed class FfmpegRunnerTests
{
    [Fact]
    public async Task Encode_reports_rising_progress_then_100()
    {
        using var dir = new ScratchDir();
        var output = dir.File("out.ts");
        var reports = new List<FfmpegProgress>();
        // -re paces the source at real time, so a 2 s encode yields several stats lines on any machine.
        var job = new FfmpegJob(
            ["-hide_banner", "-re", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30:duration=2", "-re", "-f", "lavfi", "-i", "sine=duration=2",
             "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-f", "mpegts", "-y", "file:" + output],
            2.0);

        var outcome = await new FfmpegRunner().RunAsync(job, p => { lock (reports) reports.Add(p); }, CancellationToken.None);

        Assert.True(outcome.Success, outcome.ErrorTail);
        Assert.False(outcome.Canceled);
        Assert.Equal(0, outcome.ExitCode);
        Assert.True(File.Exists(output));
        Assert.True(reports.Count >= 3, $"{reports.Count} reports");
        Assert.Equal(100, reports[^1].Percent);
        Assert.Contains(reports, r => r.Percent is > 0 and < 100);
        Assert.Equal(reports.Select(r => r.Percent).Order(), reports.Select(r => r.Percent));
        Assert.Equal(reports.Select(r => r.Processed).Order(), reports.Select(r => r.Processed));
        Assert.InRange(reports[^1].Processed.TotalSeconds, 1.8, 2.2);
        Assert.Contains(reports, r => r.Speed is > 0.5 and < 2);
    }

    [Fact]
    public async Task Progress_is_throttled_to_about_four_a_second()
    {
        using var dir = new ScratchDir();
        var times = new List<long>();
        // -stats_period makes ffmpeg report every 50 ms, far more often than the caller wants.
        var job = new FfmpegJob(
            ["-hide_banner", "-stats_period", "0.05", "-re", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30:duration=1.5",
             "-c:v", "libx264", "-preset", "ultrafast", "-f", "mpegts", "-y", "file:" + dir.File("out.ts")],
            1.5);

        var outcome = await new FfmpegRunner().RunAsync(job, _ => { lock (times) times.Add(Environment.TickCount64); }, CancellationToken.None);

        Assert.True(outcome.Success, outcome.ErrorTail);
        var gaps = times.Zip(times.Skip(1), (a, b) => b - a).SkipLast(1); // the final 100 is never held back
        Assert.All(gaps, gap => Assert.True(gap >= 240, $"{gap} ms between reports"));
        Assert.True(times.Count >= 3, $"{times.Count} reports");
    }

    [Fact]
    public async Task A_run_that_fails_after_reading_its_input_reports_the_error_not_the_stream_listing()
    {
        using var dir = new ScratchDir();
        // The input opens (ffmpeg prints its "Input #0" block) and then the output cannot be set up: the stream
        // description must not push the reason out of the tail.
        var job = new FfmpegJob(
            ["-hide_banner", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30:duration=1", "-c:v", "no-such-encoder",
             "-f", "mpegts", "-y", "file:" + dir.File("out.ts")],
            1);

        var outcome = await new FfmpegRunner().RunAsync(job, _ => { }, CancellationToken.None);

        Assert.False(outcome.Success);
        Assert.Contains("no-such-encoder", outcome.ErrorTail);
        Assert.DoesNotContain("Input #0", outcome.ErrorTail);
        Assert.DoesNotContain("  Stream #0", outcome.ErrorTail);
    }

    [Fact]
    public async Task Failing_command_reports_stderr_tail()
    {
        using var dir = new ScratchDir();
        var reports = new List<FfmpegProgress>();
        var job = new FfmpegJob(["-hide_banner", "-i", "file:" + dir.File("missing.ts"), "-f", "null", "-"], 1);

        var outcome = await new FfmpegRunner().RunAsync(job, reports.Add, CancellationToken.None);

        Assert.False(outcome.Success);
        Assert.False(outcome.Canceled);
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains("No such file or directory", outcome.ErrorTail);
        Assert.DoesNotContain(reports, r => r.Percent == 100);
    }

    [Fact]
    public async Task Error_tail_keeps_the_last_fifteen_lines()
    {
        // showinfo logs a line per frame, far more than the tail keeps.
        var job = new FfmpegJob(
            ["-hide_banner", "-f", "lavfi", "-i", "testsrc2=size=32x32:rate=10:duration=3,showinfo", "-f", "null", "-"], 3);

        var outcome = await new FfmpegRunner().RunAsync(job, _ => { }, CancellationToken.None);

        Assert.True(outcome.Success, outcome.ErrorTail);
        var lines = outcome.ErrorTail.Split('\n');
        Assert.Equal(15, lines.Length);
        Assert.All(lines, line => Assert.False(string.IsNullOrWhiteSpace(line)));
        Assert.DoesNotContain(lines, line => line.Contains("speed="));
    }

    [Fact]
    public async Task Throwing_callback_surfaces_from_RunAsync_after_ffmpeg_ends()
    {
        using var dir = new ScratchDir();
        var output = "file:" + dir.File("out.ts");
        var calls = 0;
        var job = new FfmpegJob(
            ["-hide_banner", "-re", "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=10:duration=1", "-c:v", "libx264", "-preset", "ultrafast",
             "-f", "mpegts", "-y", output],
            1);

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => new FfmpegRunner().RunAsync(job, _ =>
        {
            Interlocked.Increment(ref calls);
            throw new InvalidOperationException("callback bug");
        }, CancellationToken.None));

        Assert.Equal("callback bug", thrown.Message);
        Assert.Equal(1, calls);
        Assert.Empty(FfmpegCli.ProcessesWithArgument(output));
    }

    [Fact]
    public async Task Already_cancelled_token_starts_nothing()
    {
        using var dir = new ScratchDir();
        var output = dir.File("never.ts");
        var job = new FfmpegJob(["-f", "lavfi", "-i", "testsrc2=duration=1", "-f", "mpegts", "file:" + output], 1);

        var outcome = await new FfmpegRunner().RunAsync(job, _ => { }, new CancellationToken(canceled: true));

        Assert.True(outcome.Canceled);
        Assert.False(outcome.Success);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Zero_expected_duration_is_refused()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            new FfmpegRunner().RunAsync(new FfmpegJob(["-version"], 0), _ => { }, CancellationToken.None));
    }
}
