using Akka.Transcode.Domain;
using Akka.Transcode.Media.Files;

namespace Akka.Transcode.Media.Paths;

/// <summary>
/// A worker's own check, at the moment of use, that the files a task names lie in the worker's roots: right before
/// an input is opened, the output's directory is created, ffmpeg is started and the output is renamed into place,
/// and before anything is deleted. The master checked the paths at add_job, but a directory may since have been
/// swapped for a symbolic link to elsewhere, and a task may come from a master whose roots are not this worker's.
/// Every refusal is -6 (permanent: the task fails at once) and names the path, never where a link leads.
/// </summary>
/// <param name="roots">Cluster workers: Transcode:Media:Roots. HTTP workers: their own media roots plus their
/// transfer directory, where fetched inputs and staged outputs live.</param>
public sealed class PathGuard(MediaRoots roots)
{
    public MediaRoots Roots { get; } = roots;

    /// <summary>An input right before it is opened: null when it may be read, else why not.</summary>
    public Failure? Input(string path, string what) => Failure(Roots.Recheck(path, what));

    /// <summary>
    /// The directory an output goes to, created when missing without following a link on the way; right before
    /// anything is written there.
    /// </summary>
    public Failure? OutputDirectory(string dir, string what) => Failure(Roots.CreateDirectoryInside(dir, what));

    /// <summary>A file about to be written or renamed to: its directory must still be a real directory in the roots.</summary>
    public Failure? Output(string path, string what)
    {
        var dir = Path.GetDirectoryName(path);
        return dir is null
            ? new Failure(ErrorCode.InvalidValue, $"{what} {path} has no directory")
            : Failure(Roots.Recheck(dir, what + " directory"));
    }

    /// <summary>Deletes a file only where its directory still lies in the roots.</summary>
    public void TryDelete(string path) => FileCleanup.TryDelete(path, Roots);

    /// <summary>Removes an empty directory only where it still lies in the roots.</summary>
    public void TryDeleteEmptyDirectory(string dir) => FileCleanup.TryDeleteEmptyDirectory(dir, Roots);

    private static Failure? Failure(Result<string> r) => r.IsOk ? null : r.Error;
}
