using System.Collections.Concurrent;

namespace Akka.Transcode.Media.Running;

/// <summary>
/// Records the pid of the ffmpeg one run started, for <see cref="OrphanReaper"/> to find after a crash.
/// FFMpegCore keeps its Process to itself, so the pid is found in /proc: the child of this process whose argv
/// begins with exactly our arguments (FFMpegCore may append its own, such as -stats).
/// </summary>
internal sealed class ChildTracker(string? pidDir, IReadOnlyList<string> arguments) : IDisposable
{
    // Two identical commands may run at once; each tracker claims a different child.
    private static readonly ConcurrentDictionary<int, byte> Claimed = new();

    private int? _pid;
    private string? _pidFile;

    /// <summary>Pids tracked by runs still in flight in this process: not leftovers, whatever their pid file says.</summary>
    public static bool IsLive(int pid) => Claimed.ContainsKey(pid);

    /// <summary>Best effort: an exception here would reach FFMpegCore while ffmpeg runs, and the run would be lost.</summary>
    public void OnStarted()
    {
        if (pidDir is null || !OperatingSystem.IsLinux()) return;
        try
        {
            TrackChild(pidDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Without a pid file only the crash-cleanup is lost; the run itself is fine.
        }
    }

    private void TrackChild(string pidDir)
    {
        var self = Environment.ProcessId;
        foreach (var pid in ProcFs.Pids())
        {
            if (ProcFs.Stat(pid)?.ParentPid != self) continue;
            var argv = ProcFs.Argv(pid);
            if (argv is null || argv.Count <= arguments.Count || !argv.Skip(1).Take(arguments.Count).SequenceEqual(arguments)) continue;
            if (!Claimed.TryAdd(pid, 0)) continue;

            _pid = pid;
            _pidFile = OrphanReaper.Track(pidDir, pid);
            return;
        }
        // Not found: ffmpeg has already exited, so there is nothing that could be left over.
    }

    public void Dispose()
    {
        if (_pidFile is not null) OrphanReaper.Untrack(_pidFile);
        if (_pid is { } pid) Claimed.TryRemove(pid, out _);
    }
}
