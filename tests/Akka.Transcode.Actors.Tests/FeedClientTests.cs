using Akka.Transcode.Actors.Feed;

namespace Akka.Transcode.Actors.Tests;

/// <summary>The per-dashboard buffer between the feed actor and an HTTP response.</summary>
public sealed class FeedClientTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(5);

    private static FeedFrame Frame(string key, string value) => FeedFrame.Create(key, "e", $"\"{value}\"");

    private static async Task<IReadOnlyList<string>?> Take(FeedClient client)
    {
        using var cts = new CancellationTokenSource(Quick);
        return await client.TakeAsync(cts.Token);
    }

    [Fact]
    public async Task A_newer_frame_replaces_an_unsent_one_with_the_same_key_and_keeps_its_place()
    {
        var client = new FeedClient(admin: false, jobId: null);
        Assert.True(client.Offer(Frame("job:a", "a1")));
        Assert.True(client.Offer(Frame("job:b", "b1")));
        Assert.True(client.Offer(Frame("job:a", "a2")));

        Assert.Equal([Frame("job:a", "a2").Text, Frame("job:b", "b1").Text], await Take(client));
        Assert.Equal("event: e\ndata: \"a2\"\n\n", Frame("job:a", "a2").Text);
    }

    [Fact]
    public async Task Past_its_capacity_a_client_drops_the_oldest_and_is_told_to_resync_first()
    {
        var client = new FeedClient(admin: false, jobId: null, capacity: 2);
        client.Offer(Frame("job:a", "a"));
        client.Offer(Frame("job:b", "b"));
        client.Offer(Frame("job:c", "c"));

        Assert.Equal([FeedFrame.Resync.Text, Frame("job:b", "b").Text, Frame("job:c", "c").Text], await Take(client));

        // The resync is sent once; what follows is ordinary again.
        client.Offer(Frame("job:d", "d"));
        Assert.Equal([Frame("job:d", "d").Text], await Take(client));
    }

    [Fact]
    public async Task A_taker_waits_for_the_next_frame_and_gets_null_once_the_client_is_closed()
    {
        var client = new FeedClient(admin: true, jobId: "j1");
        var waiting = Take(client);
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);

        client.Offer(Frame("workers", "w"));
        Assert.Equal([Frame("workers", "w").Text], await waiting);

        client.Offer(Frame("job:x", "x"));
        client.Close();
        Assert.False(client.Offer(Frame("job:y", "y")));
        Assert.Equal([Frame("job:x", "x").Text], await Take(client)); // what was queued before the close still goes out
        Assert.Null(await Take(client));
    }

    [Fact]
    public async Task A_cancelled_wait_leaves_the_client_usable()
    {
        var client = new FeedClient(admin: false, jobId: null);
        using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50)))
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await client.TakeAsync(cts.Token));

        client.Offer(Frame("job:a", "a"));
        Assert.Equal([Frame("job:a", "a").Text], await Take(client));
    }
}
