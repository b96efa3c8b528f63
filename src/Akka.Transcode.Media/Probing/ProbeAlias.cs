namespace Akka.Transcode.Media.Probing;

/// <summary>
/// A path FFProbe.AnalyseAsync can pass on intact. FFMpegCore writes the path into ffprobe's command line
/// inside plain double quotes, so a '"' or '\' in it splits or mangles the argument. Such a file is probed
/// through a symlink with a plain name instead: ffprobe reads the same bytes, and it probes by content.
/// </summary>
internal sealed class ProbeAlias : IDisposable
{
    private readonly string? _tempDir;

    private ProbeAlias(string path, string? tempDir)
    {
        Path = path;
        _tempDir = tempDir;
    }

    public string Path { get; }

    public static ProbeAlias For(string fullPath)
    {
        if (fullPath.IndexOfAny(['"', '\\']) < 0)
            return new ProbeAlias(fullPath, null);

        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "akka-transcode-probe-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        // Keep a plain extension: a few raw formats use it as a hint, and it is all the name can tell.
        var extension = System.IO.Path.GetExtension(fullPath);
        var link = System.IO.Path.Combine(dir, "source" + (extension.Skip(1).All(char.IsAsciiLetterOrDigit) ? extension : ""));
        File.CreateSymbolicLink(link, fullPath);
        return new ProbeAlias(link, dir);
    }

    public void Dispose()
    {
        if (_tempDir is null) return;
        try { Directory.Delete(_tempDir, recursive: true); }
        catch (IOException) { /* a leftover link in the temp folder harms nothing */ }
    }
}
