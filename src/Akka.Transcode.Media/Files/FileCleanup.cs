namespace Akka.Transcode.Media.Files;

/// <summary>
/// The temporary files of a job and where they live: parts in a work directory, the last task's output under a
/// temporary name in dst_dir, and per-attempt partial files next to both. Removing them is safe to repeat.
/// </summary>
public static class FileCleanup
{
    private const string PartialMarker = ".partial-";

    /// <summary>A name no other attempt of the same task will use, that <see cref="Remove"/> still finds.</summary>
    public static string PartialName(string output) => output + PartialMarker + Guid.NewGuid().ToString("N")[..8];

    public static void Remove(string? workDir, string? tempOutput)
    {
        if (tempOutput is not null)
        {
            TryDelete(tempOutput);
            TryDelete(tempOutput + ".ffconcat");
            var dir = Path.GetDirectoryName(tempOutput);
            if (dir is not null && Directory.Exists(dir))
                foreach (var partial in Directory.EnumerateFiles(dir, Path.GetFileName(tempOutput) + PartialMarker + "*"))
                    TryDelete(partial);
        }
        if (workDir is not null && Directory.Exists(workDir))
        {
            try { Directory.Delete(workDir, recursive: true); }
            catch (IOException) { /* a worker still writing; its own cleanup removes its file */ }
            catch (UnauthorizedAccessException) { }
        }
    }

    public static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Removes <paramref name="dir"/> only when nothing is left in it (another part may still be written).</summary>
    public static void TryDeleteEmptyDirectory(string dir)
    {
        try
        {
            if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
