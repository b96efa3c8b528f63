using System.Collections.Concurrent;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Media.Hashing;
using Akka.Transcode.Media.Probing;

namespace Akka.Transcode.Media.Execution;

/// <summary>
/// ffprobe through <see cref="MediaProber"/>, with a bound on probes at once: a burst of submissions must not
/// start a thousand ffprobe processes on the master. What a probe found and a file's content id are remembered by
/// path, length and modification time (as workers remember content ids, <see cref="Hashing.ContentIdCache"/>): jobs
/// on the same unchanged source (several cuts of one recording, or a soak test's thousands of jobs) run ffprobe and
/// read the file once, while a file that was rewritten is probed and hashed again. Failed probes are not remembered.
/// </summary>
/// <param name="sharedIds">The content ids of this node's worker, when it has one: the worker checks each input
/// against its id before ffmpeg runs, and on the node that hashed the file that check needs no second read of it
/// (the whole file again, on the way to the first task).</param>
/// <param name="roots">The master's media roots: a queued job's source is probed long after add_job resolved it, and a
/// directory swapped for a link since then must not let ffprobe read what the link leads to.</param>
public sealed class LimitedProber(MediaProber prober, int maxConcurrent, int cacheCapacity = 1024,
    Hashing.ContentIdCache? sharedIds = null, Paths.MediaRoots? roots = null) : ISourceProber
{
    private readonly SemaphoreSlim _gate = new(Math.Max(1, maxConcurrent));
    // The work itself is remembered, not only its result: a burst of jobs on one new source (the job starter starts
    // dozens at once) waits for one ffprobe and one read of the file instead of starting one each.
    private readonly ConcurrentDictionary<FileStamp, Task<Result<MediaInfo>>> _probes = new();
    private readonly ConcurrentDictionary<FileStamp, Task<string>> _ids = new();
    private readonly ConcurrentDictionary<FileStamp, Task<IReadOnlyList<double>?>> _keyframes = new();

    public Task<Result<MediaInfo>> ProbeAsync(string path, CancellationToken ct)
    {
        if (roots?.Recheck(path, "source") is { IsOk: false } moved)
            return Task.FromResult<Result<MediaInfo>>(moved.Error!);
        var stamp = FileStamp.Of(path);
        if (stamp is null) return ProbeNowAsync(path, ct);
        return Shared(_probes, stamp.Value, () => ProbeNowAsync(path, CancellationToken.None), r => r.IsOk);
    }

    public Task<string> ContentIdAsync(string path, CancellationToken ct)
    {
        var stamp = FileStamp.Of(path);
        if (stamp is null) return HashNowAsync(path, ct);
        return Shared(_ids, stamp.Value, () => HashNowAsync(path, CancellationToken.None), _ => true);
    }

    public Task<IReadOnlyList<double>?> KeyframesAsync(string path, CancellationToken ct)
    {
        if (roots?.Recheck(path, "source") is { IsOk: false }) return Task.FromResult<IReadOnlyList<double>?>(null);
        var stamp = FileStamp.Of(path);
        if (stamp is null) return ScanNowAsync(path, ct);
        return Shared(_keyframes, stamp.Value, () => ScanNowAsync(path, CancellationToken.None), k => k is not null);
    }

    private async Task<IReadOnlyList<double>?> ScanNowAsync(string path, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try { return await KeyframeLocator.ScanAsync(path, ct, prober.Timeout); }
        // The probe reports what is wrong with a source; without key frames the plan only seeks blind, so no failure
        // of this optional scan (an unreadable source, ffprobe missing) may fail the job.
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested) { return null; }
        finally { _gate.Release(); }
    }

    private async Task<Result<MediaInfo>> ProbeNowAsync(string path, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try { return await prober.ProbeAsync(path, ct); }
        finally { _gate.Release(); }
    }

    private async Task<string> HashNowAsync(string path, CancellationToken ct)
    {
        // Reading a large source is I/O-bound; the same bound keeps a burst of jobs from reading a hundred at once.
        await _gate.WaitAsync(ct);
        try { return sharedIds is null ? await Hashing.FileHasher.Md5HexAsync(path, ct) : await sharedIds.IdOfAsync(path, ct); }
        finally { _gate.Release(); }
    }

    /// <summary>The one task for <paramref name="stamp"/>, started if there is none. A failed one is forgotten when it
    /// ends (the next job tries again); a shared task is not cancelled by one caller's token.</summary>
    private Task<T> Shared<T>(ConcurrentDictionary<FileStamp, Task<T>> cache, FileStamp stamp, Func<Task<T>> start, Func<T, bool> keep)
    {
        if (cache.TryGetValue(stamp, out var known)) return known;
        if (cache.Count >= cacheCapacity) cache.Clear(); // rare; simpler than an LRU and only costs a probe again
        var mine = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = cache.GetOrAdd(stamp, mine.Task);
        if (task != mine.Task) return task;
        _ = RunAsync();
        return task;

        async Task RunAsync()
        {
            try
            {
                var result = await start();
                if (!keep(result)) cache.TryRemove(new KeyValuePair<FileStamp, Task<T>>(stamp, mine.Task));
                mine.SetResult(result);
            }
            catch (Exception e)
            {
                cache.TryRemove(new KeyValuePair<FileStamp, Task<T>>(stamp, mine.Task));
                mine.SetException(e);
            }
        }
    }
}
