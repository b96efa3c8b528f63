using System.Collections.Concurrent;
using System.Globalization;

namespace Akka.Transcode.EndToEnd.Tests.Soak;

/// <summary>Call durations in milliseconds, recorded from any thread; percentiles by nearest rank.</summary>
public sealed class Latencies
{
    private readonly ConcurrentBag<double> _ms = new();

    public int Count => _ms.Count;

    public void Add(TimeSpan elapsed) => _ms.Add(elapsed.TotalMilliseconds);

    public double Percentile(double p)
    {
        var sorted = _ms.ToArray();
        if (sorted.Length == 0) return double.NaN;
        Array.Sort(sorted);
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public double Max => _ms.IsEmpty ? double.NaN : _ms.Max();

    /// <summary>"n=… p50 … p95 … p99 … max … ms".</summary>
    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"n={Count} p50 {Percentile(50):0.0} p95 {Percentile(95):0.0} p99 {Percentile(99):0.0} max {Max:0.0} ms");
}
