using Akka.Transcode.Media.Probing;
using FFMpegCore;

namespace Akka.Transcode.Media.Tests;

public sealed class FfmpegBinariesTests
{
    // Both settings find the same ffmpeg here, so changing the global options cannot disturb tests running alongside.
    [Fact]
    public void Binary_path_sets_its_folder_and_null_means_path()
    {
        try
        {
            FfmpegBinaries.Configure("/usr/bin/ffmpeg");
            Assert.Equal("/usr/bin", GlobalFFOptions.Current.BinaryFolder);
            Assert.Equal("/usr/bin/ffmpeg", FfmpegBinaries.FfmpegPath);

            FfmpegBinaries.Configure("/usr/bin");
            Assert.Equal("/usr/bin", GlobalFFOptions.Current.BinaryFolder);
        }
        finally
        {
            FfmpegBinaries.Configure(null);
        }
        Assert.Equal(string.Empty, GlobalFFOptions.Current.BinaryFolder);
        Assert.Equal("ffmpeg", FfmpegBinaries.FfmpegPath);
    }
}
