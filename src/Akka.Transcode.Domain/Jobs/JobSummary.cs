using Akka.Transcode.Domain.Outputs;

namespace Akka.Transcode.Domain.Jobs;

/// <summary>
/// A job as the job list shows it, folded from the job's events by the read-model projection. Applying an event
/// twice changes nothing, so the projection may replay a batch after a crash without corrupting a row.
/// </summary>
public sealed record JobSummary
{
    public required string Id { get; init; }
    public JobState State { get; init; }
    public string SourcePath { get; init; } = "";
    public string OutputPath { get; init; } = "";
    public string DstFormat { get; init; } = "";
    public string? Segments { get; init; }
    public int Priority { get; init; }
    public double Progress { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public ErrorCode? ErrorCode { get; init; }
    public string? ErrorMessage { get; init; }
    public int TaskCount { get; init; }
    public IReadOnlyList<int> CompletedTasks { get; init; } = [];
    public IReadOnlyList<string> Notes { get; init; } = [];
    /// <summary>
    /// Output-group jobs: each output with its final paths, state and progress; empty for a classic job. Folded from
    /// the events, which carry no task progress, a row's states follow the job's; the job entity's live view fills
    /// them from its tasks (<see cref="OutputStatus.Of"/>).
    /// </summary>
    public IReadOnlyList<OutputStatus> Outputs { get; init; } = [];

    public static JobSummary Start(JobSubmitted e) => new()
    {
        Id = e.JobId, State = JobState.Init, SourcePath = e.Spec.SourcePath, OutputPath = e.Spec.OutputPath(),
        DstFormat = e.Spec.DstFormat, Segments = e.Spec.SegmentsText, Priority = e.Spec.Priority,
        CreatedAt = e.At, UpdatedAt = e.At,
        Outputs = Restated(OutputStatus.Describe(e.Spec), JobState.Init, 0),
    };

    /// <summary>Folds one event into the row; <paramref name="current"/> is null for a job not seen yet.</summary>
    public static JobSummary? Apply(JobSummary? current, IJobEvent e)
    {
        if (e is JobSubmitted s) return current ?? Start(s);
        if (current is null) return null; // events of a job whose submission this projection never saw
        var next = e switch
        {
            JobPlanned p => current with
            {
                State = current.State == JobState.Init ? JobState.Ready : current.State,
                TaskCount = p.Tasks.Count, Notes = p.Notes,
                Outputs = OutputStatus.WithPlan(current.Outputs, p.Package),
            },
            JobStarted => current with { State = current.State is JobState.Init or JobState.Ready ? JobState.InProgress : current.State },
            JobTaskCompleted t => current.CompletedTasks.Contains(t.Index)
                ? current
                : current with { CompletedTasks = [.. current.CompletedTasks, t.Index] },
            JobProgressed p => current with { Progress = Math.Max(current.Progress, p.Progress) },
            JobCompleted c => current with { State = JobState.Completed, Progress = 100, OutputPath = c.OutputPath },
            JobFailed f => current with { State = JobState.Failed, ErrorCode = f.Code, ErrorMessage = f.Message },
            JobCanceled => current with { State = JobState.Canceled },
            _ => current,
        };
        return next with
        {
            UpdatedAt = e.At > current.UpdatedAt ? e.At : current.UpdatedAt,
            Outputs = Restated(next.Outputs, next.State, next.Progress),
        };
    }

    private static IReadOnlyList<OutputStatus> Restated(IReadOnlyList<OutputStatus> outputs, JobState state,
        double progress) =>
        outputs.Count == 0 ? outputs : OutputStatus.Restate(outputs, [], new HashSet<int>(), new Dictionary<int, double>(), state, progress);
}
