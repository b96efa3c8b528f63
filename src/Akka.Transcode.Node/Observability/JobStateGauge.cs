using System.Diagnostics.Metrics;
using Akka.Transcode.Actors.Storage;
using Akka.Transcode.Actors.Telemetry;
using Akka.Transcode.Domain.Jobs;

namespace Akka.Transcode.Node.Observability;

/// <summary>
/// transcode_jobs{state}: the job list counted by state. A scrape refreshes the counts first (at most every
/// <see cref="MaxAge"/>, however many scrapers there are); the gauge then reports them. The count is one pass over
/// an index, about 70 ms per million jobs with SQLite on the 2-core build machine.
/// </summary>
public sealed class JobStateGauge
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(2);

    private readonly JobReadStore _store;
    private readonly ILogger<JobStateGauge> _log;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private Snapshot? _last;

    private sealed record Snapshot(DateTimeOffset At, IReadOnlyDictionary<JobState, long>? Counts);

    public JobStateGauge(JobReadStore store, ILogger<JobStateGauge> log)
    {
        _store = store;
        _log = log;
        TranscodeMetrics.Meter.CreateObservableGauge("transcode_jobs", Observe, null,
            "Jobs in the job list by state (init, ready, inprogress, completed, failed, canceled); the list lags the " +
            "jobs by about a second. Every api node reports the same numbers: aggregate with max, not sum.");
    }

    /// <summary>Counts again unless the last count is recent. A database that does not answer leaves the gauge
    /// empty rather than stale.</summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        await _refresh.WaitAsync(ct);
        try
        {
            var now = DateTimeOffset.UtcNow;
            if (_last is { } last && now - last.At < MaxAge) return;
            IReadOnlyDictionary<JobState, long>? counts = null;
            try { counts = await _store.CountByStateAsync(ct); }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Once per streak: a scrape every few seconds must not flood the log.
                if (_last is null || _last.Counts is not null) _log.LogWarning(ex, "counting jobs by state for /metrics failed");
            }
            Volatile.Write(ref _last, new Snapshot(now, counts));
        }
        finally
        {
            _refresh.Release();
        }
    }

    private IEnumerable<Measurement<long>> Observe()
    {
        if (Volatile.Read(ref _last)?.Counts is not { } counts) return [];
        return Enum.GetValues<JobState>().Select(s =>
            new Measurement<long>(counts.GetValueOrDefault(s), TranscodeMetrics.Tag("state", s.ToString().ToLowerInvariant())));
    }
}
