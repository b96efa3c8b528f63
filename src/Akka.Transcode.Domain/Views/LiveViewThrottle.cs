namespace Akka.Transcode.Domain.Views;

/// <summary>
/// When an entity announces its view to live readers: a view whose figures did not change is not sent again, and
/// moving figures (progress, speed) go out at most once per interval, then with the newest figures, so an entity
/// with busy tasks stays at a few publications a second. Each publication returns the next record.
/// </summary>
/// <param name="Key">The figures last published (a tuple, compared by value); null before the first.</param>
public sealed record LiveViewThrottle(DateTimeOffset PublishedAt, object? Key)
{
    public static readonly LiveViewThrottle Never = new(DateTimeOffset.MinValue, null);

    /// <summary>How long moving figures must wait before they may be published; zero: now.</summary>
    public TimeSpan Wait(TimeSpan interval, DateTimeOffset now)
    {
        var wait = PublishedAt + interval - now;
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }

    /// <summary>Whether a view with these figures says something the last publication did not.</summary>
    public bool Changed(object key) => !Equals(Key, key);

    public LiveViewThrottle Published(object key, DateTimeOffset now) => new(now, key);
}
