namespace Akka.Transcode.Actors;

/// <summary>Removes what an unfinished job leaves: its work directory of parts and its temporary output.</summary>
public static class FileCleanup
{
    public static void Remove(string? workDir, string? tempOutput)
    {
        if (tempOutput is not null)
        {
            TryDelete(tempOutput);
            TryDelete(tempOutput + ".ffconcat");
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
}
