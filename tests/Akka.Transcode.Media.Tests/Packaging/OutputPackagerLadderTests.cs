using System.Globalization;
using System.Xml.Linq;
using Akka.Transcode.Domain.Outputs;
using Akka.Transcode.Media.Packaging;
using Akka.Transcode.Media.Tests.Support;

namespace Akka.Transcode.Media.Tests.Packaging;

/// <summary>
/// A two-rendition ladder with its audio, cut from real ffmpeg fMP4 and checked with ffmpeg itself: every segment
/// decodes on its own after the init segment, starts with a key frame at the same time in each rendition, the
/// playlists and the MPD name every segment, and ffmpeg plays the master playlist.
/// </summary>
public sealed class OutputPackagerLadderTests(PackagingSources sources) : IClassFixture<PackagingSources>, IDisposable
{
    private static readonly int Segments = (int)(PackagingSources.Seconds / PackagingSources.SegmentSeconds);
    private readonly ScratchDir _out = new();

    public void Dispose() => _out.Dispose();

    private string Ladder => Path.Combine(_out.Path, "abr");

    private PackagePlan Plan(string video360, string video180) => new(_out.Path,
        [new LadderPackage("abr", Ladder, Hls: true, Dash: true, PackagingSources.SegmentSeconds,
            [new TrackPackage("180p", video180, Path.Combine(Ladder, "180p"), 320, 180, PackagingSources.Fps, 300_000, "audio-128k"),
             new TrackPackage("360p", video360, Path.Combine(Ladder, "360p"), 640, 360, PackagingSources.Fps, 800_000, "audio-128k")],
            [new TrackPackage("audio-128k", sources.Audio, Path.Combine(Ladder, "audio-128k"), 0, 0, 0, 128_000, "audio-128k")])],
        []);

    private async Task PackageLadder()
    {
        var result = await new OutputPackager().PackageAsync(Plan(sources.Video360, sources.Video180), CancellationToken.None);
        Assert.True(result.IsOk, result.Error?.Message);
    }

    private static string[] SegmentsIn(string playlist) =>
        File.ReadAllLines(playlist).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();

    [Fact]
    public async Task Every_segment_decodes_after_its_init_segment_and_starts_on_a_key_frame_at_the_same_time_in_each_rendition()
    {
        await PackageLadder();

        var starts = new Dictionary<string, List<double>>();
        foreach (var rendition in new[] { "180p", "360p" })
        {
            var dir = Path.Combine(Ladder, rendition);
            var init = Path.Combine(dir, OutputLayout.InitSegment);
            starts[rendition] = [];
            for (var k = 1; k <= Segments; k++)
            {
                var alone = _out.File($"{rendition}-{k}.mp4");
                Tool.Concat(alone, init, Path.Combine(dir, OutputLayout.Segment(k)));
                Assert.Equal("", Tool.DecodeErrors(alone));
                var frames = Tool.Frames(alone);
                Assert.True(frames[0].Key, $"{rendition} segment {k} starts with a frame that is not a key frame");
                Assert.Single(frames, f => f.Key);
                Assert.Equal(PackagingSources.SegmentSeconds * PackagingSources.Fps, frames.Count);
                starts[rendition].Add(frames[0].Time);
            }
            Assert.False(File.Exists(Path.Combine(dir, OutputLayout.Segment(Segments + 1))));

            // The whole rendition, init and segments in order, is every frame of the source.
            var whole = _out.File($"{rendition}-all.mp4");
            Tool.Concat(whole, [init, .. Enumerable.Range(1, Segments).Select(k => Path.Combine(dir, OutputLayout.Segment(k)))]);
            Assert.Equal("", Tool.DecodeErrors(whole));
            Assert.Equal((int)(PackagingSources.Seconds * PackagingSources.Fps), Tool.Frames(whole).Count);
        }

        Assert.Equal(starts["180p"], starts["360p"]);
        for (var k = 1; k < Segments; k++)
            Assert.Equal(PackagingSources.SegmentSeconds, starts["360p"][k] - starts["360p"][k - 1], 3);
    }

    [Fact]
    public async Task Media_playlists_list_every_segment_with_its_duration()
    {
        await PackageLadder();

        foreach (var rendition in new[] { "180p", "360p", "audio-128k" })
        {
            var playlist = Path.Combine(Ladder, rendition, OutputLayout.MediaPlaylist);
            var lines = File.ReadAllLines(playlist);
            var onDisk = Directory.EnumerateFiles(Path.GetDirectoryName(playlist)!, "seg-*.m4s").Select(Path.GetFileName).Order();
            Assert.Equal(onDisk, SegmentsIn(playlist));
            Assert.Equal(Segments, SegmentsIn(playlist).Length);
            var durations = lines.Where(l => l.StartsWith("#EXTINF:", StringComparison.Ordinal))
                .Select(l => double.Parse(l["#EXTINF:".Length..].TrimEnd(','), CultureInfo.InvariantCulture)).ToList();
            // Audio frames are 1024 samples: a fragment ends on the frame that crosses 2 s.
            Assert.All(durations.SkipLast(1), d => Assert.InRange(d, PackagingSources.SegmentSeconds - 0.1, PackagingSources.SegmentSeconds + 0.1));
            Assert.InRange(durations.Sum(), PackagingSources.Seconds - 0.1, PackagingSources.Seconds + 0.1);
            Assert.Contains($"#EXT-X-TARGETDURATION:{(int)Math.Ceiling(durations.Max())}", lines);
            Assert.Contains("#EXT-X-ENDLIST", lines);
        }
    }

    [Fact]
    public async Task The_master_playlist_plays_in_ffmpeg_and_states_each_variant()
    {
        await PackageLadder();
        var master = Path.Combine(Ladder, OutputLayout.MasterPlaylist);

        Assert.Equal("", Tool.DecodeErrors(master, "-allowed_extensions", "ALL", "-protocol_whitelist", "file"));
        var (exit, streams, err) = Tool.Run("ffprobe", "-v", "error", "-allowed_extensions", "ALL", "-protocol_whitelist", "file",
            "-show_entries", "stream=codec_type,width", "-of", "csv=p=0", master);
        Assert.True(exit == 0, err);
        Assert.Contains("video,640", streams);
        Assert.Contains("video,320", streams);
        Assert.Contains("audio", streams);

        var variants = File.ReadAllLines(master).Where(l => l.StartsWith("#EXT-X-STREAM-INF:", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, variants.Count);
        Assert.Contains("RESOLUTION=640x360", variants[0]); // the higher bandwidth first
        Assert.Contains("RESOLUTION=320x180", variants[1]);
        foreach (var v in variants)
        {
            var bandwidth = long.Parse(Attribute(v, "BANDWIDTH"), CultureInfo.InvariantCulture);
            var average = long.Parse(Attribute(v, "AVERAGE-BANDWIDTH"), CultureInfo.InvariantCulture);
            Assert.True(bandwidth >= average && average > 128_000, v);
            Assert.Matches("^\"avc1\\.[0-9a-f]{6},mp4a\\.40\\.2\"$", Attribute(v, "CODECS"));
            Assert.Equal("30.000", Attribute(v, "FRAME-RATE"));
            Assert.Equal("\"audio-128k\"", Attribute(v, "AUDIO"));
        }
        Assert.Single(File.ReadAllLines(master), l => l.StartsWith("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio-128k\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_mpd_is_xml_naming_every_representation_and_segment()
    {
        await PackageLadder();

        var mpd = XDocument.Load(Path.Combine(Ladder, OutputLayout.Mpd));
        XNamespace ns = "urn:mpeg:dash:schema:mpd:2011";
        Assert.Equal("static", mpd.Root!.Attribute("type")!.Value);
        Assert.Equal("urn:mpeg:dash:profile:isoff-live:2011", mpd.Root.Attribute("profiles")!.Value);
        var representations = mpd.Descendants(ns + "Representation").ToList();
        Assert.Equal(["360p", "180p", "audio-128k"], representations.Select(r => r.Attribute("id")!.Value));
        Assert.Equal(["640x360", "320x180"], representations.Take(2).Select(r => $"{r.Attribute("width")!.Value}x{r.Attribute("height")!.Value}"));
        Assert.All(representations.Take(2), r => Assert.Equal("30", r.Attribute("frameRate")!.Value));
        foreach (var r in representations)
        {
            var template = r.Element(ns + "SegmentTemplate")!;
            var id = r.Attribute("id")!.Value;
            Assert.Equal($"{id}/{OutputLayout.InitSegment}", template.Attribute("initialization")!.Value);
            Assert.Equal($"{id}/{OutputLayout.SegmentTemplate}", template.Attribute("media")!.Value);
            var listed = template.Descendants(ns + "S").Sum(s => 1 + ((int?)s.Attribute("r") ?? 0));
            Assert.Equal(Segments, listed);
            Assert.True(File.Exists(Path.Combine(Ladder, template.Attribute("initialization")!.Value)));
        }
        // ffmpeg's own DASH demuxer reads it and every segment it names.
        Assert.Equal("", Tool.DecodeErrors(Path.Combine(Ladder, OutputLayout.Mpd), "-protocol_whitelist", "file"));
    }

    [Fact]
    public async Task A_rerun_after_a_crash_rewrites_the_same_files()
    {
        await PackageLadder();
        var first = Snapshot();
        File.WriteAllText(Path.Combine(Ladder, "360p", OutputLayout.Segment(2)), "cut off by a crash");

        await PackageLadder();

        Assert.Equal(first, Snapshot());
    }

    private Dictionary<string, string> Snapshot() =>
        Directory.EnumerateFiles(_out.Path, "*", SearchOption.AllDirectories)
            .Where(f => f.StartsWith(Ladder, StringComparison.Ordinal))
            .ToDictionary(f => f, f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));

    [Fact]
    public async Task A_rendition_whose_fragments_do_not_start_on_key_frames_fails_naming_the_segment()
    {
        // Fragments every second, key frames every two: every other segment would start mid-GOP.
        var bad = sources.Video("mid-gop.mp4", 320, 180, "300k", keyEvery: 2, "-frag_duration", "1000000");
        var plan = Plan(sources.Video360, bad);

        var result = await new OutputPackager().PackageAsync(plan, CancellationToken.None);

        Assert.False(result.IsOk);
        Assert.Contains("180p: segment 2 does not start with a key frame", result.Error!.Message);
    }

    [Fact]
    public async Task Renditions_cut_at_different_times_fail_rather_than_ship()
    {
        var other = sources.Video("every-2.5s.mp4", 320, 180, "300k", keyEvery: 2.5);

        var result = await new OutputPackager().PackageAsync(Plan(sources.Video360, other), CancellationToken.None);

        Assert.False(result.IsOk);
        Assert.Contains("ladder abr: rendition 360p has 5 segments, 180p has 4", result.Error!.Message);
    }

    [Fact]
    public async Task A_plan_naming_a_folder_outside_its_temp_dir_writes_nothing_there()
    {
        // The ladder's folder is a sibling of the temp dir the plan states.
        var plan = Plan(sources.Video360, sources.Video180) with { TempDir = _out.File("tmp") };

        var result = await new OutputPackager().PackageAsync(plan, CancellationToken.None);

        Assert.False(result.IsOk);
        Assert.Contains("outside the job's temp dir", result.Error!.Message);
        Assert.False(Directory.Exists(Ladder));
    }

    private static string Attribute(string line, string name)
    {
        var start = line.IndexOf("," + name + "=", StringComparison.Ordinal) is var i and >= 0 ? i + 1 : line.IndexOf(":" + name + "=", StringComparison.Ordinal) + 1;
        var value = line[(start + name.Length + 1)..];
        if (value.StartsWith('"')) return value[..(value.IndexOf('"', 1) + 1)];
        return value.Split(',')[0];
    }
}
