using Akka.Transcode.Domain;
using Akka.Transcode.Media.Probing;
using Akka.Transcode.Media.Tests.Support;

namespace Akka.Transcode.Media.Tests;

[Collection(MediaSourcesCollection.Name)]
public sealed class MediaProberTests(MediaSources sources)
{
    private readonly MediaProber _prober = new();

    [Fact]
    public async Task Mpegts_named_bin_probes_by_content()
    {
        var result = await _prober.ProbeAsync(sources.RecordBin, CancellationToken.None);

        Assert.True(result.IsOk, result.Error?.Message);
        var info = result.Value!;
        Assert.Equal("mpegts", info.FormatName);
        Assert.InRange(info.Duration, 3.9, 4.1);
        Assert.NotNull(info.Video);
        Assert.Equal("h264", info.Video.Codec);
        Assert.Equal(320, info.Video.Width);
        Assert.Equal(240, info.Video.Height);
        Assert.Equal(30, info.Video.FrameRate, precision: 3);
        Assert.Equal("yuv420p", info.Video.PixelFormat);
        Assert.NotNull(info.Audio);
        Assert.Equal("aac", info.Audio.Codec);
        Assert.Equal(48000, info.Audio.SampleRate);
        Assert.Equal(2, info.Audio.Channels);
    }

    [Fact]
    public async Task Audio_only_mp3_has_no_video()
    {
        var result = await _prober.ProbeAsync(sources.AudioMp3, CancellationToken.None);

        Assert.True(result.IsOk, result.Error?.Message);
        Assert.Null(result.Value!.Video);
        Assert.Equal("mp3", result.Value.Audio?.Codec);
        Assert.Equal(44100, result.Value.Audio?.SampleRate);
        Assert.InRange(result.Value.Duration, 1.9, 2.1);
    }

    [Fact]
    public async Task Cover_art_is_not_video()
    {
        var result = await _prober.ProbeAsync(sources.CoverArtMp3, CancellationToken.None);

        Assert.True(result.IsOk, result.Error?.Message);
        Assert.Null(result.Value!.Video);
        Assert.Equal("mp3", result.Value.Audio?.Codec);
    }

    [Fact]
    public async Task Text_file_is_unusable()
    {
        var result = await _prober.ProbeAsync(sources.NotMedia, CancellationToken.None);

        Assert.False(result.IsOk);
        Assert.Equal(ErrorCode.SourceUnusable, result.Error!.Code);
        Assert.Equal(-9, (int)result.Error.Code);
        Assert.Contains("not media ffprobe can read: ", result.Error.Message);
        Assert.StartsWith($"source '{Path.GetFileName(sources.NotMedia)}': ", result.Error.Message);
        Assert.Contains("Invalid data", result.Error.Message);
        Assert.DoesNotContain(sources.NotMedia, result.Error.Message);
    }

    [Fact]
    public async Task Empty_file_is_unusable()
    {
        var result = await _prober.ProbeAsync(sources.Empty, CancellationToken.None);

        Assert.Equal(ErrorCode.SourceUnusable, result.Error?.Code);
        Assert.Contains("not media ffprobe can read: ", result.Error!.Message);
    }

    [Fact]
    public async Task Missing_file_is_unusable()
    {
        var result = await _prober.ProbeAsync(sources.RecordBin + ".missing", CancellationToken.None);

        Assert.Equal(ErrorCode.SourceUnusable, result.Error?.Code);
    }

    [Theory]
    [InlineData("double\"quote.bin")]
    [InlineData("back\\slash\\")]
    [InlineData("it's $HOME & `x`.bin")]
    public async Task Hostile_source_names_probe(string name)
    {
        using var dir = new ScratchDir();
        var path = dir.File(name);
        File.Copy(sources.RecordBin, path);

        var result = await _prober.ProbeAsync(path, CancellationToken.None);

        Assert.True(result.IsOk, result.Error?.Message);
        Assert.Equal("h264", result.Value!.Video?.Codec);
    }

    /// <summary>The pixel shape a stream states decides the displayed size renditions are made from: a real
    /// anamorphic one counts, a nonsensical one (200:1 would make the 320-wide picture 64,000 wide) counts as square.
    /// </summary>
    [Theory]
    [InlineData("64/45", 64.0 / 45, 455)]
    [InlineData("200/1", 1.0, 320)]
    [InlineData("1/255", 1.0, 320)]
    public async Task A_stated_sample_aspect_ratio_counts_only_within_reason(string sar, double expected, int shownWidth)
    {
        using var dir = new ScratchDir();
        var path = dir.File("shaped.ts");
        FfmpegCli.Run("-i", "file:" + sources.RecordBin, "-map", "0:v:0", "-c", "copy",
            "-bsf:v", $"h264_metadata=sample_aspect_ratio={sar}", "-f", "mpegts", "file:" + path);

        var result = await _prober.ProbeAsync(path, CancellationToken.None);

        Assert.True(result.IsOk, result.Error?.Message);
        var video = result.Value!.Video!;
        Assert.Equal(expected, video.SampleAspect, precision: 6);
        Assert.Equal((shownWidth, 240), video.Displayed);
    }
}
