namespace Akka.Transcode.Actors;

/// <summary>
/// Waits that are not configuration, each under one name: where one side waits for another (an HTTP call and the ask
/// behind it, a cancel and ffmpeg's stop), both read the same value here. The configurable ones are in
/// <see cref="TranscodeSettings"/>.
/// </summary>
public static class FixedTimeouts
{
    /// <summary>Asking the worker registry how many slots the cluster has (planning a job, sizing the start window).
    /// Short: an unanswered ask only means no registry yet, and the caller goes on with what it knows.</summary>
    public static readonly TimeSpan RegistryQuery = TimeSpan.FromSeconds(2);

    /// <summary>One HTTP call between a master and an HTTP worker (add_task, get_task_info, register, heartbeat), and
    /// the ask of the actor behind such a call on either side.</summary>
    public static readonly TimeSpan WorkerCall = TimeSpan.FromSeconds(5);

    /// <summary>A cancel of an HTTP worker's attempt, answered once its ffmpeg has stopped (a graceful 'q', then a
    /// kill after the runner's 3 s grace): the master's call and the worker's wait behind it.</summary>
    public static readonly TimeSpan WorkerCancel = TimeSpan.FromSeconds(10);
}
