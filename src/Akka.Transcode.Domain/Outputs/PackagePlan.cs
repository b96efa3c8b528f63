namespace Akka.Transcode.Domain.Outputs;

/// <summary>
/// What the master does with an output-group job's task outputs once every task is done and before the rename:
/// cuts each rendition's fragmented MP4 into its init segment and media segments (bytes copied, nothing re-encoded),
/// writes the playlists and the MPD, splits the still stream into files and writes the sprite's WebVTT. Every path
/// is absolute; every step writes only inside <see cref="TempDir"/> and may be repeated after a crash.
/// </summary>
public sealed record PackagePlan(string TempDir, IReadOnlyList<LadderPackage> Ladders, IReadOnlyList<StillsPackage> Stills);

/// <param name="Dir">The ladder's folder in the temp dir (master.m3u8 and manifest.mpd go here).</param>
/// <param name="SegmentSeconds">The target; the packager measures each segment's real duration.</param>
public sealed record LadderPackage(string Name, string Dir, bool Hls, bool Dash, double SegmentSeconds,
    IReadOnlyList<TrackPackage> Video, IReadOnlyList<TrackPackage> Audio);

/// <summary>One rendition: its fragmented MP4 (made by its join or audio task) and where its segments go.</summary>
/// <param name="SourceFile">The rendition's whole fMP4, one fragment per segment, in the job's work dir.</param>
/// <param name="Dir">The rendition's folder in the ladder's folder; its name is the rendition's name.</param>
/// <param name="Bitrate">Target bits per second (the encoder's average); the manifests carry measured figures.</param>
/// <param name="AudioGroup">Video: the audio rendition (<see cref="OutputLayout.AudioRendition"/>) it plays with, or
/// null without audio. Audio: its own group id.</param>
public sealed record TrackPackage(string Name, string SourceFile, string Dir, int Width, int Height, double FrameRate,
    long Bitrate, string? AudioGroup);

/// <param name="StreamFile">The thumbnails task's output: the stills back to back (JPEG or WebP images).</param>
/// <param name="Dir">The output's folder: thumb-00001.jpg ... and, with a sprite, sprite.vtt (the sprite task writes
/// the sheet itself to <see cref="OutputLayout.Sprite"/> there).</param>
/// <param name="Count">Stills the stream holds.</param>
/// <param name="OutputDuration">Seconds of output, for the last cue's end.</param>
public sealed record StillsPackage(string Name, string StreamFile, string Dir, string Format, int Count,
    double IntervalSeconds, double OutputDuration, bool Sprite, int Columns, int TileWidth, int TileHeight);
