namespace Akka.Transcode.Protocol.Responses;

/// <summary>
/// One output of an output-group job in the job object. Paths are where the files are once the job has completed
/// (the job builds them under a temporary name and renames the directory into place at the end).
/// </summary>
/// <param name="Type">file, cmaf, hls, dash or thumbnails.</param>
/// <param name="State">WAITING, IN_PROGRESS, READY (its tasks are done, the job is not published yet), COMPLETED,
/// FAILED or CANCELED.</param>
/// <param name="Progress">0..100, the weighted progress of its own tasks.</param>
/// <param name="Path">The file, the master playlist (a DASH-only ladder: the MPD) or the stills' folder.</param>
/// <param name="Renditions">A ladder's renditions by name; null for other kinds.</param>
public sealed record OutputDto(string Name, string Type, string State, double Progress, string Path, OutputFilesDto? Files,
    IReadOnlyList<string>? Renditions);

/// <summary>The files of an output besides its path; a member that does not apply is null and left out.</summary>
public sealed record OutputFilesDto(string? Hls, string? Dash, string? Sprite, string? Vtt);
