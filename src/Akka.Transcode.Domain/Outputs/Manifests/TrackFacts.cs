namespace Akka.Transcode.Domain.Outputs.Manifests;

/// <summary>One media segment as measured in its fragmented MP4: start and length in the track's timescale, size in bytes.</summary>
public sealed record SegmentFacts(long Start, long Duration, long Bytes);

public enum TrackKind { Video, Audio }

/// <summary>
/// What the manifests say about one rendition, all of it measured from the packaged file (the plan's figures are
/// targets; a player chooses by what the segments really hold).
/// </summary>
/// <param name="Uri">The rendition's folder relative to the ladder's folder, '/'-separated ("720p").</param>
/// <param name="Codec">RFC 6381 codec string: avc1.64001f, mp4a.40.2.</param>
/// <param name="AudioGroup">Video: the audio rendition it plays with, or null. Audio: its own group id.</param>
public sealed record TrackFacts(string Name, string Uri, TrackKind Kind, string Codec, long Timescale, int Width,
    int Height, double FrameRate, int Channels, int SampleRate, string? AudioGroup, IReadOnlyList<SegmentFacts> Segments)
{
    public long TotalDuration => Segments.Count == 0 ? 0 : Segments[^1].Start + Segments[^1].Duration - Segments[0].Start;

    public double DurationSeconds => (double)TotalDuration / Timescale;

    /// <summary>The highest bit rate of any one segment: what HLS calls BANDWIDTH and DASH a Representation's
    /// bandwidth, the rate a player must sustain to never stall on this rendition.</summary>
    public long PeakBitrate => Segments.Where(s => s.Duration > 0)
        .Select(s => (long)Math.Ceiling(s.Bytes * 8.0 * Timescale / s.Duration)).DefaultIfEmpty(0).Max();

    public long AverageBitrate => TotalDuration <= 0 ? 0
        : (long)Math.Ceiling(Segments.Sum(s => s.Bytes) * 8.0 * Timescale / TotalDuration);

    /// <summary>The longest segment in whole seconds, rounded up (HLS's TARGETDURATION), counted in ticks so a
    /// segment of exactly 4 s never becomes 5 through floating point.</summary>
    public long TargetDurationSeconds => Segments.Count == 0 ? 0
        : (Segments.Max(s => s.Duration) + Timescale - 1) / Timescale;
}
