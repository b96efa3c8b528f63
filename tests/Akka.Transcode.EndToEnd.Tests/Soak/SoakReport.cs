using System.Diagnostics;
using System.Globalization;
using System.Text;
using Xunit.Abstractions;

namespace Akka.Transcode.EndToEnd.Tests.Soak;

/// <summary>
/// What a soak run measured: report lines (to the test output at once, and to <see cref="SoakSettings.ReportPath"/>
/// at the end) and the node's memory sampled every few seconds in the background, with the phase it was in.
/// </summary>
public sealed class SoakReport : IAsyncDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly string? _path;
    private readonly StringBuilder _text = new();
    private readonly List<(double Seconds, string Phase, double RssMb)> _samples = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampler;
    private volatile string _phase = "start";

    public SoakReport(ITestOutputHelper output, string? path, int pid, TimeSpan sampleEvery)
    {
        _output = output;
        _path = path;
        _sampler = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    var rss = ProcessMemory.RssMb(pid);
                    lock (_samples) _samples.Add((_clock.Elapsed.TotalSeconds, _phase, rss));
                }
                catch (IOException) { return; } // the node is gone
                try { await Task.Delay(sampleEvery, _stop.Token); }
                catch (OperationCanceledException) { return; }
            }
        });
    }

    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>What the run does now, for the memory samples.</summary>
    public string Phase { set => _phase = value; }

    /// <summary>Numbers in report lines are formatted by the test, which runs with the invariant culture.</summary>
    public void Line(string text)
    {
        _output.WriteLine(text);
        lock (_text) _text.AppendLine(text);
        Console.WriteLine("[soak] " + text);
    }

    public IReadOnlyList<(double Seconds, string Phase, double RssMb)> Samples
    {
        get { lock (_samples) return _samples.ToList(); }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampler;
        if (_path is null) return;
        var all = new StringBuilder();
        lock (_text) all.Append(_text);
        all.AppendLine().AppendLine("seconds\tphase\trss_mb");
        foreach (var (s, phase, rss) in Samples)
            all.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{s:0.0}\t{phase}\t{rss:0.0}"));
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        await File.WriteAllTextAsync(_path, all.ToString());
    }
}
