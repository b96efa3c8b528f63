using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Actors.Workers;

namespace Akka.Transcode.Actors.Feed;

/// <summary>
/// A job's current view, published by its entity after every persisted event and, throttled, when its live progress
/// or speed moves. Each one carries the whole view (without tasks), so a reader that misses some keeps only the last.
/// </summary>
public sealed record JobChanged(JobView Job) : ITranscodeMessage;

/// <summary>A task's current view (state, attempt, worker, progress), published by its entity like <see cref="JobChanged"/>.</summary>
public sealed record TaskChanged(string JobId, TaskView Task) : ITranscodeMessage;

/// <summary>The registry's workers and queue, published when they change (not on mere heartbeats).</summary>
public sealed record WorkersChanged(WorkersSnapshot Workers) : ITranscodeMessage;
