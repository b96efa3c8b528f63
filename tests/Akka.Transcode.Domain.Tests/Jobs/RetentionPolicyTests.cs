using Akka.Transcode.Domain.Jobs;

namespace Akka.Transcode.Domain.Tests.Jobs;

/// <summary>Which jobs retention forgets: ended ones whose last change is at least the retention old; nothing else.</summary>
public sealed class RetentionPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Thirty = TimeSpan.FromDays(30);

    private static JobSummary Job(string id, JobState state, double createdDaysAgo, double updatedDaysAgo) => new()
    {
        Id = id, State = state, CreatedAt = Now - TimeSpan.FromDays(createdDaysAgo), UpdatedAt = Now - TimeSpan.FromDays(updatedDaysAgo),
    };

    public static TheoryData<JobState, double, double, double, bool> Table => new()
    {
        // state,            created, updated (days ago), retention (days), due
        { JobState.Completed, 40, 31, 30, true },
        { JobState.Failed, 40, 31, 30, true },
        { JobState.Canceled, 40, 31, 30, true },
        { JobState.Completed, 40, 30, 30, true },   // exactly the retention old
        { JobState.Completed, 40, 29.9, 30, false }, // created long ago, ended recently: counts from its end
        { JobState.Completed, 1, 0, 30, false },
        { JobState.Init, 400, 400, 30, false },      // never ended: kept however old
        { JobState.Ready, 400, 400, 30, false },
        { JobState.InProgress, 400, 400, 30, false },
        { JobState.Completed, 4000, 4000, 0, false }, // retention 0: kept forever
        { JobState.Canceled, 0.0002, 0.0002, 0.0001, true }, // fractional days (tests)
        { JobState.Canceled, 0.0002, 0.00005, 0.0001, false },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void A_job_is_due_when_it_ended_at_least_the_retention_ago(JobState state, double createdDaysAgo, double updatedDaysAgo,
        double retentionDays, bool due)
    {
        var job = Job("j", state, createdDaysAgo, updatedDaysAgo);
        Assert.Equal(due, RetentionPolicy.IsDue(job, Now, TimeSpan.FromDays(retentionDays)));
        Assert.Equal(due ? ["j"] : Array.Empty<string>(), RetentionPolicy.Due([job], Now, TimeSpan.FromDays(retentionDays)));
    }

    [Fact]
    public void Due_jobs_come_oldest_end_first_and_the_rest_are_left_out()
    {
        var jobs = new[]
        {
            Job("b", JobState.Failed, 50, 40), Job("running", JobState.InProgress, 90, 90), Job("a", JobState.Completed, 60, 45),
            Job("recent", JobState.Completed, 60, 2), Job("c", JobState.Canceled, 35, 40),
        };
        Assert.Equal(["a", "b", "c"], RetentionPolicy.Due(jobs, Now, Thirty));
    }

    [Fact]
    public void Only_jobs_created_before_the_retention_can_be_due() =>
        Assert.Equal(Now - Thirty, RetentionPolicy.CreatedBefore(Now, Thirty));
}
