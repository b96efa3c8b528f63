using System.Buffers.Binary;
using System.Text;
using Akka.Transcode.Media.Packaging;
using Akka.Transcode.Media.Tests.Support;

namespace Akka.Transcode.Media.Tests.Packaging;

/// <summary>
/// The fMP4 reader on what a hostile or broken worker could upload: every malformed file is a failure that says what
/// is wrong, never an exception escaping, a read past the end or a loop; and a real ffmpeg file reads as it is.
/// </summary>
public sealed class Fmp4ReaderTests(PackagingSources sources) : IClassFixture<PackagingSources>, IDisposable
{
    private readonly ScratchDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static byte[] Box(string type, params byte[][] payload)
    {
        var body = payload.SelectMany(p => p).ToArray();
        var bytes = new byte[8 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)bytes.Length);
        Encoding.Latin1.GetBytes(type).CopyTo(bytes, 4);
        body.CopyTo(bytes, 8);
        return bytes;
    }

    private static byte[] WithSize(byte[] box, uint size)
    {
        var copy = box.ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(copy, size);
        return copy;
    }

    private static readonly byte[] Ftyp = Box("ftyp", Encoding.Latin1.GetBytes("iso6\0\0\0\0iso6mp41"));

    public static TheoryData<string, byte[], string> Malformed => new()
    {
        { "empty", [], "no fragment" },
        { "a few bytes", [0, 0, 0], "too few for a box header" },
        { "a box past the end", WithSize(Ftyp, 4096), "past the end" },
        { "a box of size zero", WithSize(Ftyp, 0), "size 0" },
        { "a box smaller than its header", WithSize(Ftyp, 4), "smaller than its header" },
        { "a 64-bit size past the end", [0, 0, 0, 1, .. "mdat"u8, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "past the end" },
        { "a 64-bit size beyond any file", [0, 0, 0, 1, .. "mdat"u8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "claims" },
        { "text", "These are meeting notes, not a video.\n"u8.ToArray(), "past the end" },
        { "a child past its parent", [.. Ftyp, .. Box("moov", WithSize(Box("trak"), 64)), .. Box("moof"), .. Box("mdat")], "past the end" },
        { "a child of size zero in a loop's place", [.. Ftyp, .. Box("moov", WithSize(Box("trak"), 0)), .. Box("moof"), .. Box("mdat")], "size 0" },
        { "no track", [.. Ftyp, .. Box("moov", Box("mvhd", new byte[100])), .. Box("moof"), .. Box("mdat")], "0 tracks" },
        { "two tracks", [.. Ftyp, .. Box("moov", Box("trak"), Box("trak")), .. Box("moof"), .. Box("mdat")], "2 tracks" },
        { "media before any fragment", [.. Ftyp, .. Box("mdat", new byte[16]), .. Box("moov"), .. Box("moof")], "media data comes before the first fragment" },
        { "no moov", [.. Ftyp, .. Box("moof"), .. Box("mdat")], "has no 'moov'" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_file_is_a_failure_that_names_the_problem(string what, byte[] bytes, string expected)
    {
        var path = _dir.File(what + ".mp4");
        File.WriteAllBytes(path, bytes);

        var result = Fmp4Reader.Read(path);

        Assert.False(result.IsOk, what);
        Assert.Contains(expected, result.Error!.Message);
        Assert.Contains(path, result.Error.Message);
    }

    [Fact]
    public void A_real_rendition_reads_as_one_track_with_a_fragment_per_segment()
    {
        var result = Fmp4Reader.Read(sources.Video360);

        Assert.True(result.IsOk, result.Error?.Message);
        var track = result.Value!;
        Assert.True(track.IsVideo);
        Assert.Matches("^avc1\\.64[0-9a-f]{4}$", track.Codec);
        Assert.Equal((640, 360), (track.Width, track.Height));
        Assert.Equal(5, track.Fragments.Count);
        Assert.All(track.Fragments, f => Assert.True(f.StartsWithSync));
        Assert.All(track.Fragments, f => Assert.Equal(2.0, (double)f.Duration / track.Timescale, 6));
        Assert.Equal(Enumerable.Range(0, 5).Select(k => k * 2L * track.Timescale), track.Fragments.Select(f => f.BaseDecodeTime));
        // Fragments follow one another from the end of the header, without gaps.
        Assert.Equal(track.InitLength, track.Fragments[0].Offset);
        for (var k = 1; k < 5; k++) Assert.Equal(track.Fragments[k - 1].Offset + track.Fragments[k - 1].Length, track.Fragments[k].Offset);

        var audio = Fmp4Reader.Read(sources.Audio).Value!;
        Assert.Equal(("soun", "mp4a.40.2", 2, 48000), (audio.Handler, audio.Codec, audio.Channels, audio.SampleRate));
    }

    [Fact]
    public void A_rendition_cut_off_mid_fragment_fails()
    {
        var bytes = File.ReadAllBytes(sources.Video360);
        var path = _dir.File("cut.mp4");
        File.WriteAllBytes(path, bytes[..(bytes.Length * 2 / 3)]);

        var result = Fmp4Reader.Read(path);

        Assert.False(result.IsOk);
        Assert.Contains("past the end", result.Error!.Message);
    }

    [Fact]
    public void A_fragment_without_its_media_data_fails()
    {
        var bytes = File.ReadAllBytes(sources.Video360);
        var moof = (int)Fmp4Reader.Read(sources.Video360).Value!.Fragments[0].Offset;
        var moofSize = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(moof));
        var path = _dir.File("no-mdat.mp4");
        File.WriteAllBytes(path, bytes[..(moof + moofSize)]);

        var result = Fmp4Reader.Read(path);

        Assert.False(result.IsOk);
        Assert.Contains($"the fragment at offset {moof} has no mdat", result.Error!.Message);
    }

    [Fact]
    public void A_trun_claiming_more_samples_than_it_holds_fails()
    {
        var bytes = File.ReadAllBytes(sources.Video360);
        var trun = bytes.AsSpan().IndexOf("trun"u8);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(trun + 8), 0x7FFF_FFFF);
        var path = _dir.File("trun.mp4");
        File.WriteAllBytes(path, bytes);

        var result = Fmp4Reader.Read(path);

        Assert.False(result.IsOk);
        Assert.Contains("claims 2147483647 samples", result.Error!.Message);
    }

    [Fact]
    public void A_plain_mp4_is_not_taken_for_a_fragmented_one()
    {
        var path = _dir.File("plain.mp4");
        FfmpegCli.Run("-f", "lavfi", "-i", "testsrc2=size=160x90:rate=10:duration=1", "-c:v", "libx264", "-preset", "ultrafast", path);

        var result = Fmp4Reader.Read(path);

        Assert.False(result.IsOk);
        Assert.Contains("no fragment", result.Error!.Message);
    }

    [Fact]
    public void A_link_in_place_of_a_rendition_is_refused()
    {
        var path = _dir.File("link.mp4");
        File.CreateSymbolicLink(path, sources.Video360);

        var result = Fmp4Reader.Read(path);

        Assert.False(result.IsOk);
        Assert.Contains("is a link", result.Error!.Message);
    }
}
