namespace Akka.Transcode.Domain.Maps;

/// <summary>
/// The header of a binary (P5) PGM image, as netpbm defines it: "P5", width, height and maxval as decimal numbers
/// separated by whitespace (comments from '#' to the end of the line count as whitespace), then exactly one
/// whitespace byte and the raster: width × height samples of one byte, or two bytes big-endian when maxval is over
/// 255. Only the header is read; the raster is checked by its length.
/// </summary>
/// <param name="DataOffset">Where the raster starts: the header's length in bytes.</param>
public sealed record PgmHeader(int Width, int Height, int MaxValue, int DataOffset)
{
    /// <summary>A header longer than this is refused: real ones are a dozen bytes plus perhaps a comment.</summary>
    public const int MaxHeaderBytes = 4096;

    // Nine digits cannot overflow an int, and no sensible PGM has a dimension near a billion.
    private const int MaxDigits = 9;

    public int BytesPerSample => MaxValue > 255 ? 2 : 1;

    public long DataLength => (long)Width * Height * BytesPerSample;

    /// <summary>The length of a file holding exactly this one image.</summary>
    public long FileLength => DataOffset + DataLength;

    /// <summary>
    /// Reads the header from the first bytes of a file (up to <see cref="MaxHeaderBytes"/>, fewer for a short
    /// file). Fails with -4 and a message naming what is wrong.
    /// </summary>
    public static Result<PgmHeader> Parse(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 2 && head[0] == 'P' && head[1] is (byte)'2')
            return Fail("a plain-text (P2) PGM; the tables must be binary (P5)");
        if (head.Length < 2 || head[0] != 'P' || head[1] != '5')
            return Fail("not a binary PGM file (it does not start with \"P5\")");

        var pos = 2;
        var numbers = new int[3];
        string[] names = ["width", "height", "maxval"];
        for (var i = 0; i < 3; i++)
        {
            // Every number follows whitespace: "P510 10" is not a header.
            if (pos >= head.Length) return Incomplete();
            if (!IsSpace(head[pos]) && head[pos] != '#')
                return Fail($"unexpected byte 0x{head[pos]:x2} before the {names[i]}");
            if (!SkipSpaceAndComments(head, ref pos)) return Incomplete();
            var start = pos;
            long value = 0;
            while (pos < head.Length && head[pos] is >= (byte)'0' and <= (byte)'9')
            {
                if (pos - start >= MaxDigits) return Fail($"the {names[i]} is too large");
                value = value * 10 + (head[pos] - '0');
                pos++;
            }
            if (pos == start)
                return Fail($"the {names[i]} is not a decimal number");
            if (pos >= head.Length) return Incomplete();
            numbers[i] = (int)value;
        }
        // Exactly one whitespace byte ends the header: the raster may begin with a byte that looks like whitespace.
        if (!IsSpace(head[pos]))
            return Fail($"unexpected byte 0x{head[pos]:x2} after the maxval");
        var (width, height, maxValue) = (numbers[0], numbers[1], numbers[2]);
        if (width == 0 || height == 0) return Fail($"the image is empty ({width}x{height})");
        if (maxValue is 0 or > 65535) return Fail($"maxval {maxValue} is outside 1..65535");
        return Result<PgmHeader>.Ok(new PgmHeader(width, height, maxValue, pos + 1));
    }

    /// <summary>Skips whitespace and '#' comments; false when the bytes end first.</summary>
    private static bool SkipSpaceAndComments(ReadOnlySpan<byte> head, ref int pos)
    {
        while (pos < head.Length)
        {
            if (IsSpace(head[pos])) pos++;
            else if (head[pos] == '#')
            {
                while (pos < head.Length && head[pos] is not ((byte)'\n' or (byte)'\r')) pos++;
            }
            else return true;
        }
        return false;
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0b or 0x0c;

    private static Result<PgmHeader> Incomplete() =>
        Fail($"the PGM header is incomplete (or longer than {MaxHeaderBytes} bytes)");

    private static Result<PgmHeader> Fail(string message) => Result<PgmHeader>.Fail(ErrorCode.InvalidValue, message);
}
