using System.Globalization;

namespace Akka.Transcode.Media.Running;

/// <summary>
/// What Linux's /proc says about a process. Every read may race the process's exit, so each answers null
/// rather than throwing when the entry has gone.
/// </summary>
internal static class ProcFs
{
    public static IEnumerable<int> Pids()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                yield return pid;
    }

    /// <summary>argv as the kernel holds it: empty for a zombie or a kernel thread.</summary>
    public static IReadOnlyList<string>? Argv(int pid)
    {
        var raw = Read($"/proc/{pid}/cmdline");
        return raw?.Split('\0', StringSplitOptions.None) is { } parts
            ? parts.Length > 0 && parts[^1].Length == 0 ? parts[..^1] : parts
            : null;
    }

    /// <summary>The parent pid and the start time (clock ticks after boot) from /proc/pid/stat.</summary>
    public static (int ParentPid, long StartTicks)? Stat(int pid)
    {
        var raw = Read($"/proc/{pid}/stat");
        if (raw is null) return null;
        // The command name in parentheses may contain spaces and ')': the fields we want follow its last ')'.
        var fields = raw[(raw.LastIndexOf(')') + 2)..].Split(' ');
        // After the name: state (field 3), ppid (4), ..., starttime (22).
        return fields.Length > 19
            && int.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var parent)
            && long.TryParse(fields[19], NumberStyles.Integer, CultureInfo.InvariantCulture, out var start)
            ? (parent, start)
            : null;
    }

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
