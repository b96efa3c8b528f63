namespace Akka.Transcode.Domain.Jobs;

/// <summary>Job states with the numbers clients see (PROTOCOL.md; 0-3 from the original code, 4 and 5 added).</summary>
public enum JobState
{
    Init = 0,
    Ready = 1,
    InProgress = 2,
    Completed = 3,
    Failed = 4,
    Canceled = 5,
}

public static class JobStateExtensions
{
    public static bool IsTerminal(this JobState s) => s is JobState.Completed or JobState.Failed or JobState.Canceled;
}
