using System.Collections.Concurrent;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Media;
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
public sealed class LimitedProber(MediaProber prober, int maxConcurrent, int cacheCapacity = 1024,
    Hashing.ContentIdCache? sharedIds = null) : ISourceProber
{
    private readonly SemaphoreSlim _gate = new(Math.Max(1, maxConcurrent));
    private readonly ConcurrentDictionary<FileStamp, MediaInfo> _probes = new();
    private readonly ConcurrentDictionary<FileStamp, string> _ids = new();

    public async Task<Result<MediaInfo>> ProbeAsync(string path, CancellationToken ct)
    {
        var stamp = FileStamp.Of(path);
        if (stamp is not null && _probes.TryGetValue(stamp.Value, out var known)) return Result<MediaInfo>.Ok(known);
        await _gate.WaitAsync(ct);
        Result<MediaInfo> probe;
        try { probe = await prober.ProbeAsync(path, ct); }
        finally { _gate.Release(); }
        if (probe.IsOk && stamp is not null) Remember(_probes, stamp.Value, probe.Value!);
        return probe;
    }

    public async Task<string> ContentIdAsync(string path, CancellationToken ct)
    {
        var stamp = FileStamp.Of(path);
        if (stamp is not null && _ids.TryGetValue(stamp.Value, out var known)) return known;
        // Reading a large source is I/O-bound; the same bound keeps a burst of jobs from reading a hundred at once.
        await _gate.WaitAsync(ct);
        string id;
        try { id = sharedIds is null ? await Hashing.FileHasher.Md5HexAsync(path, ct) : await sharedIds.IdOfAsync(path, ct); }
        finally { _gate.Release(); }
        if (stamp is not null) Remember(_ids, stamp.Value, id);
        return id;
    }

    private void Remember<T>(ConcurrentDictionary<FileStamp, T> cache, FileStamp stamp, T value)
    {
        if (cache.Count >= cacheCapacity) cache.Clear(); // rare; simpler than an LRU and only costs a probe again
        cache[stamp] = value;
    }

    /// <summary>A file as it is now: a rewrite changes its modification time (and usually its length).</summary>
    private readonly record struct FileStamp(string Path, long Length, long Ticks)
    {
        public static FileStamp? Of(string path)
        {
            try
            {
                var info = new FileInfo(path);
                return info.Exists ? new FileStamp(info.FullName, info.Length, info.LastWriteTimeUtc.Ticks) : null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
            {
                return null;
            }
        }
    }
}
