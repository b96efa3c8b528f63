using Akka.Transcode.Media.Running;
using Akka.Transcode.Media.Tests.Support;

namespace Akka.Transcode.Media.Tests;

/// <summary>The whole path, through FFMpegCore and .NET into ffmpeg: the file ffmpeg writes has exactly the name we gave.</summary>
public sealed class HostileNameTests
{
    [Theory]
    [InlineData("with space.ts")]
    [InlineData("single 'quote'.ts")]
    [InlineData("double \"quote\".ts")]
    [InlineData("back\\slash\\")]
    [InlineData("$HOME `id` $(id).ts")]
    [InlineData("-leading dash.ts")]
    [InlineData("ünïcødé 日本語.ts")]
    [InlineData("tab\tand\nnewline.ts")]
    public async Task Output_name_round_trips(string name)
    {
        using var dir = new ScratchDir();
        var output = dir.File(name);
        var job = new FfmpegJob(
            ["-hide_banner", "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=10:duration=0.3", "-c:v", "libx264", "-preset", "ultrafast",
             "-f", "mpegts", "-y", "file:" + output],
            0.3);

        var outcome = await new FfmpegRunner().RunAsync(job, _ => { }, CancellationToken.None);

        Assert.True(outcome.Success, outcome.ErrorTail);
        Assert.Equal([name], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
        Assert.True(new FileInfo(output).Length > 0);
    }
}
