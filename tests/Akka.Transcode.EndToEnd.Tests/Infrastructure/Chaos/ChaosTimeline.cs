using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure.Chaos;

/// <summary>What happened when, on the test's clock: kills, restarts, submissions, job ends and retried calls. Node
/// logs say what each node did; this says what was done to them, in one order.</summary>
public sealed class ChaosTimeline(Stopwatch clock)
{
    private readonly List<(TimeSpan At, string What)> _events = new();

    public void Add(string what)
    {
        var at = clock.Elapsed;
        lock (_events) _events.Add((at, what));
    }

    /// <summary>One line per event; a run of the same retried call's lines shows as its first with a count.</summary>
    public string Render()
    {
        List<(TimeSpan At, string What)> events;
        lock (_events) events = _events.OrderBy(e => e.At).ToList();
        var sb = new StringBuilder();
        for (var i = 0; i < events.Count; i++)
        {
            var (at, what) = events[i];
            var same = 1;
            while (i + same < events.Count && events[i + same].What == what) same++;
            var last = events[i + same - 1].At;
            sb.Append(CultureInfo.InvariantCulture, $"{at.TotalSeconds,7:0.0} s  {what}");
            if (same > 1) sb.Append(CultureInfo.InvariantCulture, $"  (×{same}, until {last.TotalSeconds:0.0} s)");
            sb.AppendLine();
            i += same - 1;
        }
        return sb.ToString();
    }
}
