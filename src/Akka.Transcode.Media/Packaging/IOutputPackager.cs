using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Outputs;

namespace Akka.Transcode.Media.Packaging;

/// <summary>
/// Turns an output-group job's finished task outputs into its published files (<see cref="PackagePlan"/>): segments,
/// playlists, the MPD, stills and the sprite's WebVTT, all inside the plan's temp dir. Safe to repeat after a crash.
/// </summary>
public interface IOutputPackager
{
    /// <summary>Ok when every file is written; a failure names what was wrong (a task output that is not what its
    /// plan said, a segment that is not where a boundary should be).</summary>
    Task<Result<bool>> PackageAsync(PackagePlan plan, CancellationToken ct);

    /// <summary>
    /// The plan was packaged and its directory already renamed to <paramref name="publishedDir"/> (a crash came
    /// between the rename and the job's end): packaging again would find its inputs gone, and must not run.
    /// </summary>
    Task<bool> AlreadyPublishedAsync(PackagePlan plan, string publishedDir);
}
