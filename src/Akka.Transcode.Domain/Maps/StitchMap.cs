namespace Akka.Transcode.Domain.Maps;

/// <summary>
/// A stitching map (PROTOCOL.md "Stitching maps") after every value has been checked: what a worker hands to
/// ffmpeg. It is built on the worker from the map file itself, never sent between nodes.
/// </summary>
public abstract record StitchMap;

/// <param name="Options">ffmpeg v360 options as checked name/value pairs, in a fixed order.</param>
public sealed record V360Map(IReadOnlyList<KeyValuePair<string, string>> Options) : StitchMap;

/// <summary>Per-pixel lookup tables: 16-bit PGM files whose size is the output's size.</summary>
public sealed record RemapMap(string XMapPath, string YMapPath, int Width, int Height) : StitchMap;

/// <summary>
/// A lookup table a remap map refers to: <see cref="Name"/> as the map file writes it (relative to the map file),
/// <see cref="Path"/> the absolute real path on the master's storage.
/// </summary>
public sealed record MapTable(string Name, string Path);
