using Akka.Transcode.Domain.Views;

namespace Akka.Transcode.Domain.Tests.Views;

public sealed class LiveViewThrottleTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    [Theory]
    // ms since the last publication, ms to wait
    [InlineData(0, 250)]
    [InlineData(100, 150)]
    [InlineData(249, 1)]
    [InlineData(250, 0)]     // the interval has passed: now
    [InlineData(5000, 0)]
    public void Moving_figures_wait_for_the_rest_of_the_interval(int sinceMs, int waitMs)
    {
        var published = LiveViewThrottle.Never.Published((1, 2.5), T0);

        Assert.Equal(TimeSpan.FromMilliseconds(waitMs), published.Wait(Interval, T0.AddMilliseconds(sinceMs)));
    }

    [Fact]
    public void Nothing_published_yet_means_publish_now_whatever_the_figures()
    {
        Assert.Equal(TimeSpan.Zero, LiveViewThrottle.Never.Wait(Interval, T0));
        Assert.True(LiveViewThrottle.Never.Changed((0, 0.0)));
    }

    [Theory]
    // last published, now: state, progress, speed
    [InlineData(2, 40.0, 1.5, 2, 40.0, 1.5, false)]    // the same figures (a checkpoint right after the live report)
    [InlineData(2, 40.0, 1.5, 2, 40.1, 1.5, true)]     // progress moved
    [InlineData(2, 40.0, 1.5, 2, 40.0, 1.6, true)]     // speed moved
    [InlineData(2, 40.0, 1.5, 3, 40.0, 1.5, true)]     // state changed
    public void Only_changed_figures_are_published_again(int s0, double p0, double v0, int s1, double p1, double v1, bool changed)
    {
        var published = LiveViewThrottle.Never.Published((s0, p0, (double?)v0), T0);

        Assert.Equal(changed, published.Changed((s1, p1, (double?)v1)));
        Assert.False(published.Published((s1, p1, (double?)v1), T0).Changed((s1, p1, (double?)v1)));
    }
}
