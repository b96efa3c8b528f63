namespace Akka.Transcode.Domain.Scheduling;

/// <summary>
/// How long to wait before trying again after <c>failures</c> failed tries: nothing before the first failure, then
/// the base doubling per failure (1, 2, 4, 8 s for a 1 s base), capped at 64 times the base so a task that keeps
/// failing is still retried within minutes. Used by a task's next attempt and a job's next callback.
/// </summary>
public static class RetryBackoff
{
    /// <summary>The highest doubling: 2^6 = 64 times the base.</summary>
    public const int MaxDoublings = 6;

    public static TimeSpan After(TimeSpan baseDelay, int failures) => failures <= 0
        ? TimeSpan.Zero
        : TimeSpan.FromTicks(baseDelay.Ticks * (1L << Math.Min(failures - 1, MaxDoublings)));
}
