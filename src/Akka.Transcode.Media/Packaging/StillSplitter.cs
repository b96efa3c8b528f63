using Akka.Transcode.Domain;

namespace Akka.Transcode.Media.Packaging;

/// <summary>
/// Finds the images in a thumbnails task's output, where ffmpeg wrote the stills back to back (image2pipe). JPEG is
/// walked marker by marker, and its entropy-coded data up to an EOI that is not byte-stuffed (a 0xFFD9 inside a
/// segment's length is just data); WebP goes by its RIFF size. Bytes that are not an image are an error, never
/// skipped over: the count of stills must be what the plan asked for.
/// </summary>
public static class StillSplitter
{
    public static Result<IReadOnlyList<(long Offset, long Length)>> Find(string path, string format)
    {
        try
        {
            using var file = PackageFiles.OpenSource(path, FileOptions.SequentialScan);
            var cursor = new ByteCursor(file);
            IReadOnlyList<(long, long)> images = format switch
            {
                "jpeg" => Jpeg(cursor),
                "webp" => WebP(cursor),
                _ => throw new PackagingFormatException($"'{format}' is not a still format (jpeg, webp)"),
            };
            return Result<IReadOnlyList<(long, long)>>.Ok(images);
        }
        catch (PackagingFormatException ex)
        {
            return Result<IReadOnlyList<(long, long)>>.Fail(ErrorCode.Internal, $"{path} is not the {format} stills its task should have written: {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Result<IReadOnlyList<(long, long)>>.Fail(ErrorCode.Internal, $"{path} could not be read: {ex.Message}");
        }
    }

    private static List<(long, long)> Jpeg(ByteCursor c)
    {
        var images = new List<(long, long)>();
        while (!c.AtEnd)
        {
            var start = c.Position;
            if (c.Next("an image") != 0xFF || c.Next("an image") != 0xD8)
                throw new PackagingFormatException($"no JPEG start (FFD8) at offset {start}");
            int? pending = null;
            while (true)
            {
                int marker;
                if (pending is { } p) { marker = p; pending = null; }
                else
                {
                    if (c.Next("a JPEG") != 0xFF) throw new PackagingFormatException($"no JPEG marker at offset {c.Position - 1}");
                    marker = FillSkipped(c, c.Next("a JPEG marker"));
                }
                if (marker == 0xD9) break;
                if (marker is >= 0xD0 and <= 0xD7 or 0x01) continue;
                if (marker is 0xD8 or 0x00) throw new PackagingFormatException($"marker FF{marker:X2} at offset {c.Position - 2} is out of place");
                var length = c.Next("a segment length") << 8 | c.Next("a segment length");
                if (length < 2) throw new PackagingFormatException($"segment FF{marker:X2} at offset {c.Position - 4} has length {length}");
                c.Skip(length - 2, $"segment FF{marker:X2}");
                if (marker == 0xDA) pending = EntropyData(c);
            }
            images.Add((start, c.Position - start));
        }
        return images;
    }

    /// <summary>Reads scan data up to the next real marker and returns it: FF00 is a stuffed data byte and FFD0-FFD7
    /// restart markers belong to the scan.</summary>
    private static int EntropyData(ByteCursor c)
    {
        while (true)
        {
            if (c.Next("JPEG scan data") != 0xFF) continue;
            var next = FillSkipped(c, c.Next("JPEG scan data"));
            if (next == 0x00 || next is >= 0xD0 and <= 0xD7) continue;
            return next;
        }
    }

    // Any number of 0xFF may pad before a marker.
    private static int FillSkipped(ByteCursor c, int marker)
    {
        while (marker == 0xFF) marker = c.Next("a JPEG marker");
        return marker;
    }

    private static List<(long, long)> WebP(ByteCursor c)
    {
        var images = new List<(long, long)>();
        while (!c.AtEnd)
        {
            var start = c.Position;
            if (c.UInt32LittleEndian("a RIFF header") != 0x46464952) // "RIFF"
                throw new PackagingFormatException($"no RIFF header at offset {start}");
            var size = c.UInt32LittleEndian("a RIFF header");
            if (c.UInt32LittleEndian("a RIFF header") != 0x50424557) // "WEBP"
                throw new PackagingFormatException($"the RIFF file at offset {start} is not WebP");
            if (size < 4) throw new PackagingFormatException($"the WebP image at offset {start} claims {size} bytes");
            // RIFF pads an odd payload to even.
            c.Skip(size - 4 + (size & 1), "a WebP image");
            images.Add((start, c.Position - start));
        }
        return images;
    }
}
