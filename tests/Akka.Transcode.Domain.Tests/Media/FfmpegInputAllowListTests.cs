using System.Text;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Maps;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Domain.Tasks;
using static Akka.Transcode.Domain.Tests.Planning.PlanSamples;

namespace Akka.Transcode.Domain.Tests.Media;

/// <summary>
/// ffmpeg may read only what the task names: every input carries the file protocol alone and a demuxer allow-list,
/// the output the file protocol alone, and the join's list holds each of its entries to the source formats again.
/// </summary>
public class FfmpegInputAllowListTests
{
    private static readonly PlanningOptions SmallChunks = new(MaxTaskSeconds: 10, MinTaskSeconds: 1);
    private const string XPath = "/media/maps/lens.x.pgm", YPath = "/media/maps/lens.y.pgm";
    private static readonly RemapMap Remap = new(XPath, YPath, 640, 320);

    /// <summary>Every kind of command, with and without cuts, chunks, key-frame parts and a remap map.</summary>
    private static IEnumerable<(string Name, TaskSpec Task, StitchMap? Map)> Commands()
    {
        var plans = new (string, JobSpec, PlanningOptions?)[]
        {
            ("copy", Spec("mp4"), null),
            ("cuts", Spec("flv", "1-5:2-10"), null),
            ("keyframe cuts", Spec("flv", "1-5:2-10", new OutputSettings { VideoCodec = "copy" }), null),
            ("keyframe cuts, audio copied", Spec("mkv", "1-5:2-10", new OutputSettings { VideoCodec = "copy", AudioCodec = "copy" }), null),
            ("chunked, audio encoded", Spec("mp4", "1-25", new OutputSettings { VideoCodec = "h264" }), SmallChunks),
            ("chunked, audio copied", Spec("mkv", output: new OutputSettings { VideoCodec = "h264" }), SmallChunks),
            ("audio only", Spec("mp3"), null),
        };
        foreach (var (name, spec, options) in plans)
            foreach (var task in PlanOk(spec, options: options).Tasks)
                yield return (name, task, null);

        var mapped = Spec("mp4", "1-5:2-10", new OutputSettings { VideoCodec = "h264" }) with
        {
            MapPath = "/media/maps/lens.json", MapTables = [new MapTable("lens.x.pgm", XPath), new MapTable("lens.y.pgm", YPath)],
        };
        yield return ("remap with cuts", Assert.Single(PlanOk(mapped).Tasks), Remap);
        yield return ("remap, whole source", Assert.Single(PlanOk(mapped with { Segments = [], SegmentsText = null }).Tasks), Remap);
    }

    [Fact]
    public void Every_input_allows_only_the_file_protocol_and_the_demuxers_it_is_read_with()
    {
        var kinds = new HashSet<(TaskKind, bool)>();
        foreach (var (name, task, map) in Commands())
        {
            kinds.Add((task.Kind, task.KeyframeCuts));
            var command = FfmpegArguments.Build(task, 0, map);
            var args = command.Arguments.ToList();
            var context = $"{name}, {task.Kind} task {task.Index}: {string.Join(" ", args)}";
            var listPath = command.Files.SingleOrDefault()?.Path;

            var previous = 0;
            for (var i = args.IndexOf("-i"); i >= 0; previous = i + 2, i = args.IndexOf("-i", i + 1))
            {
                // The options that belong to this input: those between the previous input's file and this -i.
                var options = args[previous..i];
                var file = args[i + 1];
                Assert.True(Value(options, "-protocol_whitelist") == "file", context);
                var expected = file == "file:" + listPath ? "concat," + InputFormats.SourceWhitelist
                    : file is "file:" + XPath or "file:" + YPath ? "pgm_pipe"
                    : InputFormats.SourceWhitelist;
                Assert.True(Value(options, "-format_whitelist") == expected, $"{file}: {context}");
                if (file == "file:" + listPath) Assert.Equal(["-f", "concat", "-safe", "0"], options[^4..]);
                if (expected == "pgm_pipe") Assert.Equal(["-f", "pgm_pipe"], options[^2..]);
            }
            // The output: a local file only, like every input.
            Assert.Equal(["-protocol_whitelist", "file", "-f", task.Muxer, "file:" + task.OutputPath], args[^5..]);
            Assert.Equal(args.Count(a => a == "-i") + 1, args.Count(a => a == "-protocol_whitelist"));
        }
        (TaskKind, bool)[] all =
        [
            (TaskKind.Transcode, false), (TaskKind.Video, false), (TaskKind.Audio, false), (TaskKind.Join, false),
            (TaskKind.Video, true), (TaskKind.Join, true),
        ];
        Assert.Equal(all.Order(), kinds.Order());
    }

    [Fact]
    public void Each_entry_of_a_join_list_is_held_to_the_source_formats_and_a_join_stops_at_a_part_it_cannot_open()
    {
        var joins = Commands().Where(c => c.Task.Kind == TaskKind.Join).ToList();
        Assert.True(joins.Count >= 3, $"{joins.Count} joins");
        foreach (var (name, join, _) in joins)
        {
            var command = FfmpegArguments.Build(join);
            var entries = FfconcatReader.Read(Assert.Single(command.Files).Content);
            Assert.Equal(join.VideoParts, entries.Select(e => e.File));
            // The list's own allow-list admits concat (ffmpeg hands it on to each entry); each entry takes it back out.
            Assert.All(entries, e => Assert.Equal(InputFormats.SourceWhitelist, Assert.Single(e.Options, o => o.Key == "format_whitelist").Value));
            Assert.DoesNotContain("concat", InputFormats.SourceWhitelist.Split(','));
            Assert.True(command.Arguments.Take(command.Arguments.ToList().IndexOf("-i")).Contains("-xerror"), name);
        }
    }

    [Fact]
    public void The_source_formats_are_media_containers_and_none_that_opens_other_files_or_urls()
    {
        string[] opensOthers =
        [
            "hls", "dash", "concat", "imf", "image2", "image2pipe", "vobsub", "sdp", "rtp", "rtsp", "sap", "lavfi", "data",
            "tee", "tty", "ffmetadata", "webm_dash_manifest", "mpjpeg", "png_pipe", "jpeg_pipe", "pgm_pipe", "bin", "libgme",
        ];
        foreach (var demuxer in opensOthers) Assert.DoesNotContain(demuxer, InputFormats.SourceDemuxers);
        string[] realWorld =
        [
            "mov", "matroska", "mpegts", "mpeg", "flv", "avi", "asf", "mxf", "ogg", "wav", "flac", "mp3", "aac", "h264", "hevc",
        ];
        foreach (var demuxer in realWorld) Assert.Contains(demuxer, InputFormats.SourceDemuxers);
        Assert.Equal(InputFormats.SourceDemuxers.Count, InputFormats.SourceDemuxers.Distinct().Count());
        Assert.Equal(string.Join(",", InputFormats.SourceDemuxers), InputFormats.SourceWhitelist);
    }

    public static TheoryData<string, string> Refused() => new()
    {
        { "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:3,\n/etc/secret.ts\n", "HLS playlist" },
        { "#EXTM3U\nfile:/etc/secret.ts\n", "HLS playlist" },
        { "\uFEFF#EXTM3U\nhttp://127.0.0.1:9/x.ts\n", "HLS playlist" },
        { "\n  #EXTM3U\n../../x.ts\n", "HLS playlist" },
        { "ffconcat version 1.0\nfile '/etc/secret.ts'\n", "ffconcat list" },
        { "<?xml version=\"1.0\"?>\n<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\"><BaseURL>file:/etc/</BaseURL></MPD>", "DASH manifest" },
        { "<?xml version=\"1.0\"?><CompositionPlaylist xmlns=\"http://www.smpte-ra.org/schemas/2067-3/2016\">", "IMF composition" },
        { "v=0\no=- 0 0 IN IP4 127.0.0.1\nm=video 5004 RTP/AVP 96\n", "network session" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Playlists_lists_and_manifests_are_named_from_their_first_bytes(string head, string named)
    {
        var what = InputFormats.Sniff(Encoding.UTF8.GetBytes(head));
        Assert.NotNull(what);
        Assert.Contains(named, what);
    }

    [Fact]
    public void A_playlist_behind_an_id3_tag_is_named_too()
    {
        // ffmpeg skips a leading ID3v2 tag before it guesses a format, so a tag must not hide a playlist.
        var tag = new byte[] { (byte)'I', (byte)'D', (byte)'3', 4, 0, 0, 0, 0, 0, 20 }.Concat(new byte[20]);
        var file = tag.Concat(Encoding.ASCII.GetBytes("#EXTM3U\n/etc/secret.ts\n")).ToArray();
        Assert.Contains("HLS playlist", InputFormats.Sniff(file));
    }

    public static TheoryData<byte[]> MediaHeads() =>
    [
        [0x47, 0x40, 0x11, 0x10, 0x00, 0x42, 0xF0, 0x25], // MPEG-TS
        [0, 0, 0, 0x20, (byte)'f', (byte)'t', (byte)'y', (byte)'p', (byte)'i', (byte)'s', (byte)'o', (byte)'m'], // MP4
        [0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81], // Matroska
        [(byte)'F', (byte)'L', (byte)'V', 1, 5, 0, 0, 0, 9], // FLV
        [.. "RIFF\0\0\0\0WAVEfmt "u8], [.. "fLaC"u8],
        [(byte)'I', (byte)'D', (byte)'3', 3, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0xFF, 0xFB, 0x90, 0x64], // MP3 with a tag
        [.. "These are meeting notes, not a video.\n"u8], // not media at all: ffprobe says so, not this
        [],
    ];

    [Theory]
    [MemberData(nameof(MediaHeads))]
    public void Media_and_other_files_are_left_to_ffprobe(byte[] head)
    {
        Assert.Null(InputFormats.Sniff(head));
    }

    [Theory]
    [InlineData("hls", "HLS playlist")]
    [InlineData("dash", "DASH manifest")]
    [InlineData("concat", "ffconcat list")]
    [InlineData("image2", "image")]
    [InlineData("png_pipe", "image")]
    [InlineData("tty", "'tty'")]
    public void Refused_demuxers_are_described_by_what_they_are(string demuxer, string words)
    {
        Assert.Contains(words, InputFormats.Describe(demuxer));
    }

    [Fact]
    public void The_worker_protocol_document_gives_the_exact_allow_list()
    {
        // A worker written from the document alone must pass ffmpeg the same list the reference worker does.
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "docs", "worker-protocol.md"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var doc = File.ReadAllText(Path.Combine(dir.FullName, "docs", "worker-protocol.md"));
        Assert.Contains($"`{InputFormats.SourceWhitelist}`", doc);
        Assert.Contains("-protocol_whitelist file -format_whitelist concat,<sources> -f concat -safe 0", doc);
        Assert.Contains("option format_whitelist <sources>", doc);
        Assert.Contains("-protocol_whitelist file -format_whitelist pgm_pipe -f pgm_pipe", doc);
    }

    private static string? Value(List<string> args, string option)
    {
        var i = args.LastIndexOf(option);
        return i >= 0 && i + 1 < args.Count ? args[i + 1] : null;
    }
}
