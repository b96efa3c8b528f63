using Akka.Transcode.Actors.ReadModel;
using Akka.Transcode.Domain;
using Akka.Transcode.Node.Configuration;

namespace Akka.Transcode.Node.Api;

/// <summary>
/// The bound on unfinished jobs (Transcode:Jobs:MaxQueued): add_job answers -10 instead of letting the backlog grow
/// without limit. The count comes from the job list, read at most every 250 ms so a burst of add_job calls costs one
/// query. The list follows the journal a moment behind, so the jobs this node accepted in the last second are added
/// to it: a job may then count twice for up to a second, which errs on the side of refusing. Across several api
/// nodes the bound is soft by what the others accepted in that second.
/// </summary>
public sealed class AdmissionControl(TranscodeOptions options, JobReadStore store)
{
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(250);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private static readonly TimeSpan ProjectionLag = TimeSpan.FromSeconds(1);
    private readonly System.Collections.Concurrent.ConcurrentQueue<DateTimeOffset> _recent = new();
    private long _counted;
    private DateTimeOffset _countedAt = DateTimeOffset.MinValue;

    public int Limit => options.Jobs.MaxQueued;

    /// <summary>Null when a new job may be accepted, otherwise the -10 failure to answer.</summary>
    public async Task<Failure?> CheckAsync(CancellationToken ct)
    {
        if (Limit <= 0) return null;
        if (DateTimeOffset.UtcNow - _countedAt > Refresh)
        {
            await _gate.WaitAsync(ct);
            try
            {
                if (DateTimeOffset.UtcNow - _countedAt > Refresh)
                {
                    _counted = await store.CountUnfinishedAsync(ct);
                    _countedAt = DateTimeOffset.UtcNow;
                }
            }
            finally
            {
                _gate.Release();
            }
        }
        var horizon = DateTimeOffset.UtcNow - ProjectionLag;
        while (_recent.TryPeek(out var at) && at < horizon) _recent.TryDequeue(out _);
        var unfinished = _counted + _recent.Count;
        return unfinished >= Limit
            ? new Failure(ErrorCode.Unavailable,
                $"the queue is full: {unfinished} unfinished jobs (Transcode:Jobs:MaxQueued is {Limit}); retry later")
            : null;
    }

    public void Accepted()
    {
        if (Limit > 0) _recent.Enqueue(DateTimeOffset.UtcNow);
    }
}
