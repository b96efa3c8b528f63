using System.Globalization;
using System.Text;

namespace Akka.Transcode.Domain.Outputs.Manifests;

/// <summary>
/// The WebVTT index of a sprite sheet, the form players use for scrubbing previews: one cue per still, from its time
/// to the next still's (the last to the end of the output), whose text is the sheet with the still's tile as a media
/// fragment (sprite.jpg#xywh=x,y,w,h). Tiles run left to right, <c>columns</c> to a row, as the sprite task tiles them.
/// </summary>
public static class SpriteVtt
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Write(int count, double intervalSeconds, double durationSeconds, int columns, int tileWidth,
        int tileHeight, string spriteFile)
    {
        var sb = new StringBuilder("WEBVTT\n");
        for (var k = 0; k < count; k++)
        {
            var start = k * intervalSeconds;
            var end = Math.Min((k + 1) * intervalSeconds, durationSeconds);
            // A still at or past the stated end (a duration rounded down) still gets a cue a player can show.
            if (end <= start) end = (k + 1) * intervalSeconds;
            var x = k % columns * tileWidth;
            var y = k / columns * tileHeight;
            sb.Append('\n').Append(Timestamp(start)).Append(" --> ").Append(Timestamp(end)).Append('\n');
            sb.Append(spriteFile).Append("#xywh=").Append(x.ToString(Inv)).Append(',').Append(y.ToString(Inv)).Append(',')
                .Append(tileWidth.ToString(Inv)).Append(',').Append(tileHeight.ToString(Inv)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>hh:mm:ss.ttt, hours not wrapped.</summary>
    public static string Timestamp(double seconds)
    {
        var ms = (long)Math.Round(seconds * 1000, MidpointRounding.AwayFromZero);
        return $"{(ms / 3_600_000).ToString("00", Inv)}:{(ms / 60_000 % 60).ToString("00", Inv)}:{(ms / 1000 % 60).ToString("00", Inv)}.{(ms % 1000).ToString("000", Inv)}";
    }
}
