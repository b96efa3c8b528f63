using Akka.Transcode.Domain.Jobs;

namespace Akka.Transcode.Domain.Tests.Jobs;

public sealed class JobProgressTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>"index:percent:speed" per report (speed "-" for none), ';' between reports, applied in order.</summary>
    private static JobProgress After(string reports) => reports.Split(';', StringSplitOptions.RemoveEmptyEntries)
        .Select(r => r.Split(':'))
        .Aggregate(JobProgress.None, (p, f) =>
            p.Reported(int.Parse(f[0]), double.Parse(f[1]), f[2] == "-" ? null : double.Parse(f[2])));

    [Theory]
    // reports, task 0's percent, task 1's percent
    [InlineData("0:50:1", 50, 0)]
    [InlineData("0:50:1;0:20:1", 50, 0)]        // a re-run attempt starting over does not pull the task back
    [InlineData("0:50:1;0:70:1", 70, 0)]
    [InlineData("0:50:1;1:30:1", 50, 30)]
    public void A_task_keeps_its_highest_reported_percent(string reports, double task0, double task1)
    {
        var p = After(reports);

        Assert.Equal(task0, p.TaskPercent.GetValueOrDefault(0));
        Assert.Equal(task1, p.TaskPercent.GetValueOrDefault(1));
    }

    [Theory]
    // reports, tasks that ended since, speed shown, when the view is the first since the reports
    [InlineData("0:10:1.5", "", 1.5)]
    [InlineData("0:10:1.5;1:10:0.75", "", 2.25)]          // the tasks running at once add up
    [InlineData("0:10:1.5;1:10:-", "", 1.5)]              // a task warming up has no speed yet
    [InlineData("0:10:1.5;1:10:0", "", 1.5)]              // nor does one reporting 0
    [InlineData("0:10:1.004;1:10:1.003", "", 2.01)]       // rounded to two places
    [InlineData("0:10:-", "", null)]                      // nothing known yet: none
    [InlineData("0:10:1.5", "0", null)]                   // never shown: nothing to fall back on
    public void The_speed_is_the_sum_of_the_known_speeds(string reports, string ended, double? speed)
    {
        var p = ended.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)
            .Aggregate(After(reports), (q, i) => q.TaskEnded(i));

        Assert.Equal(speed, p.Figures(running: true, 10, T0, out _).Speed);
    }

    [Fact]
    public void Between_tasks_the_last_speed_shown_is_shown_again()
    {
        var p = After("0:90:1.5");
        Assert.Equal(1.5, p.Figures(running: true, 45, T0, out var shown).Speed);

        var between = shown.TaskEnded(0).Reported(1, 0, null);

        Assert.Equal(1.5, between.Figures(running: true, 50, T0, out _).Speed);
    }

    [Fact]
    public void A_job_that_does_not_run_shows_neither_speed_nor_eta()
    {
        var p = After("0:50:2").Measured(10, T0);

        Assert.Equal((null, null), p.Figures(running: false, 60, T0.AddSeconds(10), out var next));
        Assert.Same(p, next);
    }

    [Theory]
    // origin progress, seconds since, progress now, eta
    [InlineData(10, 10, 30, 35.0)]      // 2 %/s, 70 % left
    [InlineData(0, 4, 10, 36.0)]
    [InlineData(10, 3, 40, 6.0)]
    [InlineData(10, 7, 12.5, 245.0)]    // 0.357 %/s, 87.5 % left
    [InlineData(30, 10, 30, null)]      // no progress since the origin: no rate yet
    [InlineData(30, 10, 20, null)]
    public void The_eta_extrapolates_the_rate_since_the_first_report(double origin, double seconds, double progress, double? eta)
    {
        var p = After("0:1:1").Measured(origin, T0);

        Assert.Equal(eta, p.Figures(running: true, progress, T0.AddSeconds(seconds), out _).EtaSeconds);
    }

    [Fact]
    public void Only_the_first_measurement_fixes_the_origin()
    {
        var p = JobProgress.None.Measured(10, T0).Measured(50, T0.AddSeconds(5));

        Assert.Equal((T0, 10.0), p.Origin);
    }

    [Fact]
    public void A_completed_task_counts_whole_and_an_ended_one_has_no_speed()
    {
        var p = After("0:40:1.5;1:10:2").TaskEnded(0).TaskCompleted(0);

        Assert.Equal(100, p.TaskPercent[0]);
        Assert.False(p.TaskSpeed.ContainsKey(0));
        Assert.Equal(2, p.TaskSpeed[1]);
    }
}
