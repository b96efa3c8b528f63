using System.Text;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Media.Execution;
using Akka.Transcode.Media.Probing;
using Akka.Transcode.Media.Running;
using Akka.Transcode.Media.Tests.Execution;
using Akka.Transcode.Media.Tests.Support;

namespace Akka.Transcode.Media.Tests;

/// <summary>
/// A recording made outside the media root, and files inside it that name that recording (or a URL) the ways ffmpeg's
/// playlist and list readers understand. Made once with lavfi.
/// </summary>
public sealed class HostileSources : IDisposable
{
    private readonly ScratchDir _dir = new();

    public HostileSources()
    {
        Root = Directory.CreateDirectory(_dir.File("root")).FullName;
        var outside = Directory.CreateDirectory(_dir.File("outside")).FullName;
        Secret = Path.Combine(outside, "secret.ts");
        FfmpegCli.Run("-f", "lavfi", "-i", "smptebars=size=160x120:rate=25:duration=3", "-f", "lavfi", "-i", "sine=duration=3",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-c:a", "aac", "-f", "mpegts", "file:" + Secret);
        // A part as the worker's own video tasks write them: Matroska, video only.
        Part = Path.Combine(Root, "video-0000.mkv");
        FfmpegCli.Run("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=2", "-c:v", "libx264", "-preset", "ultrafast",
            "-g", "25", "-f", "matroska", "file:" + Part);
    }

    public string Root { get; }
    public string Secret { get; }
    public string Part { get; }

    /// <summary>An HLS playlist of one entry, written as <paramref name="entry"/>.</summary>
    public static string Playlist(string entry) =>
        $"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:3\n#EXTINF:3.0,\n{entry}\n#EXT-X-ENDLIST\n";

    public static string Ffconcat(string entry) => $"ffconcat version 1.0\nfile '{entry}'\n";

    /// <summary>
    /// <paramref name="text"/> behind an 8 KiB ID3v2 tag: ffmpeg skips the tag before it guesses the format, so it
    /// still reads an HLS playlist, while a look at the first few KiB sees only the tag.
    /// </summary>
    public static byte[] BehindId3(string text)
    {
        byte[] header = [(byte)'I', (byte)'D', (byte)'3', 4, 0, 0, 0, 0, 0x40, 0]; // 0x40 << 7 = 8192 bytes of tag
        return [.. header, .. new byte[8192], .. Encoding.ASCII.GetBytes(text)];
    }

    public string Write(string name, string text) => Write(name, Encoding.UTF8.GetBytes(text));

    public string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(Root, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>
/// ffprobe and ffmpeg read only the files the system names: a source or a part that is a playlist or a list is refused
/// with -9 (naming what it is), and neither the file it names nor a URL it names is ever opened.
/// </summary>
public sealed class HostileSourceTests(HostileSources files) : IClassFixture<HostileSources>, IDisposable
{
    private readonly ScratchDir _out = new();
    private readonly MediaProber _prober = new();
    // The whole temp directory is the worker's root, so what stops the outside file here is ffmpeg's allow-lists, not
    // the path guard.
    private readonly FfmpegTaskExecutor _executor = new(new FfmpegRunner(), TempRoots.Guard);

    public void Dispose() => _out.Dispose();

    private static string Unique(string name) => $"{Guid.NewGuid():N}-{name}";

    /// <summary>The same outside recording, named each way a playlist or list can name it.</summary>
    public static TheoryData<string, string> Namings() => new()
    {
        { "hls absolute", "HLS playlist" },
        { "hls file:", "HLS playlist" },
        { "hls relative ../", "HLS playlist" },
        { "ffconcat absolute", "ffconcat list" },
        { "ffconcat relative ../", "ffconcat list" },
    };

    private string HostileFile(string naming, string name)
    {
        var relative = Path.GetRelativePath(files.Root, files.Secret);
        Assert.StartsWith("../", relative);
        var text = naming switch
        {
            "hls absolute" => HostileSources.Playlist(files.Secret),
            "hls file:" => HostileSources.Playlist("file:" + files.Secret),
            "hls relative ../" => HostileSources.Playlist(relative),
            "ffconcat absolute" => HostileSources.Ffconcat(files.Secret),
            "ffconcat relative ../" => HostileSources.Ffconcat(relative),
            _ => throw new ArgumentOutOfRangeException(nameof(naming)),
        };
        return files.Write(Unique(name), text);
    }

    private static TaskSpec Transcode(string source, string output) => new()
    {
        TaskId = "j-t0", JobId = "j", Index = 0, Kind = TaskKind.Transcode, SourcePath = source, OutputPath = output,
        Muxer = "matroska", Video = VideoOp.Copy, Audio = AudioOp.Copy, Duration = 3, Weight = 1,
    };

    private static void AssertRefused(Result<Domain.Media.MediaInfo> result, string named)
    {
        Assert.False(result.IsOk, "the probe read it: " + result.Value);
        Assert.Equal(ErrorCode.SourceUnusable, result.Error!.Code);
        Assert.Contains(named, result.Error.Message);
        Assert.Contains("only media containers are accepted", result.Error.Message);
    }

    [Theory]
    [MemberData(nameof(Namings))]
    public async Task The_probe_refuses_a_source_that_names_a_file_outside_and_says_what_it_is(string naming, string named)
    {
        var source = HostileFile(naming, "record.bin");

        AssertRefused(await _prober.ProbeAsync(source, CancellationToken.None), named);
    }

    [Fact]
    public async Task A_playlist_hidden_from_a_look_at_its_first_bytes_is_refused_by_ffprobes_own_allow_list()
    {
        var source = files.Write(Unique("tagged.mp3"), HostileSources.BehindId3(HostileSources.Playlist(files.Secret)));
        Assert.Null(SourceSniffer.Refusal(source)); // so ffprobe itself is what refuses it here

        AssertRefused(await _prober.ProbeAsync(source, CancellationToken.None), "HLS playlist");
    }

    [Fact]
    public async Task The_key_frame_lookup_refuses_a_playlist_instead_of_reading_what_it_names()
    {
        var source = HostileFile("hls absolute", "record.bin");

        var e = await Assert.ThrowsAsync<SourceProbeException>(() =>
            KeyframeLocator.LastAtOrBeforeAsync(source, 2, 6, CancellationToken.None));
        Assert.Contains("HLS playlist", e.Message);
        // The planner's key-frame scan beside the probe opens the source the same way.
        e = await Assert.ThrowsAsync<SourceProbeException>(() => KeyframeLocator.ScanAsync(source, CancellationToken.None));
        Assert.Contains("HLS playlist", e.Message);
    }

    [Theory]
    [MemberData(nameof(Namings))]
    public async Task A_task_whose_source_names_a_file_outside_fails_with_minus_9_and_writes_nothing(string naming, string named)
    {
        // The worker runs what the master planned; should the source have become a playlist since, ffmpeg refuses it.
        var source = HostileFile(naming, "record.bin");
        var output = Path.Combine(_out.Path, "out.mkv");

        var outcome = await _executor.RunAsync(Transcode(source, output), _ => { }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.False(outcome.Success, $"ffmpeg read the outside file through the {naming}");
        Assert.Equal(ErrorCode.SourceUnusable, outcome.Code);
        Assert.Contains(named, outcome.Error);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_out.Path));
    }

    [Theory]
    [InlineData("hls absolute")]
    [InlineData("ffconcat absolute")]
    [InlineData("hls relative ../")]
    public async Task A_join_whose_part_names_a_file_outside_fails_and_never_reads_it(string naming)
    {
        // A part comes from another worker (an HTTP worker uploads it): it may be anything. The first part is real,
        // so ffmpeg has started writing when it reaches the hostile one; the join must fail, not end early with success.
        var hostile = HostileFile(naming, "video-0001.mkv");
        var output = Path.Combine(_out.Path, "joined.mkv");
        var join = new TaskSpec
        {
            TaskId = "j-t2", JobId = "j", Index = 2, Kind = TaskKind.Join, SourcePath = files.Part,
            VideoParts = [files.Part, hostile], OutputPath = output, Muxer = "matroska",
            Video = VideoOp.Copy, Audio = AudioOp.Drop, Duration = 5, Weight = 1,
        };

        var outcome = await _executor.RunAsync(join, _ => { }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.False(outcome.Success, $"the join succeeded: {(File.Exists(output) ? MediaCheck.FormatSeconds(output) + " s" : "no output")}");
        Assert.Equal(ErrorCode.SourceUnusable, outcome.Code);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_out.Path));
    }

    [Fact]
    public async Task No_url_a_playlist_or_list_names_is_ever_contacted()
    {
        using var listener = new LoopbackRecorder();
        var playlist = files.Write(Unique("remote.m3u8"), HostileSources.Playlist(listener.Url("secret.ts")));
        var hidden = files.Write(Unique("remote.mp3"), HostileSources.BehindId3(HostileSources.Playlist(listener.Url("hidden.ts"))));
        var list = files.Write(Unique("remote.ffconcat"), HostileSources.Ffconcat(listener.Url("list.ts")));

        foreach (var source in new[] { playlist, hidden, list })
            Assert.Equal(ErrorCode.SourceUnusable, (await _prober.ProbeAsync(source, CancellationToken.None)).Error?.Code);
        await Assert.ThrowsAsync<SourceProbeException>(() => KeyframeLocator.LastAtOrBeforeAsync(playlist, 2, 6, CancellationToken.None));
        foreach (var source in new[] { playlist, hidden, list })
            await Assert.ThrowsAsync<SourceProbeException>(() => KeyframeLocator.ScanAsync(source, CancellationToken.None));
        foreach (var source in new[] { playlist, hidden })
        {
            var outcome = await _executor.RunAsync(Transcode(source, Path.Combine(_out.Path, "remote.mkv")), _ => { }, CancellationToken.None)
                .WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(ErrorCode.SourceUnusable, outcome.Code);
        }
        var join = new TaskSpec
        {
            TaskId = "j-t2", JobId = "j", Index = 2, Kind = TaskKind.Join, SourcePath = files.Part,
            VideoParts = [files.Part, playlist], OutputPath = Path.Combine(_out.Path, "joined.mkv"), Muxer = "matroska",
            Video = VideoOp.Copy, Audio = AudioOp.Drop, Duration = 5, Weight = 1,
        };
        Assert.False((await _executor.RunAsync(join, _ => { }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60))).Success);

        // Every process has ended, so a connection it made would have been accepted and counted by now.
        Assert.Equal(0, listener.Connections);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_out.Path));
    }

    [Fact]
    public async Task The_join_of_real_parts_still_works()
    {
        var output = Path.Combine(_out.Path, "joined.mkv");
        var join = new TaskSpec
        {
            TaskId = "j-t2", JobId = "j", Index = 2, Kind = TaskKind.Join, SourcePath = files.Part,
            VideoParts = [files.Part, files.Part], OutputPath = output, Muxer = "matroska",
            Video = VideoOp.Copy, Audio = AudioOp.Drop, Duration = 4, Weight = 1,
        };

        var outcome = await _executor.RunAsync(join, _ => { }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(outcome.Success, outcome.Error);
        Assert.Equal(100, MediaCheck.VideoFrames(output));
    }

    [Fact]
    public async Task A_probe_that_takes_longer_than_its_timeout_is_stopped_and_answered_minus_9()
    {
        // 1 ms is less than ffprobe needs to start, let alone to read a file.
        var result = await new MediaProber(TimeSpan.FromMilliseconds(1)).ProbeAsync(files.Part, CancellationToken.None);

        Assert.Equal(ErrorCode.SourceUnusable, result.Error?.Code);
        Assert.Contains("did not finish within 0.001 s", result.Error!.Message);
        Assert.Contains("Transcode:Media:ProbeTimeoutSeconds", result.Error.Message);
        var e = await Assert.ThrowsAsync<SourceProbeException>(() =>
            KeyframeLocator.LastAtOrBeforeAsync(files.Part, 1, 6, CancellationToken.None, TimeSpan.FromMilliseconds(1)));
        Assert.Contains("did not finish within", e.Message);
    }
}

/// <summary>The allow-list is wide enough for the real world: every common container and stream still probes.</summary>
public sealed class AcceptedContainerTests : IDisposable
{
    private readonly ScratchDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("mp4", "mov", "-c:v libx264 -c:a aac")]
    [InlineData("mov", "mov", "-c:v libx264 -c:a aac")]
    [InlineData("ipod", "mov", "-vn -c:a aac")]
    [InlineData("matroska", "matroska", "-c:v libx264 -c:a aac")]
    [InlineData("webm", "matroska", "-c:v libvpx-vp9 -deadline realtime -c:a libopus")]
    [InlineData("mpegts", "mpegts", "-c:v libx264 -c:a aac")]
    [InlineData("mpeg", "mpeg", "-c:v mpeg2video -c:a mp2")]
    [InlineData("flv", "flv", "-c:v libx264 -c:a aac")]
    [InlineData("avi", "avi", "-c:v mpeg4 -c:a mp3")]
    [InlineData("asf", "asf", "-c:v wmv2 -c:a wmav2")]
    [InlineData("mxf", "mxf", "-c:v mpeg2video -r 25 -c:a pcm_s16le")]
    [InlineData("ogg", "ogg", "-c:v libtheora -c:a libvorbis")]
    [InlineData("nut", "nut", "-c:v libx264 -c:a aac")]
    [InlineData("wav", "wav", "-vn -c:a pcm_s16le")]
    [InlineData("flac", "flac", "-vn -c:a flac")]
    [InlineData("mp3", "mp3", "-vn -c:a libmp3lame")]
    [InlineData("adts", "aac", "-vn -c:a aac")]
    [InlineData("h264", "h264", "-an -c:v libx264")]
    [InlineData("hevc", "hevc", "-an -c:v libx265 -x265-params log-level=error")]
    public async Task A_common_container_still_probes(string muxer, string demuxer, string codecs)
    {
        var path = _dir.File("source-" + muxer);
        FfmpegCli.Run(["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=1", "-f", "lavfi", "-i", "sine=sample_rate=48000:duration=1",
            "-pix_fmt", "yuv420p", .. codecs.Split(' '), "-f", muxer, "file:" + path]);

        var result = await new MediaProber().ProbeAsync(path, CancellationToken.None);

        if (muxer is "h264" or "hevc")
        {
            // An elementary stream has no duration of its own, so it was never a usable source; what matters here
            // is that ffprobe was allowed to read it.
            Assert.Equal("source '" + Path.GetFileName(path) + "': zero duration", result.Error?.Message);
            return;
        }
        Assert.True(result.IsOk, result.Error?.Message);
        Assert.Contains(demuxer, result.Value!.FormatName.Split(','));
    }
}
