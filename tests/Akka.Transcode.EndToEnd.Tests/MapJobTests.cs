using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.TranscodeClient;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>
/// Jobs with a stitching map (map_filename) through /master/add_job on the shared node: a dual-fisheye recording
/// made here with ffmpeg, remapped with a v360 map and with remap tables, and maps that must be refused.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class MapJobTests(SharedNodeFixture shared, ITestOutputHelper output)
{
    private const string Dir = "maps-e2e";
    private const string Source = Dir + "/cam.bin";
    private const int SourceWidth = 640, SourceHeight = 320, SourceFrames = 90;
    private const double SourceSeconds = 3;

    private NodeProcess Node => shared.Node;
    private TranscodeClient Client => shared.Node.Client;

    private string InRoot(string relative) => Path.Combine(Node.MediaRoot, relative);

    private async Task EnsureSourceAsync()
    {
        var path = InRoot(Source);
        if (!File.Exists(path)) await MapMedia.MakeDualFisheyeAsync(path, SourceWidth, SourceHeight, SourceSeconds);
    }

    private string WriteMap(string relative, string json)
    {
        var path = InRoot(Path.Combine(Dir, relative));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json);
        return path;
    }

    private async Task<string> RunMappedJobAsync(string mapFilename, string dstDir, string dstFormat)
    {
        var id = await Client.AddJobOkAsync(new
        {
            src_filename = Source, dst_dir = Path.Combine(Dir, dstDir), dst_format = dstFormat, map_filename = mapFilename,
        });
        var job = await Client.WaitForJobCompletedAsync(id, TimeSpan.FromSeconds(90));
        var outFile = InRoot(Path.Combine(Dir, dstDir, "cam." + dstFormat));
        Assert.Equal(outFile, job.GetProperty("dst_path").GetString());
        Assert.Equal(["cam." + dstFormat], E2E.Entries(Path.GetDirectoryName(outFile)!));
        output.WriteLine(await MediaAssert.SummaryAsync(outFile));
        return outFile;
    }

    [Fact]
    public Task A_v360_map_turns_the_dual_fisheye_recording_into_equirect() => E2E.WithNodeLog(Node, output, async () =>
    {
        await EnsureSourceAsync();
        WriteMap("v360.json", """{"kind":"v360","input":"dfisheye","output":"equirect","ih_fov":180,"iv_fov":180,"w":480,"h":240}""");

        var outFile = await RunMappedJobAsync(Dir + "/v360.json", "out-v360", "mp4");

        Assert.Equal((480, 240), await MapMedia.VideoSizeAsync(outFile));
        Assert.Equal(["aac", "h264"], (await MediaAssert.CodecNamesAsync(outFile)).Order());
        MediaAssert.Near(SourceFrames, await MediaAssert.VideoFrameCountAsync(outFile), 1, "video frames");
        MediaAssert.Near(SourceSeconds, await MediaAssert.DurationAsync(outFile), 0.1, "duration");
        await MediaAssert.DecodesCleanlyAsync(outFile);
    });

    [Fact]
    public Task A_remap_map_gives_the_size_of_its_tables() => E2E.WithNodeLog(Node, output, async () =>
    {
        await EnsureSourceAsync();
        // A horizontal mirror of the middle 320x160 of the picture.
        MapMedia.WriteTable(InRoot($"{Dir}/tables/mirror.x.pgm"), 320, 160, (x, _) => 160 + 319 - x);
        MapMedia.WriteTable(InRoot($"{Dir}/tables/mirror.y.pgm"), 320, 160, (_, y) => 80 + y);
        WriteMap("remap.json", """{"kind":"remap","xmap":"tables/mirror.x.pgm","ymap":"tables/mirror.y.pgm"}""");

        var outFile = await RunMappedJobAsync(Dir + "/remap.json", "out-remap", "mkv");

        Assert.Equal((320, 160), await MapMedia.VideoSizeAsync(outFile));
        MediaAssert.Near(SourceFrames, await MediaAssert.VideoFrameCountAsync(outFile), 1, "video frames");
        MediaAssert.Near(SourceSeconds, await MediaAssert.DurationAsync(outFile), 0.1, "duration");
        await MediaAssert.DecodesCleanlyAsync(outFile);
    });

    [Fact]
    public Task Bad_maps_are_refused_at_add_job() => E2E.WithNodeLog(Node, output, async () =>
    {
        await EnsureSourceAsync();
        WriteMap("bad-fov.json", """{"kind":"v360","input":"dfisheye","output":"equirect","ih_fov":400,"w":640,"h":320}""");
        WriteMap("bad-key.json", """{"kind":"v360","input":"dfisheye","output":"equirect","w":640,"h":320,"filter":"drawtext"}""");
        WriteMap("bad-size.json", """{"kind":"v360","input":"dfisheye","output":"equirect","w":641,"h":320}""");
        WriteMap("bad-json.json", """{"kind":"v360",""");
        WriteMap("bad-absolute.json", """{"kind":"remap","xmap":"/etc/passwd","ymap":"y.pgm"}""");
        WriteMap("bad-parent.json", """{"kind":"remap","xmap":"../record.bin","ymap":"y.pgm"}""");
        MapMedia.WriteTable(InRoot($"{Dir}/tables/eight.x.pgm"), 64, 32, (x, _) => x, maxval: 255);
        MapMedia.WriteTable(InRoot($"{Dir}/tables/eight.y.pgm"), 64, 32, (_, y) => y, maxval: 255);
        WriteMap("bad-8bit.json", """{"kind":"remap","xmap":"tables/eight.x.pgm","ymap":"tables/eight.y.pgm"}""");
        WriteMap("missing-table.json", """{"kind":"remap","xmap":"tables/none.x.pgm","ymap":"tables/none.y.pgm"}""");
        // A table that leads outside the media roots through a link.
        var outside = Directory.CreateDirectory(Path.Combine(Node.RootDir, "outside-maps")).FullName;
        MapMedia.WriteTable(Path.Combine(outside, "secret.pgm"), 64, 32, (x, _) => x);
        var link = InRoot($"{Dir}/tables/escape.x.pgm");
        if (!File.Exists(link)) File.CreateSymbolicLink(link, Path.Combine(outside, "secret.pgm"));
        MapMedia.WriteTable(InRoot($"{Dir}/tables/escape.y.pgm"), 64, 32, (_, y) => y);
        WriteMap("escape.json", """{"kind":"remap","xmap":"tables/escape.x.pgm","ymap":"tables/escape.y.pgm"}""");
        File.Copy(Path.Combine(outside, "secret.pgm"), Path.Combine(outside, "map.json"), overwrite: true);

        var failures = new List<string>();
        foreach (var (map, code, fragment) in new (string, int, string)[]
        {
            ("bad-fov.json", -4, "ih_fov"),
            ("bad-key.json", -4, "unknown key 'filter'"),
            ("bad-size.json", -4, "must be even"),
            ("bad-json.json", -4, "not valid JSON"),
            ("bad-absolute.json", -4, "absolute"),
            ("bad-parent.json", -4, ".."),
            ("bad-8bit.json", -4, "8-bit"),
            ("missing-table.json", -9, "does not exist"),
            ("no-such-map.json", -9, "does not exist"),
            ("escape.json", -6, "outside the media roots"),
            ("../../outside-maps/map.json", -6, "outside the media roots"),
        })
        {
            var dstDir = Path.Combine(Dir, "refused");
            var (status, body) = await Client.AddJobAsync(new
            {
                src_filename = Source, dst_dir = dstDir, dst_format = "mp4", map_filename = $"{Dir}/{map}",
            });
            try
            {
                ErrorAssert.Is(code, status, body, $"map {map}");
                var message = body.GetProperty("err_msg").GetString()!;
                Assert.StartsWith("job.map_filename: ", message);
                Assert.Contains(fragment, message);
                Assert.DoesNotContain(outside, message);
                output.WriteLine($"ok: {map}: {message}");
            }
            catch (Exception e)
            {
                failures.Add($"{map}: {e.Message}");
            }
        }
        // Refused before anything was created, dst_dir included.
        Assert.False(Directory.Exists(InRoot(Path.Combine(Dir, "refused"))), "the refused jobs' dst_dir was created");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    });

    [Fact]
    public Task A_map_on_an_output_without_video_fails_the_job_with_invalid_value() => E2E.WithNodeLog(Node, output, async () =>
    {
        // Whether the output can hold video is the planner's to say, after the map itself was accepted.
        await EnsureSourceAsync();
        WriteMap("audio-only.json", """{"kind":"v360","input":"dfisheye","output":"equirect","w":640,"h":320}""");

        var id = await Client.AddJobOkAsync(new
        {
            src_filename = Source, dst_dir = Path.Combine(Dir, "out-mp3"), dst_format = "mp3", map_filename = $"{Dir}/audio-only.json",
        });

        var job = await Client.WaitForJobEndAsync(id, TimeSpan.FromSeconds(60));
        Assert.True(State(job) == JobFailed, $"job should have FAILED:\n{job}");
        Assert.Equal(-4, job.GetProperty("err_code").GetInt32());
        Assert.Contains("holds no video", job.GetProperty("err_msg").GetString());
        Assert.Empty(E2E.Entries(InRoot(Path.Combine(Dir, "out-mp3"))));
    });
}
