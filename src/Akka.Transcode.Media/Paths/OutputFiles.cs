using System.Text.RegularExpressions;
using Akka.Transcode.Domain;

namespace Akka.Transcode.Media.Paths;

/// <summary>
/// Opens one file of a published output directory for a client who names it by a path relative to that directory
/// (GET /jobs/{job_id}/outputs/{path}). The text is checked first: plain names only, so no "..", no absolute path,
/// no control character, no backslash or percent sign reaches the file system. Then every level below the directory
/// must be a real directory or file, not a symbolic link: a link planted in an output directory would otherwise
/// serve whatever it points at. What was really opened is checked last, through the descriptor itself
/// (/proc/self/fd), so a directory swapped for a link between the walk and the open is refused too.
/// Refusals: -4 for the text, -6 for a link or anything outside, -7 for a file that is not there.
/// </summary>
public static partial class OutputFiles
{
    /// <summary>Levels a path may have: the deepest file of the layout is &lt;ladder&gt;/&lt;rendition&gt;/seg-N.m4s.</summary>
    private const int MaxLevels = 8;

    // Every name OutputLayout makes fits this: output and rendition names are [A-Za-z0-9_-], file names add a dot.
    [GeneratedRegex("^[A-Za-z0-9_.-]{1,128}$")]
    private static partial Regex PlainName();

    /// <summary>An opened output file; <see cref="Stream"/> belongs to the caller.</summary>
    public sealed record Opened(Stream Stream, string RealPath, DateTimeOffset LastModified);

    /// <summary>Null when <paramref name="relative"/> is a plain relative path of plain names, else why not (-4).</summary>
    public static Failure? CheckRelative(string relative)
    {
        if (string.IsNullOrEmpty(relative)) return Invalid("must name a file");
        if (relative.Any(char.IsControl)) return Invalid("contains a control character");
        if (relative[0] == '/' || relative.Contains('\\') || Path.IsPathRooted(relative)) return Invalid("must be relative");
        var parts = relative.Split('/');
        if (parts.Length > MaxLevels) return Invalid($"has more than {MaxLevels} levels");
        foreach (var part in parts)
        {
            if (part is "." or "..") return Invalid("must not contain '.' or '..'");
            if (!PlainName().IsMatch(part)) return Invalid("must be plain names (letters, digits, '.', '-', '_') separated by '/'");
        }
        return null;
    }

    /// <summary>
    /// Opens <paramref name="relative"/> inside <paramref name="dir"/> (an absolute real path, as the job recorded it)
    /// for reading, at this moment: the directory must still be itself (no link on the way to it) inside the roots,
    /// and no level below it a link.
    /// </summary>
    public static Result<Opened> Open(MediaRoots roots, string dir, string relative)
    {
        if (CheckRelative(relative) is { } bad) return bad;
        var real = roots.Recheck(dir, "output directory");
        if (!real.IsOk) return real.Error!;
        // The recorded path was real when the job was accepted: if it resolves elsewhere now, a link was put on the way.
        if (real.Value != Path.TrimEndingDirectorySeparator(dir)) return Refused(relative, "the output directory has moved");
        if (!Directory.Exists(real.Value)) return Missing(relative);

        var current = real.Value!;
        var parts = relative.Split('/');
        for (var i = 0; i < parts.Length; i++)
        {
            current = Path.Join(current, parts[i]);
            FileSystemInfo info = new FileInfo(current);
            if (info.LinkTarget is not null) return Refused(relative, "is or passes through a symbolic link");
            var last = i == parts.Length - 1;
            if (last ? !File.Exists(current) : !Directory.Exists(current)) return Missing(relative);
        }

        var file = new FileInfo(current);
        // FIFOs and devices report length 0 and opening a FIFO blocks until a writer comes: an empty file is
        // answered without opening anything.
        if (file.Length == 0) return Result<Opened>.Ok(new Opened(Stream.Null, current, file.LastWriteTimeUtc));
        FileStream stream;
        try
        {
            stream = new FileStream(current, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete,
                bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (FileNotFoundException) { return Missing(relative); }
        catch (DirectoryNotFoundException) { return Missing(relative); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Refused(relative, "cannot be read");
        }
        var opened = OpenedPath(stream, current);
        if (opened is null || !IsUnder(opened, real.Value) || !roots.Contains(opened))
        {
            stream.Dispose();
            return Refused(relative, "changed while it was being opened (a symbolic link appeared on the way)");
        }
        return Result<Opened>.Ok(new Opened(stream, opened, file.LastWriteTimeUtc));
    }

    /// <summary>
    /// The real path of the file <paramref name="stream"/> holds open: the kernel's own name for the descriptor on
    /// Linux; elsewhere the path resolved once more.
    /// </summary>
    private static string? OpenedPath(FileStream stream, string path)
    {
        var fd = stream.SafeFileHandle.DangerousGetHandle().ToInt64();
        if (OperatingSystem.IsLinux())
        {
            try { return new FileInfo($"/proc/self/fd/{fd}").LinkTarget; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        }
        var again = MediaRoots.RealPath(path);
        return again.IsOk && again.Value.Exists ? again.Value.Path : null;
    }

    private static bool IsUnder(string path, string dir) =>
        path.StartsWith(Path.TrimEndingDirectorySeparator(dir) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static Failure Invalid(string why) => new(ErrorCode.InvalidValue, $"path: {why}");

    // The path as the client wrote it, never where a link leads.
    private static Failure Refused(string relative, string why) => new(ErrorCode.Forbidden, $"path: '{relative}' {why}");

    private static Failure Missing(string relative) => new(ErrorCode.NotFound, $"path: '{relative}' is not a file of this job's outputs");
}
