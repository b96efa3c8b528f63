namespace Akka.Transcode.Domain.Jobs;

/// <summary>
/// Which jobs have been kept long enough (Transcode:Jobs:RetentionDays): ended ones (completed, failed, cancelled)
/// whose last change is at least the retention period old. A job that has not ended is never due, however old.
/// </summary>
public static class RetentionPolicy
{
    /// <summary>Whether <paramref name="job"/> may be forgotten at <paramref name="now"/>; a retention of zero keeps
    /// every job.</summary>
    public static bool IsDue(JobSummary job, DateTimeOffset now, TimeSpan retention) =>
        retention > TimeSpan.Zero && job.State.IsTerminal() && job.UpdatedAt <= now - retention;

    /// <summary>The ids of the due jobs among <paramref name="jobs"/>, oldest last change first.</summary>
    public static IReadOnlyList<string> Due(IEnumerable<JobSummary> jobs, DateTimeOffset now, TimeSpan retention) =>
        jobs.Where(j => IsDue(j, now, retention)).OrderBy(j => j.UpdatedAt).ThenBy(j => j.Id, StringComparer.Ordinal)
            .Select(j => j.Id).ToList();

    /// <summary>Jobs created before this cannot be due (a job's last change is never before its creation): the
    /// index range to look in.</summary>
    public static DateTimeOffset CreatedBefore(DateTimeOffset now, TimeSpan retention) => now - retention;
}
