using System.Buffers.Binary;
using System.Globalization;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Outputs;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Domain.Segments;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Media.Probing;
using Akka.Transcode.Media.Tests.Support;

namespace Akka.Transcode.Media.Tests.Execution;

/// <summary>
/// The planner's ladder and thumbnail tasks run through the real ffmpeg with the arguments FfmpegArguments builds
/// (argv lists, no executor in between): a 29.97 fps source with two cuts, 2 s segments and chunks of whole segments,
/// one of them spanning both cuts, each chunk one task encoding both renditions as two tracks. Each rendition must
/// have its key frames exactly on the segment boundaries and nowhere else, every frame once, its own size and rate
/// control, and one fMP4 fragment per segment; the stills and the sprite their exact sizes.
/// </summary>
public sealed class OutputGroupFfmpegTests : IDisposable
{
    private const double Fps = 30000.0 / 1001;
    private readonly ScratchDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Ladder_chunks_join_into_one_fragment_per_segment_with_key_frames_only_on_boundaries()
    {
        var source = _dir.File("talk.mp4");
        FfmpegCli.Run("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30000/1001:duration=13",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=13",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "file:" + source);
        var probe = await new MediaProber().ProbeAsync(source, CancellationToken.None);
        Assert.True(probe.IsOk, probe.Error?.Message);
        var spec = new JobSpec
        {
            SourcePath = source, DstDir = _dir.Path, DstFormat = "", Segments = [new TimeRange(1, 5), new TimeRange(7, 12)],
            Outputs =
            [
                new OutputSpec
                {
                    Kind = OutputKind.Ladder, Name = "abr",
                    Ladder = new LadderSpec
                    {
                        Dash = true, SegmentSeconds = 2,
                        Renditions = [new RenditionSpec("360p", null, 360, 600_000, null, null, 96_000),
                            new RenditionSpec("180p", null, 180, 200_000, null, null, 96_000)],
                    },
                },
                new OutputSpec
                {
                    Kind = OutputKind.Thumbnails, Name = "thumbs",
                    Thumbnails = new ThumbnailsSpec(2.5, "jpeg", 160, null, Sprite: true, SpriteColumns: 3),
                },
            ],
        };
        var planned = TaskPlanner.Plan("og", spec, probe.Value!, new PlanningOptions(MaxTaskSeconds: 4, MinTaskSeconds: 1));
        Assert.True(planned.IsOk, planned.Error?.Message);
        var plan = planned.Value!;

        // 4 s (frames 30..149) + 5 s (210..359) = 270 frames; boundaries 0, 60, 120, 180, 240; chunks [0,60) [60,180)
        // [180,270), the middle one spanning both cuts. One task per chunk, both renditions in it.
        var chunks = plan.Tasks.Where(t => t.Kind == TaskKind.Video).ToList();
        Assert.Equal([1, 2, 1], chunks.Select(c => c.Cuts.Count));
        Assert.All(chunks, c => Assert.Equal([360, 180], c.Renditions.Select(r => r.Height!.Value)));
        foreach (var task in plan.Tasks) Run(task);
        // Each chunk file holds one track per rendition, each at its own size, each with every frame of the chunk.
        foreach (var chunk in chunks)
        {
            var frames = chunk.Cuts.Sum(c => c.Frames!.Value);
            Assert.Equal([("video", "h264"), ("video", "h264")], MediaCheck.Streams(chunk.OutputPath));
            Assert.Equal([(640, 360, frames), (320, 180, frames)], Tracks(chunk.OutputPath));
        }

        var boundaries = new[] { 0, 60, 120, 180, 240 };
        var ladder = Assert.Single(plan.Package!.Ladders);
        var segmentStarts = new List<IReadOnlyList<double>>();
        foreach (var rendition in ladder.Video)
        {
            var frames = Frames(rendition.SourceFile);
            Assert.Equal(270, frames.Count);
            Assert.Equal(boundaries, frames.Select((f, i) => (f, i)).Where(x => x.f.Key).Select(x => x.i));
            Assert.Equal(boundaries.Length, TopLevelBoxes(rendition.SourceFile).Count(b => b == "moof"));
            Assert.Equal("", MediaCheck.DecodeErrors(rendition.SourceFile));
            Assert.Equal((rendition.Width, rendition.Height), Size(rendition.SourceFile));
            segmentStarts.Add(boundaries.Select(b => frames[b].Time).ToList());
        }
        Assert.Equal([(640, 360), (320, 180)], ladder.Video.Select(v => (v.Width, v.Height)));
        // The same frame starts segment k in every rendition, at the same time.
        Assert.Equal(segmentStarts[0], segmentStarts[1]);
        // Each rendition was encoded with its own rate control: x264 writes its settings into the first frame of
        // every chunk, and the join copies them; and the 360p track's measured rate is well above the 180p one's.
        Assert.Equal(["bitrate=600 vbv_maxrate=900 vbv_bufsize=1800"] , EncoderSettings(ladder.Video[0].SourceFile).Distinct());
        Assert.Equal(["bitrate=200 vbv_maxrate=300 vbv_bufsize=600"], EncoderSettings(ladder.Video[1].SourceFile).Distinct());
        Assert.Equal(chunks.Count, EncoderSettings(ladder.Video[0].SourceFile).Count);
        var rates = ladder.Video.Select(v => new FileInfo(v.SourceFile).Length * 8 / 9.009).ToList();
        Assert.True(rates[0] > 2 * rates[1], $"360p {rates[0]:0} bit/s against 180p {rates[1]:0} bit/s");
        Assert.InRange(rates[0], 300_000, 900_000);
        Assert.InRange(rates[1], 100_000, 300_000);

        var audio = Assert.Single(ladder.Audio);
        Assert.Equal([("audio", "aac")], MediaCheck.Streams(audio.SourceFile));
        Assert.Equal(9.0, MediaCheck.StreamSeconds(audio.SourceFile, "a:0"), 1);
        // A fragment every 2 s of audio (the last one shorter): as many as the video's segments.
        Assert.Equal(boundaries.Length, TopLevelBoxes(audio.SourceFile).Count(b => b == "moof"));

        // Stills at 0, 2.5, 5, 7.5 of 9.009 s: 4, of 160x90, and one 3x2 sheet.
        var stills = Assert.Single(plan.Package.Stills);
        Assert.Equal(4, stills.Count);
        var (code, output, errors) = MediaCheck.Run("ffprobe", "-v", "error", "-f", "jpeg_pipe", "-count_frames",
            "-show_entries", "stream=width,height,nb_read_frames", "-of", "csv=p=0", "file:" + stills.StreamFile);
        Assert.True(code == 0, errors);
        Assert.Equal("160,90,4", output.Trim());
        var sprite = Path.Combine(stills.Dir, OutputLayout.Sprite("jpeg"));
        Assert.Equal((480, 180), Size(sprite));
        Assert.Equal(1, MediaCheck.VideoFrames(sprite));
    }

    /// <summary>
    /// A phone's portrait recording (landscape-coded, turned a quarter by its display matrix) and anamorphic PAL
    /// (720x576 of 64:45 pixels, shown 1024x576) go through probe, plan and the real ffmpeg. Each rendition and still
    /// must have the shape as shown, in square pixels (sized by the coded picture, the anamorphic 360p rung was
    /// 450x360 and the portrait one 640x360), and the picture itself must be the source as shown: it is compared with
    /// a reference turned or stretched by explicit filters (autorotation off), and a turned one must look far less
    /// like the coded picture squeezed into the same box.
    /// </summary>
    [Theory]
    [InlineData("portrait", 202, 360, 102, 180, 90, 160)]
    [InlineData("anamorphic", 640, 360, 320, 180, 160, 90)]
    public async Task Renditions_and_stills_have_the_shape_of_the_picture_as_shown(string kind, int w360, int h360,
        int w180, int h180, int stillW, int stillH)
    {
        var coded = _dir.File("coded.mp4");
        var source = _dir.File(kind == "portrait" ? "turned.mp4" : "anamorphic.ts");
        var (codedSize, shownFilter) = kind == "portrait"
            ? ("640x360", "transpose=cclock") // how ffmpeg and players show a file tagged rotate=90
            : ("720x576", "scale=1024:576,setsar=1");
        FfmpegCli.Run("-f", "lavfi", "-i", $"testsrc2=size={codedSize}:rate=25:duration=4",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25", "file:" + coded);
        if (kind == "portrait")
            FfmpegCli.Run("-i", "file:" + coded, "-c", "copy", "-metadata:s:v:0", "rotate=90", "file:" + source);
        else
            FfmpegCli.Run("-i", "file:" + coded, "-c", "copy", "-bsf:v", "h264_metadata=sample_aspect_ratio=64/45", "file:" + source);
        var probe = await new MediaProber().ProbeAsync(source, CancellationToken.None);
        Assert.True(probe.IsOk, probe.Error?.Message);
        var shown = kind == "portrait" ? (360, 640) : (1024, 576);
        Assert.Equal(shown, probe.Value!.Video!.Displayed);

        var spec = new JobSpec
        {
            SourcePath = source, DstDir = _dir.Path, DstFormat = "",
            Outputs =
            [
                new OutputSpec
                {
                    Kind = OutputKind.Ladder, Name = "abr",
                    Ladder = new LadderSpec
                    {
                        SegmentSeconds = 2,
                        Renditions = [new RenditionSpec("360p", null, 360, 600_000, null, null, 96_000),
                            new RenditionSpec("180p", null, 180, 200_000, null, null, 96_000)],
                    },
                },
                new OutputSpec
                {
                    Kind = OutputKind.Thumbnails, Name = "thumbs",
                    Thumbnails = new ThumbnailsSpec(2, "jpeg", stillW, null, Sprite: false, SpriteColumns: 1),
                },
            ],
        };
        var planned = TaskPlanner.Plan("og", spec, probe.Value, new PlanningOptions(MaxTaskSeconds: 4, MinTaskSeconds: 1));
        Assert.True(planned.IsOk, planned.Error?.Message);
        var plan = planned.Value!;
        foreach (var task in plan.Tasks) Run(task);

        var ladder = Assert.Single(plan.Package!.Ladders);
        Assert.Equal([(w360, h360), (w180, h180)], ladder.Video.Select(v => (v.Width, v.Height)));
        foreach (var rendition in ladder.Video)
        {
            Assert.Equal((rendition.Width, rendition.Height), Size(rendition.SourceFile));
            Assert.Equal("1:1", SampleAspect(rendition.SourceFile));
            var asShown = Psnr(rendition.SourceFile, coded, $"{shownFilter},scale={rendition.Width}:{rendition.Height}");
            Assert.True(asShown > 30, $"{rendition.Name}: {asShown:0.0} dB against the picture as shown");
            if (kind != "portrait") continue; // an anamorphic picture squeezed differs in its size, checked above
            var lyingDown = Psnr(rendition.SourceFile, coded, $"scale={rendition.Width}:{rendition.Height}");
            Assert.True(asShown > lyingDown + 10, $"{rendition.Name}: {asShown:0.0} dB against the picture as shown, " +
                                                  $"{lyingDown:0.0} dB against the coded one squeezed into the same box");
        }
        var stills = Assert.Single(plan.Package.Stills);
        Assert.Equal((stillW, stillH), (stills.TileWidth, stills.TileHeight));
        var (code, output, errors) = MediaCheck.Run("ffprobe", "-v", "error", "-f", "jpeg_pipe",
            "-show_entries", "stream=width,height", "-of", "csv=p=0", "file:" + stills.StreamFile);
        Assert.True(code == 0, errors);
        Assert.Equal($"{stillW},{stillH}", output.Trim());
    }

    /// <summary>PSNR (dB, averaged over the frames) of <paramref name="candidate"/>'s video against
    /// <paramref name="reference"/> decoded without autorotation and put through <paramref name="filter"/>.</summary>
    private static double Psnr(string candidate, string reference, string filter)
    {
        var (code, _, errors) = MediaCheck.Run("ffmpeg", "-nostdin", "-hide_banner", "-i", "file:" + candidate,
            "-noautorotate", "-i", "file:" + reference,
            "-filter_complex", $"[1:v]{filter},setsar=1[ref];[0:v]setsar=1[c];[c][ref]psnr", "-f", "null", "-");
        Assert.True(code == 0, errors);
        var match = System.Text.RegularExpressions.Regex.Match(errors, @"PSNR y:\S+ u:\S+ v:\S+ average:(\S+)");
        Assert.True(match.Success, errors);
        return match.Groups[1].Value == "inf" ? 100 : double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static string SampleAspect(string path)
    {
        var (code, output, errors) = MediaCheck.Run("ffprobe", "-v", "error", "-select_streams", "v:0",
            "-show_entries", "stream=sample_aspect_ratio", "-of", "csv=p=0", "file:" + path);
        Assert.True(code == 0, errors);
        return output.Trim();
    }

    /// <summary>Runs one task's command as the worker would: its aux files written, its output folder made.</summary>
    private static void Run(TaskSpec task)
    {
        var command = FfmpegArguments.Build(task);
        Directory.CreateDirectory(Path.GetDirectoryName(task.OutputPath)!);
        foreach (var file in command.Files) File.WriteAllText(file.Path, file.Content);
        var (code, _, errors) = MediaCheck.Run("ffmpeg", ["-nostdin", "-v", "error", .. command.Arguments]);
        Assert.True(code == 0, $"{task.Kind} task {task.Index} failed: {errors}\n{string.Join(" ", command.Arguments)}");
    }

    /// <summary>Every decoded video frame in display order: key frame or not, and its time.</summary>
    private static List<(bool Key, double Time)> Frames(string path)
    {
        var (code, output, errors) = MediaCheck.Run("ffprobe", "-v", "error", "-select_streams", "v:0",
            "-show_entries", "frame=key_frame,pts_time", "-of", "csv=p=0", "file:" + path);
        Assert.True(code == 0, errors);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(','))
            .Where(f => f.Length >= 2 && f[0] is "0" or "1")
            .Select(f => (f[0] == "1", double.Parse(f[1], CultureInfo.InvariantCulture)))
            .ToList();
    }

    /// <summary>Every video track's width, height and decoded frame count.</summary>
    private static List<(int, int, int)> Tracks(string path)
    {
        var (code, output, errors) = MediaCheck.Run("ffprobe", "-v", "error", "-select_streams", "v", "-count_frames",
            "-show_entries", "stream=width,height,nb_read_frames", "-of", "csv=p=0", "file:" + path);
        Assert.True(code == 0, errors);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray())
            .Select(f => (f[0], f[1], f[2]))
            .ToList();
    }

    /// <summary>The rate-control settings of every x264 settings message (SEI) in the file, in order.</summary>
    private static List<string> EncoderSettings(string path)
    {
        var text = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(path));
        return System.Text.RegularExpressions.Regex.Matches(text, @"x264 - core [^\0]*")
            .Select(m => string.Join(" ", m.Value.Split(' ').Where(o => o.StartsWith("bitrate=") || o.StartsWith("vbv_"))))
            .ToList();
    }

    private static (int, int) Size(string path)
    {
        var (code, output, errors) = MediaCheck.Run("ffprobe", "-v", "error", "-select_streams", "v:0",
            "-show_entries", "stream=width,height", "-of", "csv=p=0", "file:" + path);
        Assert.True(code == 0, errors);
        var parts = output.Trim().Split(',');
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    /// <summary>The MP4's top-level box types, read from their headers.</summary>
    private static List<string> TopLevelBoxes(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var boxes = new List<string>();
        for (long at = 0; at + 8 <= bytes.Length;)
        {
            long size = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan((int)at, 4));
            if (size == 1) size = (long)BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan((int)at + 8, 8));
            Assert.True(size >= 8, $"box at {at} of {path} has size {size}");
            boxes.Add(System.Text.Encoding.ASCII.GetString(bytes, (int)at + 4, 4));
            at += size;
        }
        return boxes;
    }
}
