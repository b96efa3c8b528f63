namespace Akka.Transcode.Media.Tests.Support;

/// <summary>Small sources made once with lavfi: nothing is downloaded.</summary>
public sealed class MediaSources : IDisposable
{
    private readonly ScratchDir _dir = new();

    public MediaSources()
    {
        // H.264 + AAC in MPEG-TS under a name that says nothing about it: probing must go by content.
        RecordBin = _dir.File("record.bin");
        FfmpegCli.Run("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=4", "-f", "lavfi", "-i", "sine=frequency=440:duration=4",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ar", "48000", "-ac", "2", "-shortest",
            "-f", "mpegts", RecordBin);

        AudioMp3 = _dir.File("audio.mp3");
        FfmpegCli.Run("-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "libmp3lame", "-ar", "44100", AudioMp3);

        // The same audio with a cover picture, which ffprobe lists as a video stream.
        CoverArtMp3 = _dir.File("cover.mp3");
        FfmpegCli.Run("-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-f", "lavfi", "-i", "testsrc2=size=64x64:duration=0.04",
            "-map", "0:a", "-map", "1:v", "-c:a", "libmp3lame", "-c:v", "png", "-frames:v", "1", "-disposition:v", "attached_pic",
            "-id3v2_version", "3", CoverArtMp3);

        NotMedia = _dir.File("notes.txt");
        File.WriteAllText(NotMedia, "These are meeting notes, not a video.\n");

        Empty = _dir.File("empty.mp4");
        File.WriteAllBytes(Empty, []);
    }

    public string RecordBin { get; }
    public string AudioMp3 { get; }
    public string CoverArtMp3 { get; }
    public string NotMedia { get; }
    public string Empty { get; }

    public void Dispose() => _dir.Dispose();
}

[CollectionDefinition(Name)]
public sealed class MediaSourcesCollection : ICollectionFixture<MediaSources>
{
    public const string Name = "media sources";
}
