using System.Diagnostics;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure;

/// <summary>Runs a short-lived command (ffmpeg, ffprobe) and captures its output.</summary>
public static class Proc
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, TimeSpan? timeout = null,
        string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;

        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', psi.ArgumentList)} did not finish in {timeout}");
        }
        return new Result(p.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs the command and throws, with its stderr, unless it exits 0.</summary>
    public static async Task<Result> RunCheckedAsync(string file, IEnumerable<string> args, TimeSpan? timeout = null)
    {
        var list = args.ToList();
        var r = await RunAsync(file, list, timeout);
        if (r.ExitCode != 0)
            throw new InvalidOperationException(
                $"{file} {string.Join(' ', list)} exited {r.ExitCode}:\n{r.StdErr}");
        return r;
    }

    /// <summary>Command lines of the running processes whose program name contains <paramref name="programName"/>
    /// (read from /proc; Linux only).</summary>
    public static IReadOnlyList<(int Pid, string[] Args)> FindProcesses(string programName)
    {
        var found = new List<(int, string[])>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            byte[] raw;
            try { raw = File.ReadAllBytes(Path.Combine(dir, "cmdline")); }
            catch (IOException) { continue; } // the process ended while we looked
            catch (UnauthorizedAccessException) { continue; }
            if (raw.Length == 0) continue; // kernel thread or zombie
            var args = System.Text.Encoding.UTF8.GetString(raw).TrimEnd('\0').Split('\0');
            if (Path.GetFileName(args[0]).Contains(programName, StringComparison.Ordinal))
                found.Add((pid, args));
        }
        return found;
    }
}
