using System.Diagnostics;

namespace Akka.Transcode.Media.Tests.Support;

/// <summary>
/// Runs ffmpeg the plain .NET way (ArgumentList, no FFMpegCore, no CommandLine.Quote) so fixtures do not depend
/// on the code under test, and looks processes up in /proc.
/// </summary>
public static class FfmpegCli
{
    public static void Run(params string[] arguments)
    {
        using var process = Start("ffmpeg", ["-hide_banner", "-nostdin", "-v", "error", "-y", .. arguments]);
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"ffmpeg failed ({process.ExitCode}): {errors}");
    }

    public static Process Start(string program, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        return Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start");
    }

    /// <summary>Live processes whose argv contains <paramref name="element"/> as one whole element.</summary>
    public static IReadOnlyList<int> ProcessesWithArgument(string element) =>
        Directory.EnumerateDirectories("/proc")
            .Select(dir => int.TryParse(System.IO.Path.GetFileName(dir), out var pid) ? pid : -1)
            .Where(pid => pid > 0 && ReadArgv(pid).Contains(element))
            .ToList();

    public static string[] ReadArgv(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries); }
        catch (IOException) { return []; }
        catch (UnauthorizedAccessException) { return []; }
    }
}
