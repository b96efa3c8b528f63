using Akka.Transcode.Actors.Storage;
using Akka.Transcode.Domain;
using Akka.Transcode.Node.Configuration;

namespace Akka.Transcode.Node.Api;

/// <summary>
/// The bound on unfinished jobs (Transcode:Jobs:MaxQueued): add_job answers -10 instead of letting the backlog grow
/// without limit. The count comes from the job list, read at most every 250 ms so a burst of add_job calls costs one
/// query. The list follows the journal a moment behind, so the jobs this node accepted lately and the list does not
/// hold yet are added to it; which those are is read with the count, in one statement, so no job counts twice (a job
/// that counted twice refused a second job under a bound of two). Across several api nodes the bound is soft by
/// what the others accepted and the list has not seen yet.
/// </summary>
public sealed class AdmissionControl(TranscodeOptions options, JobReadStore store)
{
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(250);
    // Accepted jobs are remembered this long; the list shows a job well within it (the projection looks every 250 ms).
    private static readonly TimeSpan Remembered = TimeSpan.FromSeconds(10);
    // Beyond this many, the not-yet-listed ones are all counted (erring on the side of refusing) instead of looked up.
    private const int MaxLookedUp = 2000;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly System.Collections.Concurrent.ConcurrentQueue<(DateTimeOffset At, string JobId)> _recent = new();
    private long _unfinished;
    private DateTimeOffset _countedAt = DateTimeOffset.MinValue;

    public int Limit => options.Jobs.MaxQueued;

    /// <summary>Null when a new job may be accepted, otherwise the -10 failure to answer.</summary>
    public async Task<Failure?> CheckAsync(CancellationToken ct)
    {
        if (Limit <= 0) return null;
        var unfinished = Volatile.Read(ref _unfinished);
        if (DateTimeOffset.UtcNow - _countedAt > Refresh)
        {
            await _gate.WaitAsync(ct);
            try
            {
                if (DateTimeOffset.UtcNow - _countedAt > Refresh)
                {
                    var horizon = DateTimeOffset.UtcNow - Remembered;
                    while (_recent.TryPeek(out var old) && old.At < horizon) _recent.TryDequeue(out _);
                    var recent = _recent.Select(r => r.JobId).Distinct().ToList();
                    var lookedUp = recent.Count <= MaxLookedUp ? recent : [];
                    var (listedUnfinished, listed) = await store.CountUnfinishedAsync(lookedUp, ct);
                    Volatile.Write(ref _unfinished, listedUnfinished + recent.Count - listed);
                    _countedAt = DateTimeOffset.UtcNow;
                }
                unfinished = Volatile.Read(ref _unfinished);
            }
            finally
            {
                _gate.Release();
            }
        }
        return unfinished >= Limit
            ? new Failure(ErrorCode.Unavailable,
                $"the queue is full: {unfinished} unfinished jobs (Transcode:Jobs:MaxQueued is {Limit}); retry later")
            : null;
    }

    public void Accepted(string jobId)
    {
        if (Limit <= 0) return;
        _recent.Enqueue((DateTimeOffset.UtcNow, jobId));
        // Counted at once, so a burst within one refresh cannot overshoot the bound.
        Interlocked.Increment(ref _unfinished);
    }
}
