using Akka.Transcode.Media.Running;
using Akka.Transcode.Media.Tests.Support;

namespace Akka.Transcode.Media.Tests;

public sealed class OrphanReaperTests
{
    [Fact]
    public void Leftover_ffmpeg_is_killed_and_its_file_removed()
    {
        using var dir = new ScratchDir();
        using var leftover = FfmpegCli.Start("ffmpeg",
            ["-hide_banner", "-nostdin", "-re", "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=10:duration=60", "-f", "null", "-"]);
        try
        {
            Assert.NotNull(OrphanReaper.Track(dir.Path, leftover.Id));

            Assert.Equal(1, OrphanReaper.ReapLeftovers(dir.Path));

            Assert.True(leftover.WaitForExit(TimeSpan.FromSeconds(5)));
            Assert.Empty(Directory.GetFiles(dir.Path));
        }
        finally
        {
            if (!leftover.HasExited) leftover.Kill();
        }
    }

    [Fact]
    public void Pid_file_naming_another_program_is_dropped_without_killing()
    {
        using var dir = new ScratchDir();
        using var other = FfmpegCli.Start("sleep", ["60"]);
        try
        {
            Assert.NotNull(OrphanReaper.Track(dir.Path, other.Id));

            Assert.Equal(0, OrphanReaper.ReapLeftovers(dir.Path));

            Assert.False(other.HasExited);
            Assert.Empty(Directory.GetFiles(dir.Path));
        }
        finally
        {
            other.Kill();
        }
    }

    [Fact]
    public void Pid_file_with_another_start_time_is_dropped_without_killing()
    {
        using var dir = new ScratchDir();
        using var ffmpeg = FfmpegCli.Start("ffmpeg",
            ["-hide_banner", "-nostdin", "-re", "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=10:duration=60", "-f", "null", "-"]);
        try
        {
            // As if the recorded ffmpeg had died and the pid now belonged to a different one.
            File.WriteAllText(Path.Combine(dir.Path, ffmpeg.Id + ".pid"), "1");

            Assert.Equal(0, OrphanReaper.ReapLeftovers(dir.Path));

            Assert.False(ffmpeg.HasExited);
            Assert.Empty(Directory.GetFiles(dir.Path));
        }
        finally
        {
            ffmpeg.Kill();
        }
    }

    [Fact]
    public async Task Runner_keeps_a_pid_file_only_while_ffmpeg_runs()
    {
        using var dir = new ScratchDir();
        var pidDir = dir.File("pids");
        var output = "file:" + dir.File("out.ts");
        string[]? pidFilesSeen = null;
        string[]? argvSeen = null;
        var job = new FfmpegJob(
            ["-hide_banner", "-re", "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=10:duration=1", "-c:v", "libx264", "-preset", "ultrafast",
             "-f", "mpegts", "-y", output],
            1);

        // Look while ffmpeg is known to run; asserting here would throw on FFMpegCore's thread, so only record.
        var outcome = await new FfmpegRunner(pidDir).RunAsync(job, _ =>
        {
            if (pidFilesSeen is not null) return;
            pidFilesSeen = Directory.GetFiles(pidDir, "*.pid");
            if (pidFilesSeen.Length == 1) argvSeen = FfmpegCli.ReadArgv(int.Parse(Path.GetFileNameWithoutExtension(pidFilesSeen[0])));
        }, CancellationToken.None);

        Assert.Single(pidFilesSeen!);
        Assert.True(outcome.Success, outcome.ErrorTail);
        Assert.NotNull(argvSeen);
        Assert.Contains(output, argvSeen);
        Assert.Equal("ffmpeg", Path.GetFileName(argvSeen[0]));
        Assert.Empty(Directory.GetFiles(pidDir));
    }

    [Fact]
    public void Missing_pid_dir_reaps_nothing()
    {
        Assert.Equal(0, OrphanReaper.ReapLeftovers(Path.Combine(Path.GetTempPath(), "no such pid dir " + Guid.NewGuid())));
    }
}
