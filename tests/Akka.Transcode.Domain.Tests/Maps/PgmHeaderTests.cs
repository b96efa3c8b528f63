using System.Text;
using Akka.Transcode.Domain.Maps;

namespace Akka.Transcode.Domain.Tests.Maps;

public class PgmHeaderTests
{
    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    private static PgmHeader Parsed(byte[] bytes)
    {
        var r = PgmHeader.Parse(bytes);
        Assert.True(r.IsOk, r.Error?.Message);
        return r.Value!;
    }

    [Theory]
    [InlineData("P5\n320 160\n65535\n", 320, 160, 65535)]
    [InlineData("P5 640 320 65535 ", 640, 320, 65535)]
    [InlineData("P5\r\n16\t16\r\n256\r", 16, 16, 256)]
    [InlineData("P5\n# made by a test\n320 # width\n# height next\n160\n65535\n", 320, 160, 65535)]
    [InlineData("P5#comment right after the magic\n2 2 255\n", 2, 2, 255)]
    [InlineData("P5\n0007 0009\n00255\n", 7, 9, 255)]
    public void The_header_gives_size_maxval_and_where_the_raster_starts(string header, int w, int h, int maxval)
    {
        var raster = new byte[] { 1, 2, 3 };

        var parsed = Parsed([.. Ascii(header), .. raster]);

        Assert.Equal(new PgmHeader(w, h, maxval, header.Length), parsed);
    }

    [Fact]
    public void A_raster_that_starts_with_whitespace_bytes_is_not_taken_for_header()
    {
        // After maxval exactly one whitespace byte ends the header: a 16-bit sample 0x0a20 is data.
        var header = Ascii("P5\n2 1\n65535\n");

        var parsed = Parsed([.. header, 0x0a, 0x20, 0x20, 0x0a]);

        Assert.Equal(header.Length, parsed.DataOffset);
    }

    [Theory]
    [InlineData(320, 160, 65535, 2)]
    [InlineData(320, 160, 256, 2)]
    [InlineData(320, 160, 255, 1)]
    [InlineData(7, 3, 1, 1)]
    public void Samples_over_255_take_two_bytes(int w, int h, int maxval, int bytesPerSample)
    {
        var header = $"P5\n{w} {h}\n{maxval}\n";

        var parsed = Parsed(Ascii(header));

        Assert.Equal(bytesPerSample, parsed.BytesPerSample);
        Assert.Equal((long)w * h * bytesPerSample, parsed.DataLength);
        Assert.Equal(header.Length + (long)w * h * bytesPerSample, parsed.FileLength);
    }

    [Theory]
    [InlineData("", "not a binary PGM file")]
    [InlineData("P", "not a binary PGM file")]
    [InlineData("P6\n320 160\n255\n", "not a binary PGM file")]
    [InlineData("P2\n320 160\n65535\n", "plain-text (P2) PGM")]
    [InlineData("\uFEFFP5\n320 160\n65535\n", "not a binary PGM file")]
    [InlineData("{\"kind\":\"remap\"}", "not a binary PGM file")]
    [InlineData("P510 10\n255\n", "unexpected byte 0x31 before the width")]
    [InlineData("P5\n320x160\n65535\n", "unexpected byte 0x78 before the height")]
    [InlineData("P5\n320 160\n65535x", "unexpected byte 0x78 after the maxval")]
    [InlineData("P5\n-320 160\n65535\n", "the width is not a decimal number")]
    [InlineData("P5\n320 +160\n65535\n", "the height is not a decimal number")]
    [InlineData("P5\n320 160\n\n", "incomplete")]
    [InlineData("P5\n320 160\n65535", "incomplete")]
    [InlineData("P5\n320 160", "incomplete")]
    [InlineData("P5\n# only a comment", "incomplete")]
    [InlineData("P5\n0 160\n65535\n", "the image is empty (0x160)")]
    [InlineData("P5\n320 0\n65535\n", "the image is empty (320x0)")]
    [InlineData("P5\n320 160\n0\n", "maxval 0 is outside 1..65535")]
    [InlineData("P5\n320 160\n65536\n", "maxval 65536 is outside 1..65535")]
    [InlineData("P5\n3200000000 160\n65535\n", "the width is too large")]
    public void Bad_headers_are_refused_naming_the_problem(string text, string message)
    {
        var r = PgmHeader.Parse(Encoding.UTF8.GetBytes(text));

        Assert.False(r.IsOk, $"accepted {text}");
        Assert.Equal(ErrorCode.InvalidValue, r.Error!.Code);
        Assert.Contains(message, r.Error.Message);
    }

    [Fact]
    public void A_header_that_does_not_end_within_the_bytes_read_is_refused()
    {
        // The loader reads at most MaxHeaderBytes: an endless comment must not be read on and on.
        var bytes = Ascii("P5\n#" + new string('x', PgmHeader.MaxHeaderBytes) + "\n320 160\n65535\n")[..PgmHeader.MaxHeaderBytes];

        var r = PgmHeader.Parse(bytes);

        Assert.False(r.IsOk);
        Assert.Contains("incomplete", r.Error!.Message);
    }
}
