using System.Text;

namespace Akka.Transcode.Media.Tests.Support;

/// <summary>Writes remap lookup tables the way a stitching tool would: binary PGM, 16-bit samples big-endian.</summary>
public static class PgmTables
{
    /// <param name="sample">The value at output pixel (x, y): a source column for an xmap, a source row for a ymap.</param>
    /// <param name="maxval">Over 255 for 16-bit samples (two bytes each), 255 or less for 8-bit ones.</param>
    public static void Write(string path, int width, int height, Func<int, int, int> sample, int maxval = 65535)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var wide = maxval > 255;
        using var file = File.Create(path);
        file.Write(Encoding.ASCII.GetBytes($"P5\n{width} {height}\n{maxval}\n"));
        var row = new byte[width * (wide ? 2 : 1)];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var v = sample(x, y);
                if (v < 0 || v > maxval) throw new ArgumentOutOfRangeException(nameof(sample), $"{v} at ({x},{y}) is outside 0..{maxval}");
                if (wide) (row[2 * x], row[2 * x + 1]) = ((byte)(v >> 8), (byte)v);
                else row[x] = (byte)v;
            }
            file.Write(row);
        }
    }
}
