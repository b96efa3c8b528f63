using Akka.Transcode.Domain.Media;

namespace Akka.Transcode.Domain.Planning;

/// <summary>
/// Where the source's video frames sit: frame k at <c>Offset + k / Fps</c> seconds after the container's start
/// (which is at the timestamp <see cref="ContainerStart"/>), <see cref="Count"/> frames in all. Cuts and chunks are whole frames of this grid, so chunks joined together hold
/// every frame of their range exactly once.
/// </summary>
public sealed record FrameGrid(double Fps, double Offset, int Count, double ContainerStart = 0)
{
    private const double Epsilon = 1e-6;

    /// <summary>Frame-exact cutting needs a constant, plausible rate; without one, cuts fall back to times.</summary>
    public static FrameGrid? For(MediaInfo media)
    {
        if (media.Video is not { FrameRate: > 1 and < 500 } v) return null;
        var seconds = v.Duration is > 0 ? v.Duration.Value : media.Duration - v.StartOffset;
        var count = (int)Math.Round(seconds * v.FrameRate);
        return count > 0 ? new FrameGrid(v.FrameRate, v.StartOffset, count, media.StartTime) : null;
    }

    public double TimeOf(int frame) => Offset + frame / Fps;

    /// <summary>The first frame at or after <paramref name="t"/>, clamped to the grid (Count when past the end).</summary>
    public int FirstFrameAt(double t) => Math.Clamp((int)Math.Ceiling((t - Offset) * Fps - Epsilon), 0, Count);
}
