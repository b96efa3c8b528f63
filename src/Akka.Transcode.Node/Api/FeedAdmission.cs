using System.Security.Cryptography;
using System.Text;
using Akka.Transcode.Domain;
using Akka.Transcode.Node.Configuration;

namespace Akka.Transcode.Node.Api;

/// <summary>
/// Counts the live feeds this node holds open, in all and per token (Transcode:Dashboard:MaxFeeds,
/// MaxFeedsPerToken): each one is a connection, a buffer of up to a thousand frames and a share of every change the
/// cluster publishes, so one token opening feeds in a loop must not exhaust the node for everyone else. Tokens are
/// told apart by their SHA-256 digest; the token itself is not kept.
/// </summary>
public sealed class FeedAdmission(TranscodeOptions options)
{
    private readonly object _lock = new();
    private readonly Dictionary<string, int> _perToken = new(StringComparer.Ordinal);
    private int _open;

    public int Open { get { lock (_lock) return _open; } }

    /// <summary>A lease to dispose when the feed closes, or the -10 failure to answer.</summary>
    public (IDisposable? Lease, Failure? Refused) TryOpen(string token)
    {
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        lock (_lock)
        {
            var mine = _perToken.GetValueOrDefault(key);
            if (mine >= options.Dashboard.MaxFeedsPerToken)
                return (null, new Failure(ErrorCode.Unavailable, $"too many open live feeds for this token: {mine} " +
                    $"(Transcode:Dashboard:MaxFeedsPerToken is {options.Dashboard.MaxFeedsPerToken}); close one and retry"));
            if (_open >= options.Dashboard.MaxFeeds)
                return (null, new Failure(ErrorCode.Unavailable, $"too many open live feeds on this node: {_open} " +
                    $"(Transcode:Dashboard:MaxFeeds is {options.Dashboard.MaxFeeds}); retry later"));
            _perToken[key] = mine + 1;
            _open++;
            return (new Lease(this, key), null);
        }
    }

    private void Close(string key)
    {
        lock (_lock)
        {
            _open--;
            if (--_perToken[key] == 0) _perToken.Remove(key);
        }
    }

    private sealed class Lease(FeedAdmission owner, string key) : IDisposable
    {
        private int _closed;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0) owner.Close(key);
        }
    }
}
