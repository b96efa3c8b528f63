using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.LadderAssert;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>
/// Output groups end to end: one add_job with a CMAF ladder (HLS and DASH) and thumbnails with a sprite, on the 60 s
/// 1280x720 30 fps test recording, checked file by file with ffprobe and ffmpeg.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class OutputGroupTests(SharedNodeFixture shared, ITestOutputHelper output)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private const double SegmentSeconds = 4;
    private const double StillSeconds = 5;
    private const int StillWidth = 160;
    private const int SpriteColumns = 5;

    /// <summary>
    /// The ladder asked for, with the picture size each rendition must have from a 16:9 source. Small rungs: what is
    /// checked (alignment, cuts, playlists) does not depend on the size, and the 720p/480p/360p ladder these tests
    /// once asked for is 3.7 times the pixels to encode: on two cores the suite's CPU is its running time.
    /// </summary>
    private static readonly (string Name, int Height, int Width, string Bitrate)[] Renditions =
        [("360p", 360, 640, "800k"), ("270p", 270, 480, "450k"), ("180p", 180, 320, "250k")];

    private NodeProcess Node => shared.Node;

    private static object Job(string dstDir, string? segments = null) => new
    {
        src_filename = E2E.Record, dst_dir = dstDir, segments,
        outputs = new object[]
        {
            new
            {
                type = "cmaf", name = "abr", segment_seconds = SegmentSeconds,
                renditions = Renditions.Select(r => new { name = r.Name, height = r.Height, video_bitrate = r.Bitrate, audio_bitrate = "128k" }).ToArray(),
            },
            new { type = "thumbnails", name = "thumbs", interval_seconds = StillSeconds, format = "jpeg", width = StillWidth, sprite = true, sprite_columns = SpriteColumns },
        },
    };

    [Fact]
    public Task A_ladder_with_thumbnails_is_published_as_one_directory_of_clean_aligned_segments() => E2E.WithNodeLog(Node, output, async () =>
    {
        var id = await Node.Client.AddJobOkAsync(Job("ladder"));
        var job = await Node.Client.WaitForJobCompletedAsync(id, TimeSpan.FromMinutes(4));
        var groupDir = Path.Combine(Node.MediaRoot, "ladder", "record");
        Assert.Equal(groupDir, job.GetProperty("dst_path").GetString());
        // The temporary directory and the work directory are gone: only the published group is left.
        Assert.Equal(["record"], E2E.Entries(Path.Combine(Node.MediaRoot, "ladder")));
        AssertOutputsListed(job, groupDir);

        await AssertLadderAsync(Path.Combine(groupDir, "abr"), MediaSet.RecordSeconds);
        await AssertStillsAsync(Path.Combine(groupDir, "thumbs"), MediaSet.RecordSeconds);
    });

    [Fact]
    public Task With_segments_every_rendition_holds_exactly_the_cut_ranges() => E2E.WithNodeLog(Node, output, async () =>
    {
        // 15 s + 15 s: the second range starts 15 s into the output, inside segment 4 of 4 s ones.
        var id = await Node.Client.AddJobOkAsync(Job("ladder-cut", "5-20:30-45"));
        await Node.Client.WaitForJobCompletedAsync(id, TimeSpan.FromMinutes(4));
        var ladder = Path.Combine(Node.MediaRoot, "ladder-cut", "record", "abr");
        await AssertLadderAsync(ladder, 30);

        using var scratch = new ScratchDir();
        var source = Path.Combine(Node.MediaRoot, E2E.Record);
        var top = Renditions[0].Name;
        var whole = Joined(Path.Combine(ladder, top), Segments(Path.Combine(ladder, top)), Path.Combine(scratch.Path, top + ".mp4"));
        // Each range's first and last frames are the source's frames at the range's ends, not one frame off either way.
        var fps = (int)MediaSet.FrameRate;
        var pairs = new[] { (0, 5 * fps), (15 * fps - 1, 20 * fps - 1), (15 * fps, 30 * fps), (30 * fps - 1, 45 * fps - 1) };
        var outputFrames = await GrayFramesAsync(whole, pairs.Select(p => p.Item1).ToList(), Path.Combine(scratch.Path, "out.gray"));
        var sourceFrames = await GrayFramesAsync(source, pairs.SelectMany(p => new[] { p.Item2 - 1, p.Item2, p.Item2 + 1 }).ToList(),
            Path.Combine(scratch.Path, "src.gray"));
        foreach (var (outputFrame, sourceFrame) in pairs)
        {
            var picture = outputFrames[outputFrame];
            var (exact, before, after) = (Difference(picture, sourceFrames[sourceFrame]),
                Difference(picture, sourceFrames[sourceFrame - 1]), Difference(picture, sourceFrames[sourceFrame + 1]));
            output.WriteLine($"output frame {outputFrame} vs source frame {sourceFrame}: {exact:0.00} (the one before {before:0.00}, after {after:0.00})");
            Assert.True(exact < before && exact < after,
                $"output frame {outputFrame} is not source frame {sourceFrame}: differences {exact:0.00}, before {before:0.00}, after {after:0.00}");
        }
    });

    [Fact]
    public Task A_cancelled_ladder_job_leaves_nothing_behind() => E2E.WithNodeLog(Node, output, async () =>
    {
        var dstDir = Path.Combine(Node.MediaRoot, "ladder-cancel");
        var id = await Node.Client.AddJobOkAsync(Job("ladder-cancel"));
        // Cancelled while its outputs are under way: some tasks done or running, the temporary directory started.
        var running = await Node.Client.WaitForJobStateAsync(id,
            // A job still queued (INIT) is answered from its list row, which has no outputs yet.
            j => j.TryGetProperty("outputs", out var outputs)
                 && outputs.EnumerateArray().Any(o => o.GetProperty("state").GetString() == "IN_PROGRESS"),
            TimeSpan.FromSeconds(60), what: "an output IN_PROGRESS");
        output.WriteLine(running.ToString());
        var sawFfmpeg = await E2E.Eventually(() => E2E.FfmpegMentioning(dstDir).Count > 0, TimeSpan.FromSeconds(15));
        Assert.True(sawFfmpeg, $"no ffmpeg process writing into {dstDir} appeared while the job was in progress");

        var (status, body) = await Node.Client.CancelJobAsync(id);
        TranscodeClient.AssertOk(status, body, "cancel_job");
        var job = await Node.Client.WaitForJobEndAsync(id, TimeSpan.FromSeconds(15));
        Assert.Equal(TranscodeClient.JobCanceled, TranscodeClient.State(job));
        Assert.All(job.GetProperty("outputs").EnumerateArray(), o => Assert.Equal("CANCELED", o.GetProperty("state").GetString()));

        var ffmpegGone = await E2E.Eventually(() => E2E.FfmpegMentioning(dstDir).Count == 0, TimeSpan.FromSeconds(10));
        Assert.True(ffmpegGone, "ffmpeg still runs after cancel:\n" + string.Join('\n', E2E.FfmpegMentioning(dstDir)));
        // No group directory, no temporary one, no parts.
        var clean = await E2E.Eventually(() => E2E.Entries(dstDir).Count == 0, TimeSpan.FromSeconds(10));
        Assert.True(clean, $"files left in {dstDir}: {string.Join(", ", E2E.Entries(dstDir))}");
    });

    private static void AssertOutputsListed(System.Text.Json.JsonElement job, string groupDir)
    {
        var outputs = job.GetProperty("outputs").EnumerateArray().ToList();
        Assert.Equal(["abr", "thumbs"], outputs.Select(o => o.GetProperty("name").GetString()));
        Assert.All(outputs, o => Assert.Equal("COMPLETED", o.GetProperty("state").GetString()));
        var abr = outputs[0];
        Assert.Equal("cmaf", abr.GetProperty("type").GetString());
        Assert.Equal(Path.Combine(groupDir, "abr", "master.m3u8"), abr.GetProperty("files").GetProperty("hls").GetString());
        Assert.Equal(Path.Combine(groupDir, "abr", "manifest.mpd"), abr.GetProperty("files").GetProperty("dash").GetString());
        Assert.Equal(Renditions.Select(r => r.Name), abr.GetProperty("renditions").EnumerateArray().Select(r => r.GetString()));
    }

    /// <summary>
    /// Every rendition decodes cleanly with exactly the output's frames; every segment but the last lasts the segment
    /// length (within 0.1 s) and starts with a key frame at the same time in every rendition; the master playlist
    /// and the MPD describe each rendition as it really is.
    /// </summary>
    private async Task AssertLadderAsync(string ladder, double outputSeconds)
    {
        using var scratch = new ScratchDir();
        var expectedFrames = (int)Math.Round(outputSeconds * MediaSet.FrameRate);
        var expectedSegments = (int)Math.Ceiling(outputSeconds / SegmentSeconds - 1e-9);
        var starts = new List<IReadOnlyList<double>>();
        var measured = new Dictionary<string, (double Peak, double Average)>();
        foreach (var r in Renditions)
        {
            var dir = Path.Combine(ladder, r.Name);
            var segments = Segments(dir);
            Assert.Equal(expectedSegments, segments.Count);
            var whole = Joined(dir, segments, Path.Combine(scratch.Path, r.Name + ".mp4"));
            await MediaAssert.DecodesCleanlyAsync(whole);
            Assert.Equal(expectedFrames, await MediaAssert.VideoFrameCountAsync(whole));
            Assert.Equal((r.Width, r.Height), await SizeAsync(whole));

            var firsts = new List<double>();
            double peak = 0, bits = 0, seconds = 0;
            for (var k = 0; k < segments.Count; k++)
            {
                var packets = await PacketsAsync(dir, segments[k], scratch.Path);
                Assert.True(packets[0].Key, $"{r.Name} segment {k + 1} does not start with a key frame");
                Assert.Single(packets, p => p.Key);
                var (start, duration) = Span(packets);
                if (k < segments.Count - 1) MediaAssert.Near(SegmentSeconds, duration, 0.1, $"{r.Name} segment {k + 1} duration");
                else Assert.True(duration <= SegmentSeconds + 0.1, $"{r.Name} last segment lasts {duration} s");
                firsts.Add(packets[0].Pts);
                var segmentBits = new FileInfo(segments[k]).Length * 8.0;
                peak = Math.Max(peak, segmentBits / duration);
                bits += segmentBits;
                seconds += duration;
            }
            output.WriteLine($"{r.Name}: {segments.Count} segments, first frames at {string.Join(" ", firsts.Select(f => f.ToString("0.###", Inv)))}");
            starts.Add(firsts);
            measured[r.Name] = (peak, bits / seconds);

            var playlist = PlaylistSegments(Path.Combine(dir, "index.m3u8"));
            Assert.Equal(segments.Select(Path.GetFileName), playlist.Select(p => p.Uri));
            MediaAssert.Near(outputSeconds, playlist.Sum(p => p.Duration), 0.1, $"{r.Name} playlist duration");
        }
        // Segment k starts on the same frame in every rendition: players switch between them at any boundary.
        for (var k = 0; k < expectedSegments; k++)
            Assert.All(starts, s => MediaAssert.Near(starts[0][k], s[k], 0.001, $"first frame of segment {k + 1}"));

        var audio = Directory.GetDirectories(ladder, "audio-*").Single();
        var audioWhole = Joined(audio, Segments(audio), Path.Combine(scratch.Path, "audio.mp4"));
        await MediaAssert.DecodesCleanlyAsync(audioWhole);
        MediaAssert.Near(outputSeconds, await MediaAssert.DurationAsync(audioWhole), 0.1, "audio duration");

        AssertMasterPlaylist(ladder, measured, Path.GetFileName(audio));
        AssertMpd(ladder, outputSeconds);
    }

    private void AssertMasterPlaylist(string ladder, Dictionary<string, (double Peak, double Average)> measured, string audioDir)
    {
        var master = Path.Combine(ladder, "master.m3u8");
        output.WriteLine(File.ReadAllText(master));
        var media = Assert.Single(Media(master));
        Assert.Equal("AUDIO", media["TYPE"]);
        Assert.Equal($"{audioDir}/index.m3u8", media["URI"]);
        var variants = Variants(master);
        Assert.Equal(Renditions.Length, variants.Count);
        foreach (var r in Renditions)
        {
            var (attributes, uri) = Assert.Single(variants, v => v.Uri == $"{r.Name}/index.m3u8");
            Assert.Equal($"{r.Width}x{r.Height}", attributes["RESOLUTION"]);
            Assert.Equal("30.000", attributes["FRAME-RATE"]);
            Assert.Matches(new Regex(@"^avc1\.[0-9a-fA-F]{6},mp4a\.40\.2$"), attributes["CODECS"]);
            Assert.Equal(media["GROUP-ID"], attributes["AUDIO"]);
            var bandwidth = double.Parse(attributes["BANDWIDTH"], Inv);
            var average = double.Parse(attributes["AVERAGE-BANDWIDTH"], Inv);
            // Both include the audio; the video's own figures are measured here from the segment files.
            Assert.True(bandwidth >= measured[r.Name].Peak * 0.99, $"{uri}: BANDWIDTH {bandwidth} below the video's measured peak {measured[r.Name].Peak:0}");
            Assert.True(average >= measured[r.Name].Average * 0.99 && average <= bandwidth,
                $"{uri}: AVERAGE-BANDWIDTH {average} vs measured video average {measured[r.Name].Average:0}, BANDWIDTH {bandwidth}");
        }
    }

    private static void AssertMpd(string ladder, double outputSeconds)
    {
        var mpd = XDocument.Load(Path.Combine(ladder, "manifest.mpd"));
        Assert.Equal("static", mpd.Root!.Attribute("type")!.Value);
        var representations = mpd.Descendants(Dash + "Representation").ToList();
        foreach (var r in Renditions)
        {
            var rep = Assert.Single(representations, x => x.Attribute("id")!.Value == r.Name);
            Assert.Equal(r.Width.ToString(Inv), rep.Attribute("width")!.Value);
            Assert.Equal(r.Height.ToString(Inv), rep.Attribute("height")!.Value);
            Assert.StartsWith("avc1.", rep.Attribute("codecs")!.Value);
            Assert.True(long.Parse(rep.Attribute("bandwidth")!.Value, Inv) > 0);
            MediaAssert.Near(outputSeconds, TimelineSeconds(rep.Descendants(Dash + "SegmentTemplate").Any() ? rep : rep.Parent!), 0.1,
                $"{r.Name} SegmentTimeline");
        }
        Assert.Contains(representations, x => x.Attribute("codecs")!.Value == "mp4a.40.2");
    }

    /// <summary>A still every interval, of the asked size; one sprite sheet; a WebVTT cue per still pointing at its tile.</summary>
    private async Task AssertStillsAsync(string dir, double outputSeconds)
    {
        var count = (int)Math.Ceiling(outputSeconds / StillSeconds - 1e-9);
        var stills = Directory.GetFiles(dir, "thumb-*.jpg").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(count, stills.Count);
        var height = StillWidth * 720 / 1280;
        foreach (var still in stills) Assert.Equal((StillWidth, height), await SizeAsync(still));

        var rows = (count + SpriteColumns - 1) / SpriteColumns;
        Assert.Equal((SpriteColumns * StillWidth, rows * height), await SizeAsync(Path.Combine(dir, "sprite.jpg")));

        var vtt = File.ReadAllLines(Path.Combine(dir, "sprite.vtt"));
        output.WriteLine(string.Join('\n', vtt.Take(12)));
        Assert.Equal("WEBVTT", vtt[0]);
        var cues = vtt.Select((line, i) => (line, i)).Where(x => x.line.Contains("-->", StringComparison.Ordinal)).ToList();
        Assert.Equal(count, cues.Count);
        for (var k = 0; k < count; k++)
        {
            var times = cues[k].line.Split("-->", StringSplitOptions.TrimEntries).Select(TimeSpan.Parse).ToArray();
            MediaAssert.Near(k * StillSeconds, times[0].TotalSeconds, 0.001, $"cue {k + 1} start");
            MediaAssert.Near(Math.Min((k + 1) * StillSeconds, outputSeconds), times[1].TotalSeconds, 0.001, $"cue {k + 1} end");
            var target = vtt[cues[k].i + 1];
            var xywh = Regex.Match(target, @"^sprite\.jpg#xywh=(\d+),(\d+),(\d+),(\d+)$");
            Assert.True(xywh.Success, $"cue {k + 1} target '{target}'");
            var v = xywh.Groups.Values.Skip(1).Select(g => int.Parse(g.Value, Inv)).ToArray();
            Assert.Equal([k % SpriteColumns * StillWidth, k / SpriteColumns * height, StillWidth, height], v);
        }
    }

    private sealed class ScratchDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("akka-transcode-ladder-").FullName;
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
