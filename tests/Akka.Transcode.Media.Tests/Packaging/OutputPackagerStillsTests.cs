using System.Globalization;
using System.Text.RegularExpressions;
using Akka.Transcode.Domain.Outputs;
using Akka.Transcode.Media.Packaging;
using Akka.Transcode.Media.Tests.Support;

namespace Akka.Transcode.Media.Tests.Packaging;

/// <summary>
/// Stills written back to back by ffmpeg (image2pipe), split into one file each, and the sprite's WebVTT over a
/// sprite that ffmpeg's tile filter made: every still decodes at its size and every cue points at a real tile.
/// </summary>
public sealed class OutputPackagerStillsTests : IDisposable
{
    private const int Count = 5;
    private readonly ScratchDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Thumbs => _dir.File("thumbs");

    /// <summary>A still a second over 5 s of testsrc2, 160x90, as the thumbnails task writes them.</summary>
    private string Stream(string codec)
    {
        var path = _dir.File("stills-" + codec + ".bin");
        FfmpegCli.Run("-f", "lavfi", "-i", $"testsrc2=size=160x90:rate=1:duration={Count}", "-c:v", codec, "-f", "image2pipe", path);
        return path;
    }

    private StillsPackage Package(string stream, string format, int count = Count, bool sprite = false) =>
        new("thumbs", stream, Thumbs, format, count, IntervalSeconds: 1, OutputDuration: 4.5, sprite, Columns: 2, 160, 90);

    private static Task<Domain.Result<bool>> Run(string tempDir, StillsPackage stills) =>
        new OutputPackager().PackageAsync(new PackagePlan(tempDir, [], [stills]), CancellationToken.None);

    private static (int Width, int Height, string Codec) Probe(string image)
    {
        var (exit, output, err) = Tool.Run("ffprobe", "-v", "error", "-show_entries", "stream=width,height,codec_name", "-of", "csv=p=0", image);
        Assert.True(exit == 0, err);
        var f = output.Trim().Split(',');
        return (int.Parse(f[1], CultureInfo.InvariantCulture), int.Parse(f[2], CultureInfo.InvariantCulture), f[0]);
    }

    [Theory]
    [InlineData("mjpeg", "jpeg")]
    [InlineData("libwebp", "webp")]
    public async Task Each_still_becomes_a_file_that_decodes_at_its_size(string codec, string format)
    {
        var stream = Stream(codec);

        var result = await Run(_dir.Path, Package(stream, format));

        Assert.True(result.IsOk, result.Error?.Message);
        var files = Enumerable.Range(1, Count).Select(k => Path.Combine(Thumbs, OutputLayout.Still(k, format))).ToList();
        Assert.Equal(files, Directory.EnumerateFiles(Thumbs).Order());
        Assert.Equal(new FileInfo(stream).Length, files.Sum(f => new FileInfo(f).Length));
        foreach (var file in files)
        {
            Assert.Equal((160, 90, codec == "mjpeg" ? "mjpeg" : "webp"), Probe(file));
            Assert.Equal("", Tool.DecodeErrors(file));
        }
    }

    [Fact]
    public async Task Every_sprite_cue_points_at_a_tile_inside_the_sprite()
    {
        var stream = Stream("mjpeg");
        Directory.CreateDirectory(Thumbs);
        var sprite = Path.Combine(Thumbs, OutputLayout.Sprite("jpeg"));
        FfmpegCli.Run("-f", "image2pipe", "-c:v", "mjpeg", "-i", stream, "-vf", "tile=2x3", "-frames:v", "1", sprite);

        var result = await Run(_dir.Path, Package(stream, "jpeg", sprite: true));

        Assert.True(result.IsOk, result.Error?.Message);
        var (width, height, _) = Probe(sprite);
        var vtt = File.ReadAllText(Path.Combine(Thumbs, OutputLayout.SpriteVtt));
        Assert.StartsWith("WEBVTT\n", vtt);
        var cues = Regex.Matches(vtt, @"(\S+) --> (\S+)\nsprite\.jpg#xywh=(\d+),(\d+),(\d+),(\d+)\n");
        Assert.Equal(Count, cues.Count);
        Assert.Equal("00:00:04.000 --> 00:00:04.500", $"{cues[^1].Groups[1]} --> {cues[^1].Groups[2]}");
        var tiles = new HashSet<(int, int)>();
        foreach (Match cue in cues)
        {
            var (x, y, w, h) = (Int(cue, 3), Int(cue, 4), Int(cue, 5), Int(cue, 6));
            Assert.Equal((160, 90), (w, h));
            Assert.True(x + w <= width && y + h <= height, $"{cue.Value} lies outside the {width}x{height} sprite");
            Assert.True(tiles.Add((x, y)), $"{cue.Value} repeats a tile");
        }
    }

    private static int Int(Match m, int group) => int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_stream_with_fewer_stills_than_planned_fails()
    {
        var result = await Run(_dir.Path, Package(Stream("mjpeg"), "jpeg", count: Count + 1));

        Assert.False(result.IsOk);
        Assert.Contains($"holds {Count} stills, the plan asked for {Count + 1}", result.Error!.Message);
    }

    [Fact]
    public async Task An_eoi_inside_a_marker_segment_does_not_end_the_image()
    {
        var one = _dir.File("one.jpg");
        FfmpegCli.Run("-f", "lavfi", "-i", "testsrc2=size=160x90", "-frames:v", "1", "-c:v", "mjpeg", "-f", "image2pipe", one);
        var jpeg = File.ReadAllBytes(one);
        // A comment segment right after SOI whose text holds FFD9, then the rest of the image.
        byte[] comment = [0xFF, 0xFE, 0x00, 0x06, 0xFF, 0xD9, 0xFF, 0xD9];
        var stream = _dir.File("commented.bin");
        File.WriteAllBytes(stream, [.. jpeg[..2], .. comment, .. jpeg[2..], .. jpeg]);

        var result = await Run(_dir.Path, Package(stream, "jpeg", count: 2));

        Assert.True(result.IsOk, result.Error?.Message);
        Assert.Equal(jpeg.Length + comment.Length, new FileInfo(Path.Combine(Thumbs, OutputLayout.Still(1, "jpeg"))).Length);
        Assert.Equal("", Tool.DecodeErrors(Path.Combine(Thumbs, OutputLayout.Still(1, "jpeg"))));
    }

    public static TheoryData<string, string> Broken => new()
    {
        { "trailing bytes", "no JPEG start" },
        { "cut off", "cut off" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public async Task A_broken_stream_fails_and_names_the_problem(string damage, string expected)
    {
        var bytes = File.ReadAllBytes(Stream("mjpeg"));
        var stream = _dir.File("broken.bin");
        File.WriteAllBytes(stream, damage == "cut off" ? bytes[..(bytes.Length - 100)] : [.. bytes, .. "junk"u8]);

        var result = await Run(_dir.Path, Package(stream, "jpeg"));

        Assert.False(result.IsOk);
        Assert.Contains(expected, result.Error!.Message);
    }
}
