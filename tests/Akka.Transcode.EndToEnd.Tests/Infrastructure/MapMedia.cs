using System.Globalization;
using System.Text;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure;

/// <summary>Inputs of stitching-map jobs, made by the tests themselves.</summary>
public static class MapMedia
{
    /// <summary>The recording of a 360° camera: two fisheye images side by side, with sound.</summary>
    public static async Task MakeDualFisheyeAsync(string path, int width, int height, double seconds)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        var d = seconds.ToString(CultureInfo.InvariantCulture);
        await Proc.RunCheckedAsync("ffmpeg",
        [
            "-nostdin", "-v", "error", "-y",
            "-f", "lavfi", "-i", $"testsrc2=size={width}x{height}:rate=30:duration={d}",
            "-f", "lavfi", "-i", $"sine=frequency=440:sample_rate=48000:duration={d}",
            "-vf", "v360=input=e:output=dfisheye",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "30",
            "-c:a", "aac", "-ac", "2", "-shortest", "-f", "mpegts", temp,
        ]);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>A binary PGM lookup table, big-endian 16-bit samples unless <paramref name="maxval"/> is 255 or less.</summary>
    public static void WriteTable(string path, int w, int h, Func<int, int, int> sample, int maxval = 65535)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = File.Create(path);
        file.Write(Encoding.ASCII.GetBytes($"P5\n{w} {h}\n{maxval}\n"));
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                var v = sample(x, y);
                if (maxval > 255) file.Write([(byte)(v >> 8), (byte)v]);
                else file.WriteByte((byte)v);
            }
    }

    public static async Task<(int Width, int Height)> VideoSizeAsync(string path)
    {
        var video = (await MediaAssert.ProbeAsync(path)).GetProperty("streams").EnumerateArray()
            .First(s => s.GetProperty("codec_type").GetString() == "video");
        return (video.GetProperty("width").GetInt32(), video.GetProperty("height").GetInt32());
    }
}
