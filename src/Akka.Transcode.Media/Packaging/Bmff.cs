using System.Buffers.Binary;
using System.Text;

namespace Akka.Transcode.Media.Packaging;

/// <summary>A box: its four-character type, where it starts (in the file or in its parent) and its total size.</summary>
internal readonly record struct Box(string Type, long Offset, long Size, int HeaderSize)
{
    public long PayloadOffset => Offset + HeaderSize;
    public long PayloadSize => Size - HeaderSize;
}

/// <summary>
/// The box layer of ISO/IEC 14496-12, for files a worker wrote and so treated as hostile: every size is checked
/// against what holds it (a box running past its parent, a size of zero or smaller than its header is an error,
/// never a loop or a read past the end), and only the boxes the packager needs are descended into.
/// </summary>
internal static class Bmff
{
    /// <summary>The top-level boxes of a file, read header by header (media data is never loaded).</summary>
    public static List<Box> TopLevel(Stream file)
    {
        var boxes = new List<Box>();
        var length = file.Length;
        var header = new byte[16];
        long pos = 0;
        while (pos < length)
        {
            if (length - pos < 8) throw new PackagingFormatException($"{length - pos} bytes at offset {pos} are too few for a box header");
            file.Position = pos;
            file.ReadExactly(header, 0, 8);
            var size = (long)BinaryPrimitives.ReadUInt32BigEndian(header);
            var type = FourCc(header.AsSpan(4, 4));
            var headerSize = 8;
            if (size == 1)
            {
                if (length - pos < 16) throw new PackagingFormatException($"box '{type}' at offset {pos} is cut off in its header");
                file.ReadExactly(header, 8, 8);
                var large = BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(8));
                if (large > long.MaxValue) throw new PackagingFormatException($"box '{type}' at offset {pos} claims {large} bytes");
                size = (long)large;
                headerSize = 16;
            }
            boxes.Add(Checked(type, pos, size, headerSize, length - pos, "the file"));
            pos += size;
        }
        return boxes;
    }

    /// <summary>The child boxes of a payload held in memory (moov, moof and what is inside them).</summary>
    public static List<Box> Children(ReadOnlySpan<byte> payload, string parent)
    {
        var boxes = new List<Box>();
        var pos = 0;
        while (pos < payload.Length)
        {
            var rest = payload[pos..];
            if (rest.Length < 8) throw new PackagingFormatException($"{rest.Length} bytes at the end of '{parent}' are too few for a box header");
            var size = (long)BinaryPrimitives.ReadUInt32BigEndian(rest);
            var type = FourCc(rest.Slice(4, 4));
            var headerSize = 8;
            if (size == 1)
            {
                if (rest.Length < 16) throw new PackagingFormatException($"box '{type}' in '{parent}' is cut off in its header");
                var large = BinaryPrimitives.ReadUInt64BigEndian(rest[8..]);
                size = large > int.MaxValue ? long.MaxValue : (long)large;
                headerSize = 16;
            }
            boxes.Add(Checked(type, pos, size, headerSize, rest.Length, $"'{parent}'"));
            pos += (int)size;
        }
        return boxes;
    }

    public static ReadOnlySpan<byte> Payload(ReadOnlySpan<byte> parent, Box box) =>
        parent.Slice((int)box.PayloadOffset, (int)box.PayloadSize);

    /// <summary>The only child of that type; an error when it is missing or repeated.</summary>
    public static Box Single(List<Box> boxes, string type, string parent)
    {
        Box? found = null;
        foreach (var b in boxes)
        {
            if (b.Type != type) continue;
            if (found is not null) throw new PackagingFormatException($"'{parent}' holds more than one '{type}'");
            found = b;
        }
        return found ?? throw new PackagingFormatException($"'{parent}' has no '{type}'");
    }

    public static Box? Optional(List<Box> boxes, string type)
    {
        foreach (var b in boxes)
            if (b.Type == type) return b;
        return null;
    }

    public static uint U32(ReadOnlySpan<byte> data, int offset, string what) =>
        offset >= 0 && offset + 4 <= data.Length ? BinaryPrimitives.ReadUInt32BigEndian(data[offset..])
            : throw new PackagingFormatException($"{what} is cut off");

    public static ulong U64(ReadOnlySpan<byte> data, int offset, string what) =>
        offset >= 0 && offset + 8 <= data.Length ? BinaryPrimitives.ReadUInt64BigEndian(data[offset..])
            : throw new PackagingFormatException($"{what} is cut off");

    public static ushort U16(ReadOnlySpan<byte> data, int offset, string what) =>
        offset >= 0 && offset + 2 <= data.Length ? BinaryPrimitives.ReadUInt16BigEndian(data[offset..])
            : throw new PackagingFormatException($"{what} is cut off");

    public static byte U8(ReadOnlySpan<byte> data, int offset, string what) =>
        offset >= 0 && offset < data.Length ? data[offset] : throw new PackagingFormatException($"{what} is cut off");

    private static Box Checked(string type, long offset, long size, int headerSize, long room, string parent)
    {
        if (size == 0) throw new PackagingFormatException($"box '{type}' at offset {offset} in {parent} has size 0 (to the end), which is not accepted here");
        if (size < headerSize) throw new PackagingFormatException($"box '{type}' at offset {offset} in {parent} has size {size}, smaller than its header");
        if (size > room) throw new PackagingFormatException($"box '{type}' at offset {offset} in {parent} has size {size}, past the end ({room} bytes left)");
        return new Box(type, offset, size, headerSize);
    }

    // Latin-1 keeps every byte one char, so a nonsense type prints as itself instead of failing to decode.
    private static string FourCc(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);
}
