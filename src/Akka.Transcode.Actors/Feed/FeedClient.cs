using System.Threading.Channels;

namespace Akka.Transcode.Actors.Feed;

/// <summary>
/// One server-sent event ready to go out. <paramref name="Key"/> names what it describes (<c>job:&lt;id&gt;</c>,
/// <c>task:&lt;id&gt;</c>, <c>workers</c>, <c>members</c>): every frame carries the whole current state of that thing,
/// so a newer frame makes an unsent older one with the same key worthless.
/// </summary>
public sealed record FeedFrame(string Key, string Text)
{
    /// <summary>An SSE frame: <c>event: name</c> and one <c>data:</c> line (compact JSON has no line breaks).</summary>
    public static FeedFrame Create(string key, string eventName, string json) =>
        new(key, $"event: {eventName}\ndata: {json}\n\n");

    /// <summary>Tells a client that updates were dropped: it reloads what it shows from the API.</summary>
    public static readonly FeedFrame Resync = Create("resync", "resync", "{}");
}

/// <summary>
/// One connected dashboard: what it may see, and the frames not yet sent to it. The feed actor offers frames and
/// never waits; the HTTP response takes them. A frame replaces an unsent one with the same key, keeping its place in
/// line, so a slow client gets the latest state of everything and loses nothing it needs. More than
/// <see cref="Capacity"/> distinct waiting keys drop the oldest, and the client is then sent a resync first: memory
/// stays bounded and a stalled reader never slows the actor or the other clients.
/// </summary>
public sealed class FeedClient(bool admin, string? jobId, int capacity = FeedClient.DefaultCapacity)
{
    public const int DefaultCapacity = 1024;

    private readonly object _lock = new();
    private readonly OrderedDictionary<string, string> _pending = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true,
    });
    private bool _dropped;
    private bool _closed;

    /// <summary>An admin token: also sees workers and cluster members.</summary>
    public bool Admin { get; } = admin;

    /// <summary>The job whose tasks this client watches, if any.</summary>
    public string? JobId { get; } = jobId;

    public int Capacity { get; } = capacity;

    /// <summary>Queues a frame; never blocks. False once the client is closed.</summary>
    public bool Offer(FeedFrame frame)
    {
        lock (_lock)
        {
            if (_closed) return false;
            if (!_pending.ContainsKey(frame.Key) && _pending.Count >= Capacity)
            {
                _pending.RemoveAt(0);
                _dropped = true;
            }
            _pending[frame.Key] = frame.Text;
        }
        _wake.Writer.TryWrite(true);
        return true;
    }

    /// <summary>
    /// Waits until at least one frame is waiting and returns all of them, oldest first; null once the client is
    /// closed and everything was taken.
    /// </summary>
    public async ValueTask<IReadOnlyList<string>?> TakeAsync(CancellationToken ct)
    {
        while (true)
        {
            lock (_lock)
            {
                if (_pending.Count > 0 || _dropped)
                {
                    var frames = new List<string>(_pending.Count + 1);
                    if (_dropped) frames.Add(FeedFrame.Resync.Text);
                    frames.AddRange(_pending.Values);
                    _pending.Clear();
                    _dropped = false;
                    return frames;
                }
            }
            if (!await _wake.Reader.WaitToReadAsync(ct)) return null;
            _wake.Reader.TryRead(out _);
        }
    }

    /// <summary>No more frames will come (the client left or the feed stopped).</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            _wake.Writer.TryComplete();
        }
    }
}
