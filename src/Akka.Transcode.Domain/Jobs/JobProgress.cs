using System.Collections.Immutable;

namespace Akka.Transcode.Domain.Jobs;

/// <summary>
/// A running job's live figures as its tasks report them: each task's percent and speed, and what the job's speed and
/// ETA are computed from. Never journaled (only <see cref="JobProgressed"/> checkpoints are), so every start of the
/// entity begins with <see cref="None"/>. Each change returns the next record.
/// </summary>
public sealed record JobProgress
{
    public static readonly JobProgress None = new();

    /// <summary>Each task's highest reported percent: a re-run attempt starting over does not pull the job back.</summary>
    public ImmutableDictionary<int, double> TaskPercent { get; init; } = ImmutableDictionary<int, double>.Empty;
    /// <summary>Each running task's last reported speed (times real time); a task that ended has none.</summary>
    public ImmutableDictionary<int, double?> TaskSpeed { get; init; } = ImmutableDictionary<int, double?>.Empty;
    /// <summary>When, and at what job progress, the first report arrived: the ETA's rate is measured from there.</summary>
    public (DateTimeOffset At, double Progress)? Origin { get; init; }
    /// <summary>The speed last shown. Between tasks (a new ffmpeg warming up) no speed is known: this one is shown
    /// rather than none.</summary>
    public double? LastSpeed { get; init; }

    /// <summary>A task reported <paramref name="percent"/> at <paramref name="speed"/>.</summary>
    public JobProgress Reported(int index, double percent, double? speed) => this with
    {
        TaskPercent = TaskPercent.SetItem(index, Math.Max(TaskPercent.GetValueOrDefault(index), percent)),
        TaskSpeed = TaskSpeed.SetItem(index, speed),
    };

    /// <summary>The job's progress after a report; the first one fixes the origin of the ETA.</summary>
    public JobProgress Measured(double jobProgress, DateTimeOffset now) =>
        Origin is null ? this with { Origin = (now, jobProgress) } : this;

    /// <summary>A task reported its end (either way): it runs at no speed any more.</summary>
    public JobProgress TaskEnded(int index) => this with { TaskSpeed = TaskSpeed.Remove(index) };

    /// <summary>A task's success was stored: it counts as whole.</summary>
    public JobProgress TaskCompleted(int index) => this with { TaskPercent = TaskPercent.SetItem(index, 100) };

    /// <summary>
    /// The speed and ETA a view of the job shows at <paramref name="progress"/>: both only while it runs. The speed is
    /// the sum of the tasks' known speeds, or the last one shown; the ETA extrapolates the rate since the first report.
    /// <paramref name="next"/> remembers the speed shown.
    /// </summary>
    public (double? Speed, double? EtaSeconds) Figures(bool running, double progress, DateTimeOffset now, out JobProgress next)
    {
        next = this;
        if (!running) return (null, null);
        var speeds = TaskSpeed.Values.Where(s => s is > 0).Select(s => s!.Value).ToList();
        if (speeds.Count > 0) next = this with { LastSpeed = Math.Round(speeds.Sum(), 2) };
        double? eta = null;
        if (Origin is { } origin && progress > origin.Progress)
        {
            var rate = (progress - origin.Progress) / (now - origin.At).TotalSeconds;
            if (rate > 0) eta = Math.Round((100 - progress) / rate, 1);
        }
        return (next.LastSpeed, eta);
    }
}
