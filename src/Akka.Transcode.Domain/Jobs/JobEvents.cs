using Akka.Transcode.Domain.Tasks;

namespace Akka.Transcode.Domain.Jobs;

/// <summary>Everything persisted by a job entity. Renaming one breaks replay: the serializer maps each to a fixed name.</summary>
public interface IJobEvent
{
    string JobId { get; }
    DateTimeOffset At { get; }
}

public sealed record JobSubmitted(string JobId, JobSpec Spec, DateTimeOffset At) : IJobEvent;

/// <param name="Package">Output-group jobs only; absent from events stored before output groups existed.</param>
public sealed record JobPlanned(string JobId, IReadOnlyList<TaskSpec> Tasks, double OutputDuration,
    string TempOutputPath, string WorkDir, IReadOnlyList<string> Notes, DateTimeOffset At,
    Outputs.PackagePlan? Package = null) : IJobEvent;

public sealed record JobStarted(string JobId, DateTimeOffset At) : IJobEvent;

public sealed record JobTaskCompleted(string JobId, int Index, DateTimeOffset At) : IJobEvent;

/// <summary>A progress checkpoint, so progress survives a restart and the read model can show it.</summary>
public sealed record JobProgressed(string JobId, double Progress, DateTimeOffset At) : IJobEvent;

/// <summary>
/// Every task is done and the output is about to be put in place. Stored before the rename starts: from here a cancel
/// or a timeout is refused (the job ends COMPLETED, or FAILED if the rename fails), and a node that crashed in the
/// middle of the rename finishes it on recovery.
/// </summary>
public sealed record JobFinishing(string JobId, DateTimeOffset At) : IJobEvent;

public sealed record JobCompleted(string JobId, string OutputPath, DateTimeOffset At) : IJobEvent;

public sealed record JobFailed(string JobId, ErrorCode Code, string Message, DateTimeOffset At) : IJobEvent;

public sealed record JobCanceled(string JobId, DateTimeOffset At) : IJobEvent;

/// <summary>The callback_url was called (or given up on): a restart must not call it again.</summary>
public sealed record JobCallbackDone(string JobId, bool Delivered, string? Error, DateTimeOffset At) : IJobEvent;
