using System.Text;
using System.Text.RegularExpressions;
using Akka.Transcode.Domain.Maps;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Tasks;

namespace Akka.Transcode.Domain.Tests.Media;

/// <summary>
/// docs/worker-protocol.md gives the exact ffmpeg argument list of each task kind, for workers written from the
/// document alone. Each list there (a shell block after an <c>&lt;!-- ffmpeg-args: NAME --&gt;</c> line) must be
/// exactly what <see cref="FfmpegArguments.Build"/> makes for the task described next to it: the tasks are built here
/// with the same values. When the arguments change, this test prints the new list to paste into the document.
/// </summary>
public sealed partial class WorkerProtocolDocTests
{
    private const string Src = "/media/in/record.ts";
    private const string Dir = "/media/out";
    private const string Work = "/media/out/.transcode-J";

    // The source of every example: MPEG-TS whose container starts at 1.4 s and whose first video frame is at
    // 1.433333 s (30 fps). Cuts are 2-6 s and 10-12 s after the container's start (PROTOCOL.md "segments").
    private static readonly SourceCut CutA = new(2, 6, 0, 3.416667, 3.433333, 120, 4);
    private static readonly SourceCut CutB = new(10, 12, 4, 11.416667, 11.433333, 60, 2);

    private static TaskSpec Task(TaskKind kind, string output, string muxer, VideoOp video, AudioOp audio, params SourceCut[] cuts) => new()
    {
        TaskId = "J-t0", JobId = "J", Index = 0, Kind = kind, SourcePath = Src, Cuts = cuts, OutputPath = output,
        Muxer = muxer, Video = video, Audio = audio, Duration = cuts.Length == 0 ? 20 : cuts.Sum(c => c.Duration), Weight = 1,
    };

    private static readonly VideoOp H264 = new(StreamAction.Encode, "h264");
    private static readonly AudioOp Aac = new(StreamAction.Encode, "aac");
    private static readonly VideoOp R720 = new(StreamAction.Encode, "h264", Bitrate: 3_000_000, Width: 1280, Height: 720, MaxBitrate: 4_500_000);
    private static readonly VideoOp R360 = new(StreamAction.Encode, "h264", Bitrate: 800_000, Width: 640, Height: 360, MaxBitrate: 1_200_000);

    /// <summary>The examples by the names the document uses; the output is the partial name ffmpeg writes.</summary>
    private static (TaskSpec Task, int Threads, StitchMap? Map) Example(string name) => name switch
    {
        "transcode-whole" => (Task(TaskKind.Transcode, $"{Dir}/.record.mp4.J.tmp.partial-1f2e3d4c", "mp4", VideoOp.Copy, AudioOp.Copy), 0, null),
        "transcode-whole-encode" => (Task(TaskKind.Transcode, $"{Dir}/.record.flv.J.tmp.partial-1f2e3d4c", "flv",
            H264 with { Crf = 20, Height = 720, NoBFrames = true }, Aac with { Bitrate = 96_000 }), 0, null),
        "transcode-cuts" => (Task(TaskKind.Transcode, $"{Dir}/.record.mp4.J.tmp.partial-1f2e3d4c", "mp4", H264, Aac, CutA, CutB), 0, null),
        "video-chunk" => (Task(TaskKind.Video, $"{Work}/video-0001.mkv.partial-1f2e3d4c", "matroska",
            H264 with { Preset = "fast", Width = 1280 }, AudioOp.Drop, CutB), 2, null),
        "video-keyframe" => (Task(TaskKind.Video, $"{Work}/copy-0001.mkv.partial-1f2e3d4c", "matroska", VideoOp.Copy, AudioOp.Copy,
            CutB with { VideoTrimStart = 11.433333 - 1 }) with { KeyframeCuts = true }, 0, null),
        "audio" => (Task(TaskKind.Audio, $"{Work}/audio.flac.partial-1f2e3d4c", "flac", VideoOp.Drop,
            new AudioOp(StreamAction.Encode, "flac"), CutA, CutB), 0, null),
        "join-audio-part" => (Task(TaskKind.Join, $"{Dir}/.record.mp4.J.tmp.partial-1f2e3d4c", "mp4", VideoOp.Copy, Aac) with
        {
            VideoParts = [$"{Work}/video-0000.mkv", $"{Work}/video-0001.mkv"], AudioPart = $"{Work}/audio.flac",
        }, 0, null),
        "join-keyframe" => (Task(TaskKind.Join, $"{Dir}/.record.mp4.J.tmp.partial-1f2e3d4c", "mp4", VideoOp.Copy, Aac) with
        {
            VideoParts = [$"{Work}/copy-0000.mkv", $"{Work}/copy-0001.mkv"], KeyframeCuts = true,
        }, 0, null),
        "join-source-audio" => (Task(TaskKind.Join, $"{Dir}/.record.mp4.J.tmp.partial-1f2e3d4c", "mp4", VideoOp.Copy, AudioOp.Copy) with
        {
            VideoParts = [$"{Work}/video-0000.mkv", $"{Work}/video-0001.mkv"],
        }, 0, null),
        "remap-cuts" => (Task(TaskKind.Transcode, $"{Dir}/.record.mp4.J.tmp.partial-1f2e3d4c", "mp4", H264 with { Width = 1920 }, Aac, CutA, CutB) with
        {
            MapPath = "/media/maps/lens.json",
            MapTables = [new MapTable("lens.x.pgm", "/media/maps/lens.x.pgm"), new MapTable("lens.y.pgm", "/media/maps/lens.y.pgm")],
        }, 0, new RemapMap("/media/maps/lens.x.pgm", "/media/maps/lens.y.pgm", 3840, 1920)),
        "v360-whole" => (Task(TaskKind.Transcode, $"{Dir}/.record.mp4.J.tmp.partial-1f2e3d4c", "mp4", H264, Aac) with
        {
            MapPath = "/media/maps/dual.json",
        }, 0, Assert.IsType<V360Definition>(StitchMapParser.Parse(
            """{"kind":"v360","input":"dfisheye","output":"equirect","ih_fov":190,"iv_fov":190,"w":3840,"h":1920,"h_flip":true}""").Value).Map),
        // The add_task example's ladder chunk: both cuts, two renditions, key frames at each 4 s segment boundary.
        "ladder-chunk" => (Task(TaskKind.Video, $"{Work}/abr-0000.mkv.partial-1f2e3d4c", "matroska", R720, AudioOp.Drop, CutA, CutB) with
        {
            Renditions = [R720, R360], ForcedKeyframes = [0, 4], OutputName = "abr",
        }, 0, null),
        "ladder-join" => (Task(TaskKind.Join, $"{Work}/abr-360p.mp4.partial-1f2e3d4c", "mp4", VideoOp.Copy, AudioOp.Drop) with
        {
            VideoParts = [$"{Work}/abr-0000.mkv", $"{Work}/abr-0001.mkv"], VideoTrack = 1, FragmentSeconds = 0, OutputName = "abr",
        }, 0, null),
        _ => throw new ArgumentException($"the document names an example this test does not know: {name}", nameof(name)),
    };

    [GeneratedRegex(@"<!-- ffmpeg-args: ([a-z0-9-]+) -->\s*```[a-z]*\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex Block();

    private static string Document()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Akka.Transcode.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        return File.ReadAllText(Path.Combine(dir.FullName, "docs", "worker-protocol.md"));
    }

    private static readonly string[] Shown =
    [
        "transcode-whole", "transcode-whole-encode", "transcode-cuts", "video-chunk", "video-keyframe", "audio",
        "join-audio-part", "join-keyframe", "join-source-audio", "remap-cuts", "v360-whole", "ladder-chunk", "ladder-join",
    ];

    public static TheoryData<string> Names => new(Shown);

    [Fact]
    public void The_document_shows_every_example_once_and_no_other()
    {
        var shown = Block().Matches(Document()).Select(m => m.Groups[1].Value).ToList();

        Assert.Equal(Shown.Order(), shown.Order());
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_documented_argument_list_is_what_the_reference_worker_runs(string name)
    {
        var (task, threads, map) = Example(name);
        var actual = WithoutAllowLists(FfmpegArguments.Build(task, threads, map).Arguments);
        var block = Block().Matches(Document()).FirstOrDefault(m => m.Groups[1].Value == name);

        var documented = block is null ? null : Tokens(block.Groups[2].Value);

        Assert.True(documented is not null && documented.SequenceEqual(["ffmpeg", .. actual]),
            $"docs/worker-protocol.md, ffmpeg-args {name}, should read:\n{Render(actual)}");
    }

    [Fact]
    public void A_join_list_is_the_documented_ffconcat_text()
    {
        var (task, _, _) = Example("join-audio-part");

        var list = Assert.Single(FfmpegArguments.Build(task).Files);

        Assert.Equal(task.OutputPath + ".ffconcat", list.Path);
        var shown = string.Join('\n', list.Content.Split('\n').Where(line => !line.StartsWith("option format_whitelist ", StringComparison.Ordinal)));
        Assert.Contains(shown.TrimEnd('\n'), Document());
    }

    /// <summary>
    /// The lists in the document leave out what "Input options (required)" gives once for every run (the protocol and
    /// demuxer allow-lists, a join's -xerror): with a 40-name demuxer list before each input they would be unreadable.
    /// FfmpegInputAllowListTests holds the options themselves to that section.
    /// </summary>
    private static List<string> WithoutAllowLists(IReadOnlyList<string> args)
    {
        var kept = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "-xerror") continue;
            if (args[i] is "-protocol_whitelist" or "-format_whitelist") { i++; continue; }
            kept.Add(args[i]);
        }
        return kept;
    }

    /// <summary>Splits a shell command the way sh would for these blocks: blanks, single quotes, backslash-newline.</summary>
    private static List<string> Tokens(string text)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        var inToken = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\' && i + 1 < text.Length && text[i + 1] == '\n') { i++; continue; }
            if (c == '\'')
            {
                var end = text.IndexOf('\'', i + 1);
                current.Append(text, i + 1, end - i - 1);
                i = end;
                inToken = true;
                continue;
            }
            if (char.IsWhiteSpace(c))
            {
                if (inToken) tokens.Add(current.ToString());
                current.Clear();
                inToken = false;
                continue;
            }
            current.Append(c);
            inToken = true;
        }
        if (inToken) tokens.Add(current.ToString());
        return tokens;
    }

    private static readonly HashSet<string> LineStarts = ["-noaccurate_seek", "-filter_complex", "-f", "-c:v", "-vn", "-avoid_negative_ts"];

    private static string Render(IReadOnlyList<string> args)
    {
        var text = new StringBuilder("ffmpeg");
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            var newLine = LineStarts.Contains(a) && i > 2 && args[i - 1] != "-noaccurate_seek"
                          || (a == "-map" && args[i - 2] != "-map")
                          || (a == "-i" && args[i - 1] == "-y");
            text.Append(newLine ? " \\\n  " : " ");
            text.Append(a.All(ch => char.IsAsciiLetterOrDigit(ch) || "_./:=,+-@%".Contains(ch)) && a.Length > 0 ? a : $"'{a}'");
        }
        return text.ToString();
    }
}
