using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Tasks;

namespace Akka.Transcode.Media.Execution;

/// <summary>Reads what a source holds, by content.</summary>
public interface ISourceProber
{
    Task<Result<MediaInfo>> ProbeAsync(string path, CancellationToken ct);

    /// <summary>The file's content id: its MD5 as lowercase hex, streamed. Throws IOException when unreadable.</summary>
    Task<string> ContentIdAsync(string path, CancellationToken ct);

    /// <summary>
    /// The first video stream's key frames (<see cref="MediaInfo.Keyframes"/>), or null when they cannot be had: the
    /// planner then seeks blind, which costs time but never correctness.
    /// </summary>
    Task<IReadOnlyList<double>?> KeyframesAsync(string path, CancellationToken ct) => Task.FromResult<IReadOnlyList<double>?>(null);
}

public sealed record TaskProgress(double Percent, double? Speed);

/// <param name="Code">Why it failed, in protocol terms (-9 for a source that cannot be read, -1 otherwise).</param>
public sealed record TaskOutcome(bool Success, bool Canceled, ErrorCode? Code, string? Error)
{
    public static readonly TaskOutcome Succeeded = new(true, false, null, null);
    public static readonly TaskOutcome WasCanceled = new(false, true, null, "canceled");
    public static TaskOutcome Failed(ErrorCode code, string error) => new(false, false, code, error);
}

/// <summary>
/// Runs one task attempt to its output file. On any outcome but success it leaves no partial output behind.
/// Progress is reported on whatever thread the executor likes: callers forward it as a message.
/// </summary>
public interface ITaskExecutor
{
    Task<TaskOutcome> RunAsync(TaskSpec task, Action<TaskProgress> onProgress, CancellationToken ct);
}
