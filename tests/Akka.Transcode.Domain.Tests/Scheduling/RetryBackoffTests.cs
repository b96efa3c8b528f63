using Akka.Transcode.Domain.Scheduling;

namespace Akka.Transcode.Domain.Tests.Scheduling;

public sealed class RetryBackoffTests
{
    [Theory]
    // base ms, failures so far, wait ms
    [InlineData(1000, 0, 0)]          // nothing failed (a lost attempt): straight back
    [InlineData(1000, 1, 1000)]
    [InlineData(1000, 2, 2000)]
    [InlineData(1000, 3, 4000)]
    [InlineData(1000, 4, 8000)]       // a callback's last wait: 1, 2, 4, 8 s
    [InlineData(1000, 7, 64000)]
    [InlineData(1000, 8, 64000)]      // capped at 64 times the base
    [InlineData(1000, 100, 64000)]    // no overflow however often it failed
    [InlineData(50, 3, 200)]
    [InlineData(1000, -1, 0)]
    public void The_wait_doubles_per_failure_up_to_64_times_the_base(int baseMs, int failures, int waitMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(waitMs), RetryBackoff.After(TimeSpan.FromMilliseconds(baseMs), failures));
    }
}
