using System.Diagnostics;
using System.Globalization;
using Akka.Transcode.Media.Probing;

namespace Akka.Transcode.Media.Running;

/// <summary>
/// ffmpeg children outlive a killed .NET parent and keep writing. Each run leaves a pid file ("&lt;pid&gt;.pid"
/// holding the process's start time) while its ffmpeg lives; a node that starts again kills what its files still
/// name. A pid can be reused after a reboot or wrap-around, so a process is killed only if its start time matches
/// and its argv[0] is the ffmpeg binary.
/// </summary>
public static class OrphanReaper
{
    private const string Extension = ".pid";

    /// <summary>Writes the pid file for a running process; null when it has already gone.</summary>
    public static string? Track(string pidDir, int pid)
    {
        if (ProcFs.Stat(pid) is not { } stat) return null;
        Directory.CreateDirectory(pidDir);
        var file = Path.Combine(pidDir, pid.ToString(CultureInfo.InvariantCulture) + Extension);
        File.WriteAllText(file, stat.StartTicks.ToString(CultureInfo.InvariantCulture));
        return file;
    }

    public static void Untrack(string pidFile)
    {
        try { File.Delete(pidFile); }
        catch (IOException) { /* a stale file is harmless: the reaper checks the process before killing */ }
    }

    /// <summary>Kills ffmpeg processes left by an earlier run of this node and deletes their pid files; returns how many it killed.</summary>
    public static int ReapLeftovers(string pidDir) => ReapLeftovers(pidDir, FfmpegBinaries.FfmpegPath);

    /// <inheritdoc cref="ReapLeftovers(string)"/>
    public static int ReapLeftovers(string pidDir, string ffmpegBinary)
    {
        if (!Directory.Exists(pidDir) || !OperatingSystem.IsLinux()) return 0;
        var killed = 0;
        foreach (var file in Directory.EnumerateFiles(pidDir, "*" + Extension))
        {
            if (!int.TryParse(Path.GetFileNameWithoutExtension(file), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                continue;
            if (ChildTracker.IsLive(pid)) continue;

            if (IsOurFfmpeg(pid, file, ffmpegBinary) && Kill(pid)) killed++;
            Untrack(file);
        }
        return killed;
    }

    private static bool IsOurFfmpeg(int pid, string pidFile, string ffmpegBinary)
    {
        if (ProcFs.Stat(pid) is not { } stat) return false;
        var recorded = File.ReadAllText(pidFile).Trim();
        if (long.TryParse(recorded, NumberStyles.Integer, CultureInfo.InvariantCulture, out var startTicks) && startTicks != stat.StartTicks)
            return false;

        // FFMpegCore starts "ffmpeg" from PATH or "<folder>/ffmpeg": either way the program's file name is the binary's.
        var argv0 = ProcFs.Argv(pid) is [var first, ..] ? first : null;
        return argv0 is not null
            && (argv0 == ffmpegBinary || Path.GetFileName(argv0) == Path.GetFileName(ffmpegBinary));
    }

    private static bool Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
            process.WaitForExit(TimeSpan.FromSeconds(5));
            return true;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false; // gone in the meantime, or not ours to kill
        }
    }
}
