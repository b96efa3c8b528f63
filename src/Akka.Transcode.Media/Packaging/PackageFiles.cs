using System.Text;

namespace Akka.Transcode.Media.Packaging;

/// <summary>
/// Writing inside a package's temp dir only. Every folder is checked to lie under the temp dir and not to be a
/// link (a link planted there must not carry segments elsewhere), and every file is removed and created anew rather
/// than opened through whatever holds its name, which also makes a rerun after a crash rewrite the same files.
/// </summary>
internal sealed class PackageFiles(string tempDir)
{
    private readonly string _root = Path.GetFullPath(tempDir);

    public void EnsureDir(string dir)
    {
        var full = Path.GetFullPath(dir);
        var relative = Path.GetRelativePath(_root, full);
        if (relative == ".." || relative.StartsWith("../", StringComparison.Ordinal) || Path.IsPathRooted(relative))
            throw new PackagingFormatException($"{dir} is outside the job's temp dir {_root}");
        // A ladder-only job has no task writing into the temp dir: the packager is the first to make it.
        Directory.CreateDirectory(_root);
        NotALink(_root);
        var current = _root;
        foreach (var part in relative == "." ? [] : relative.Split('/'))
        {
            current = Path.Combine(current, part);
            Directory.CreateDirectory(current);
            NotALink(current);
        }
    }

    /// <summary>Copies <paramref name="length"/> bytes of <paramref name="source"/> from <paramref name="offset"/>.</summary>
    public static void CopyRange(Stream source, long offset, long length, string target)
    {
        using var output = Create(target);
        source.Position = offset;
        var buffer = new byte[1 << 16];
        while (length > 0)
        {
            var read = source.Read(buffer, 0, (int)Math.Min(buffer.Length, length));
            if (read == 0) throw new PackagingFormatException($"the source ended before {target} was complete");
            output.Write(buffer, 0, read);
            length -= read;
        }
    }

    public static void WriteText(string target, string text)
    {
        using var output = Create(target);
        output.Write(new UTF8Encoding(false).GetBytes(text));
    }

    /// <summary>Opens a task output for reading, refusing a link in its place.</summary>
    public static FileStream OpenSource(string path, FileOptions options)
    {
        if (new FileInfo(path).LinkTarget is not null) throw new PackagingFormatException($"{path} is a link, not the file its task wrote");
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, options);
    }

    private static FileStream Create(string target)
    {
        File.Delete(target);
        return new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
    }

    private static void NotALink(string dir)
    {
        if (new DirectoryInfo(dir).LinkTarget is not null) throw new PackagingFormatException($"{dir} is a link; nothing is written through it");
    }
}
