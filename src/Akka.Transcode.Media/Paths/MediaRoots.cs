using Akka.Transcode.Domain;

namespace Akka.Transcode.Media.Paths;

/// <summary>
/// The directories sources, maps and outputs must lie in (PROTOCOL.md <c>Transcode:Media:Roots</c>). Client paths
/// are resolved the way the kernel would, symbolic link by symbolic link, and the resulting real path is what is
/// checked and what is handed on; so a link cannot point ffmpeg outside the roots after the check, and ffmpeg
/// never sees text a client wrote (no protocol prefixes, no leading dashes, always absolute).
/// </summary>
public sealed class MediaRoots
{
    /// <summary>Linux gives up after 40 links (ELOOP); so do we.</summary>
    private const int MaxLinks = 40;

    private static readonly char[] Separators =
        OperatingSystem.IsWindows() ? ['\\', '/'] : ['/'];

    // Case-insensitive only where the file system usually is and the OS does not keep one spelling (Windows);
    // elsewhere a case mismatch refuses, which is the safe way to be wrong.
    private static readonly StringComparison Comparison =
        OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>Absolute real paths of the roots; the first is the base of relative paths.</summary>
    public IReadOnlyList<string> Roots { get; }

    /// <summary>
    /// Creates the roots that do not exist yet and returns them (as given). A node starts with them, but an empty new
    /// root usually means a wrong path or a share that is not mounted, so the caller says so. Throws
    /// <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> when one cannot be created.
    /// </summary>
    public static IReadOnlyList<string> CreateMissing(IReadOnlyList<string> roots)
    {
        var created = new List<string>();
        foreach (var root in roots)
        {
            if (Directory.Exists(root)) continue;
            Directory.CreateDirectory(root);
            created.Add(root);
        }
        return created;
    }

    /// <summary>Relative roots are taken from the current directory; roots need not exist yet.</summary>
    public MediaRoots(IReadOnlyList<string> roots)
    {
        if (roots.Count == 0)
            throw new ArgumentException("at least one media root is needed", nameof(roots));
        Roots = roots.Select(r =>
        {
            var real = RealPath(Path.GetFullPath(r));
            return real.IsOk ? real.Value.Path : throw new ArgumentException($"media root {r}: {real.Error!.Message}", nameof(roots));
        }).ToArray();
    }

    /// <summary>
    /// A source file: absolute, or relative to the first root. Fails with -4 (NUL, empty), -6 (protocol prefix or
    /// URL, outside the roots) or -9 (missing, a directory, empty, unreadable). Returns the absolute real path.
    /// </summary>
    public Result<string> ResolveSource(string input, string field = "src_filename")
    {
        var located = Locate(input, field);
        if (!located.IsOk) return located.Error!;
        var (path, exists) = located.Value;

        if (!exists)
            return Result<string>.Fail(ErrorCode.SourceUnusable, $"{field}: '{input}' does not exist");
        if (Directory.Exists(path))
            return Result<string>.Fail(ErrorCode.SourceUnusable, $"{field}: '{input}' is a directory, not a file");
        // Checked before opening: FIFOs and devices report length 0, and opening a FIFO would block until a writer came.
        if (new FileInfo(path).Length == 0)
            return Result<string>.Fail(ErrorCode.SourceUnusable, $"{field}: '{input}' is empty or not a regular file");
        try
        {
            using var _ = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return Result<string>.Fail(ErrorCode.SourceUnusable, $"{field}: '{input}' is not readable");
        }
        return Result<string>.Ok(path);
    }

    /// <summary>
    /// An output directory: absolute, or relative to the first root; created when missing. Fails with -4 (NUL,
    /// empty, names a file), -6 (protocol prefix, outside the roots, not writable). Returns the absolute real path.
    /// </summary>
    public Result<string> ResolveDestinationDir(string input, string field = "dst_dir")
    {
        var located = Locate(input, field);
        if (!located.IsOk) return located.Error!;
        var (path, exists) = located.Value;

        if (exists && !Directory.Exists(path))
            return Result<string>.Fail(ErrorCode.InvalidValue, $"{field}: '{input}' is a file, not a directory");
        try
        {
            if (!exists && CreateLevels(path) is { } changed)
                return Result<string>.Fail(ErrorCode.Forbidden, $"{field}: '{input}' {changed}");
        }
        catch (UnauthorizedAccessException)
        {
            return Result<string>.Fail(ErrorCode.Forbidden, $"{field}: '{input}' is not writable (cannot create it)");
        }
        catch (IOException e)
        {
            return Result<string>.Fail(ErrorCode.InvalidValue, $"{field}: '{input}' cannot be created ({e.Message})");
        }
        return CanWriteRecently(path)
            ? Result<string>.Ok(path)
            : Result<string>.Fail(ErrorCode.Forbidden, $"{field}: '{input}' is not writable");
    }

    /// <summary>Whether <paramref name="path"/> (absolute, real) lies in a root or is one.</summary>
    public bool Contains(string path) => Roots.Any(root => IsUnder(path, root));

    /// <summary>
    /// Checks again, right before use, a path the system itself made (a task's input, output, parts directory or
    /// temporary output; all real paths when add_job accepted them): it is resolved link by link once more, and its
    /// real path must still lie in a root. A directory on the way that was swapped for a symbolic link since then
    /// fails here with -6 instead of redirecting a read or write. The path need not exist. Returns the real path,
    /// which the caller may use to narrow the window until the file is opened; the message names
    /// <paramref name="what"/> and the path as given, never where a link leads.
    /// </summary>
    /// <remarks>
    /// This re-resolves; it is not an <c>openat2(RESOLVE_BENEATH)</c>: a swap between this check and the open
    /// is not caught. Callers check as late as they can (the worker right before ffmpeg starts and before the rename).
    /// </remarks>
    public Result<string> Recheck(string path, string what)
    {
        if (string.IsNullOrEmpty(path) || path.Contains('\0') || !Path.IsPathFullyQualified(path))
            return Result<string>.Fail(ErrorCode.InvalidValue, $"{what} {path} is not an absolute path");
        var real = RealPath(path);
        if (!real.IsOk) return Result<string>.Fail(real.Error!.Code, $"{what} {path} {real.Error.Message}");
        return Contains(real.Value.Path)
            ? Result<string>.Ok(real.Value.Path)
            : Result<string>.Fail(ErrorCode.Forbidden, $"{what} {path} is outside the media roots");
    }

    /// <summary>
    /// Creates <paramref name="dir"/> and any missing parents, each level only after the one above it was found to
    /// be a real directory inside the roots, so a symbolic link planted on the way after a check (a swapped parts or
    /// destination directory) is refused with -6 rather than followed. Directory.CreateDirectory alone creates the
    /// whole chain through whatever links it meets. Returns the real path; -4 when something on the way is a file.
    /// </summary>
    public Result<string> CreateDirectoryInside(string dir, string what)
    {
        var real = Recheck(dir, what);
        if (!real.IsOk) return real;
        try
        {
            if (CreateLevels(real.Value!) is { } changed)
                return Result<string>.Fail(ErrorCode.Forbidden, $"{what} {dir} {changed}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Result<string>.Fail(ErrorCode.InvalidValue, $"{what} {dir} cannot be created ({e.Message})");
        }
        return real;
    }

    /// <summary>
    /// Makes the missing levels of <paramref name="real"/> (a real path inside the roots) one at a time; returns why
    /// it stopped when a level turned out to be a link or the result no longer resolves to itself inside the roots.
    /// </summary>
    private string? CreateLevels(string real)
    {
        var current = Path.GetPathRoot(real)!;
        foreach (var part in real[current.Length..].Split(Separators, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Join(current, part);
            if (LinkTarget(current) is not null)
                return "changed while it was being created (a symbolic link appeared on the way)";
            // The level above is a real directory (checked in the previous round), so this makes exactly one.
            if (!Directory.Exists(current)) Directory.CreateDirectory(current);
        }
        // A link planted at the last level between the look and the mkdir is seen here.
        var again = RealPath(real);
        return again.IsOk && again.Value.Exists && again.Value.Path == real && Contains(real)
            ? null
            : "changed while it was being created (a symbolic link appeared on the way)";
    }

    /// <summary>The checks shared by sources and destinations, up to the real path and whether it exists.</summary>
    private Result<(string Path, bool Exists)> Locate(string input, string field)
    {
        if (input.Contains('\0'))
            return Result<(string, bool)>.Fail(ErrorCode.InvalidValue, $"{field}: contains a NUL character");
        // Line breaks and other control characters have no business in a media path, and a line break would
        // split a concat list entry in two.
        if (input.Any(char.IsControl))
            return Result<(string, bool)>.Fail(ErrorCode.InvalidValue, $"{field}: contains a control character");
        if (string.IsNullOrWhiteSpace(input))
            return Result<(string, bool)>.Fail(ErrorCode.InvalidValue, $"{field}: must not be empty");
        if (HasProtocolPrefix(input))
            return Result<(string, bool)>.Fail(ErrorCode.Forbidden,
                $"{field}: '{input}' is a URL or ffmpeg protocol, not a file path");

        var absolute = Path.IsPathFullyQualified(input) ? input : Path.Join(Roots[0], input);
        var real = RealPath(absolute);
        if (!real.IsOk)
            return Result<(string, bool)>.Fail(real.Error!.Code, $"{field}: '{input}' {real.Error.Message}");
        // The input is echoed, never the real path: that would tell a client where links outside the roots go.
        return Contains(real.Value.Path)
            ? real
            : Result<(string, bool)>.Fail(ErrorCode.Forbidden, $"{field}: '{input}' is outside the media roots");
    }

    /// <summary>
    /// ffmpeg reads <c>name:</c> before any slash as a protocol (http:, concat:, pipe:, file:, subfile:, data: ...),
    /// so any colon before the first separator is refused; only a Windows drive letter (C:\) is a path.
    /// </summary>
    private static bool HasProtocolPrefix(string input)
    {
        var colon = input.IndexOf(':');
        if (colon < 0) return false;
        var separator = input.IndexOfAny(Separators);
        if (separator >= 0 && separator < colon) return false;
        var driveLetter = OperatingSystem.IsWindows() && colon == 1 && char.IsAsciiLetter(input[0])
            && input.Length > 2 && Separators.Contains(input[2]);
        return !driveLetter;
    }

    private static bool IsUnder(string path, string root)
    {
        if (path.Equals(root, Comparison)) return true;
        var prefix = Separators.Contains(root[^1]) ? root : root + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, Comparison);
    }

    /// <summary>
    /// Resolves an absolute path component by component like the kernel does: each symbolic link is replaced by
    /// its target, and <c>..</c> goes to the parent of what was really reached, not of the text. ResolveLinkTarget
    /// with returnFinalTarget only follows the last component, and Path.GetFullPath removes <c>..</c> by text, so
    /// neither alone gives the real path. Components that do not exist are appended as written (they cannot be
    /// links) until a <c>..</c> climbs back out of them: from there on every component is looked at again, so
    /// <c>root/nope/../evil/x</c> with <c>root/evil</c> a link out resolves outside, as mkdir -p would go. The flag
    /// says whether the whole path exists.
    /// </summary>
    internal static Result<(string Path, bool Exists)> RealPath(string absolute)
    {
        var root = Path.GetPathRoot(absolute)!;
        var pending = new Stack<string>();
        Push(pending, absolute[root.Length..]);
        var current = root;
        var exists = true;
        var missing = 0; // components appended unchecked below the last one that exists
        var links = 0;

        while (pending.TryPop(out var part))
        {
            if (part is "" or ".") continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                // Back at a directory that was really reached: what follows is checked for links again.
                if (missing > 0 && --missing == 0) exists = true;
                continue;
            }
            var next = Path.Join(current, part);
            if (!exists)
            {
                current = next;
                missing++;
                continue;
            }
            var target = LinkTarget(next);
            if (target is not null)
            {
                if (++links > MaxLinks)
                    return Result<(string, bool)>.Fail(ErrorCode.SourceUnusable, "cannot be resolved (too many levels of symbolic links)");
                if (Path.IsPathRooted(target))
                {
                    current = Path.GetPathRoot(target)!;
                    target = target[current.Length..];
                }
                Push(pending, target);
                continue;
            }
            exists = File.Exists(next) || Directory.Exists(next);
            if (!exists) missing = 1;
            current = next;
        }
        return Result<(string, bool)>.Ok((current, exists));
    }

    private static void Push(Stack<string> pending, string relative)
    {
        var parts = relative.Split(Separators);
        for (var i = parts.Length - 1; i >= 0; i--)
            pending.Push(parts[i]);
    }

    /// <summary>The target of a symbolic link, or null for anything else, including paths we may not look at.</summary>
    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // A directory found writable is believed so for a few seconds: a burst of add_job calls into one directory
    // creates one probe file, not one each. The rename at the job's end checks for real anyway.
    private static readonly TimeSpan WritableFor = TimeSpan.FromSeconds(5);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _writableUntil = new(StringComparer.Ordinal);

    private bool CanWriteRecently(string dir)
    {
        var now = Environment.TickCount64;
        if (_writableUntil.TryGetValue(dir, out var until) && now < until) return true;
        if (!CanWrite(dir)) return false;
        // Bounded like the prober's memory: clearing now and then is simpler than an LRU and only costs a probe file.
        if (_writableUntil.Count > 1024) _writableUntil.Clear();
        _writableUntil[dir] = now + (long)WritableFor.TotalMilliseconds;
        return true;
    }

    // Permissions alone do not answer this (ACLs, read-only mounts, quotas), so try it.
    private static bool CanWrite(string dir)
    {
        try
        {
            using var _ = new FileStream(Path.Join(dir, $".transcode-write-test-{Guid.NewGuid():N}"),
                FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
            return true;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }
}
