using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Domain.Tasks;

namespace Akka.Transcode.Actors;

/// <summary>
/// The actors' tunables, bound by the node from Transcode:* configuration. The defaults here (and in the Domain
/// records they come from) are the only ones: the node's options classes start from them.
/// </summary>
public sealed record TranscodeSettings
{
    public double MaxTaskSeconds { get; init; } = PlanningOptions.DefaultMaxTaskSeconds;
    public TaskPolicy TaskPolicy { get; init; } = new();
    /// <summary>A running attempt that sends nothing for this long is lost (its worker died or is cut off).</summary>
    public TimeSpan AttemptSilenceTimeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>How often unanswered messages between entities, registry and workers are sent again.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>A worker whose heartbeats stop for this long is dead and its attempts go back to the queue.</summary>
    public TimeSpan WorkerTimeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>A finished job or task stays in memory this long after its last message, then passivates.</summary>
    public TimeSpan IdlePassivation { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Job progress is persisted in steps of this many percent.</summary>
    public double ProgressStep { get; init; } = 5;
    public TimeSpan BaseRetryBackoff { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>A worker whose attempts fail this many times in a row (for reasons of its own, not the source's)
    /// gets no work for <see cref="WorkerQuarantine"/>; 0 turns the breaker off.</summary>
    public int WorkerBreakerFailures { get; init; } = 3;
    public TimeSpan WorkerQuarantine { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Jobs without their own timeout_seconds fail when not ended this long after they were accepted.</summary>
    public TimeSpan? JobTimeout { get; init; }
    /// <summary>How long a leaving worker waits for its attempts to stop (ffmpeg gets 'q', and is killed after 3 s).</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(6);
    /// <summary>The coordinated-shutdown phase the drain runs in: longer than the drain, so the drain's own timeout
    /// answers first and the phase is not cut off while ffmpeg is still being stopped.</summary>
    public TimeSpan DrainPhaseTimeout => DrainTimeout + TimeSpan.FromSeconds(2);
    /// <summary>A job or task publishes its moving progress for live views at most this often; state changes go out at
    /// once.</summary>
    public TimeSpan LiveViewInterval { get; init; } = TimeSpan.FromMilliseconds(250);
    /// <summary>How many HTTP workers may be registered under one ip at once (Transcode:Worker:MaxWorkersPerAddress).</summary>
    public int MaxHttpWorkersPerAddress { get; init; } = 16;
    /// <summary>How many accepted jobs run at once (Intake/JobStarter).</summary>
    public Intake.StarterSettings Starter { get; init; } = Intake.StarterSettings.Default;
    /// <summary>How long ended jobs are kept before the retention sweeper forgets them (ReadModel/RetentionSweeper).</summary>
    public ReadModel.RetentionSettings Retention { get; init; } = ReadModel.RetentionSettings.Default;
}
