using Akka.Transcode.Media.Paths;

namespace Akka.Transcode.Media.Files;

/// <summary>
/// The temporary files of a job and where they live: parts in a work directory, the last task's output (or an
/// output-group job's whole output directory) under a temporary name in dst_dir, and per-attempt partial files next
/// to both. Removing them is safe to repeat. Given the media roots, nothing is deleted through a directory that now leads outside them (a dst_dir or parts
/// directory swapped for a symbolic link after add_job): such files are left where they are.
/// </summary>
public static class FileCleanup
{
    private const string PartialMarker = ".partial-";

    // Every partial name of the system is made here. Those next to an output carry PartialMarker, so that the job's
    // cleanup (Remove) finds them whoever wrote them; a worker's fetched input has its own suffix in its own cache.
    private const string FetchSuffix = ".partial";

    /// <summary>A name no other attempt of the same task will use, that <see cref="Remove"/> still finds.</summary>
    public static string PartialName(string output) => output + PartialMarker + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Where the master collects an output a worker uploads: stable for the content id, so a resumed upload
    /// finds its first part, and found by <see cref="Remove"/>, so an upload cut off by a cancel or a failed job goes
    /// with the job's other partial files.</summary>
    public static string UploadPartialName(string output, string fileId) => output + PartialMarker + "up" + fileId[..12];

    /// <summary>Where a worker downloads an input to before checking its content id; stable, so a download resumes.</summary>
    public static string FetchPartialName(string target) => target + FetchSuffix;

    /// <summary>Whether <paramref name="name"/> is a download still under way (<see cref="FetchPartialName"/>).</summary>
    public static bool IsFetchPartial(string name) => name.EndsWith(FetchSuffix, StringComparison.Ordinal);

    /// <param name="tempOutput">The temporary output: a file, or the directory an output-group job builds.</param>
    /// <param name="roots">When given, each deletion first checks that its directory's real path lies in them.</param>
    public static void Remove(string? workDir, string? tempOutput, MediaRoots? roots = null)
    {
        if (tempOutput is not null)
        {
            if (Directory.Exists(tempOutput)) RemoveDirectory(tempOutput, roots);
            else TryDelete(tempOutput, roots);
            TryDelete(tempOutput + ".ffconcat", roots);
            var dir = Path.GetDirectoryName(tempOutput);
            if (dir is not null && Directory.Exists(dir) && Inside(dir, roots))
                foreach (var partial in Directory.EnumerateFiles(dir, Path.GetFileName(tempOutput) + PartialMarker + "*"))
                    TryDelete(partial, roots);
        }
        if (workDir is not null && Directory.Exists(workDir)) RemoveDirectory(workDir, roots);
    }

    /// <summary>
    /// Removes a directory and everything in it. One that is itself a link loses the link only, never what it points
    /// at; links inside it are removed as links (the recursive delete does not follow them); and one whose real path
    /// left the roots (a parent swapped for a link) is left alone.
    /// </summary>
    public static void RemoveDirectory(string dir, MediaRoots? roots = null)
    {
        try
        {
            if (new FileInfo(dir).LinkTarget is not null)
            {
                if (Path.GetDirectoryName(dir) is { } parent && Inside(parent, roots)) File.Delete(dir);
            }
            else if (Directory.Exists(dir) && Inside(dir, roots)) Directory.Delete(dir, recursive: true);
        }
        catch (IOException) { /* a worker still writing; its own cleanup removes its file */ }
        catch (UnauthorizedAccessException) { }
    }

    /// <param name="roots">When given, the file is deleted only when its directory's real path lies in them.</param>
    public static void TryDelete(string path, MediaRoots? roots = null)
    {
        try
        {
            if (roots is not null && (Path.GetDirectoryName(path) is not { } dir || !Inside(dir, roots))) return;
            File.Delete(path);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Removes <paramref name="dir"/> only when nothing is left in it (another part may still be written).</summary>
    public static void TryDeleteEmptyDirectory(string dir, MediaRoots? roots = null)
    {
        try
        {
            if (Directory.Exists(dir) && Inside(dir, roots) && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static bool Inside(string dir, MediaRoots? roots) => roots is null || roots.Recheck(dir, "directory").IsOk;
}
