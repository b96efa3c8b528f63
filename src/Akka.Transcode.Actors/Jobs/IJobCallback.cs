namespace Akka.Transcode.Actors.Jobs;

/// <summary>Calls a job's callback_url with its final job object. True when the receiver answered with a 2xx.</summary>
public interface IJobCallback
{
    Task<bool> SendAsync(string url, JobView job, CancellationToken ct);
}

/// <summary>For nodes and tests without outgoing calls: every callback fails, and the job records that.</summary>
public sealed class NoJobCallback : IJobCallback
{
    public static readonly NoJobCallback Instance = new();
    public Task<bool> SendAsync(string url, JobView job, CancellationToken ct) => Task.FromResult(false);
}
