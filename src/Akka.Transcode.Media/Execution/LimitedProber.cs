using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Media.Probing;

namespace Akka.Transcode.Media.Execution;

/// <summary>
/// ffprobe through <see cref="MediaProber"/>, with a bound on probes at once: a burst of submissions must not
/// start a thousand ffprobe processes on the master.
/// </summary>
public sealed class LimitedProber(MediaProber prober, int maxConcurrent) : ISourceProber
{
    private readonly SemaphoreSlim _gate = new(Math.Max(1, maxConcurrent));

    public async Task<Result<MediaInfo>> ProbeAsync(string path, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try { return await prober.ProbeAsync(path, ct); }
        finally { _gate.Release(); }
    }

    public async Task<string> ContentIdAsync(string path, CancellationToken ct)
    {
        // Reading a large source is I/O-bound; the same bound keeps a burst of jobs from reading a hundred at once.
        await _gate.WaitAsync(ct);
        try { return await Hashing.FileHasher.Md5HexAsync(path, ct); }
        finally { _gate.Release(); }
    }
}
