namespace Akka.Transcode.EndToEnd.Tests.Soak;

/// <summary>A process's memory as Linux reports it in /proc/&lt;pid&gt;/status.</summary>
public static class ProcessMemory
{
    /// <summary>Resident set size now (VmRSS), in MiB.</summary>
    public static double RssMb(int pid) => Field(pid, "VmRSS:");

    /// <summary>The highest resident set size so far (VmHWM), in MiB.</summary>
    public static double PeakRssMb(int pid) => Field(pid, "VmHWM:");

    private static double Field(int pid, string name)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith(name, StringComparison.Ordinal))
                return long.Parse(line[name.Length..].Trim().Split(' ')[0]) / 1024.0; // kB
        throw new InvalidOperationException($"/proc/{pid}/status has no {name}");
    }
}
