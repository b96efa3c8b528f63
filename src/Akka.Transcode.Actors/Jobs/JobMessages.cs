using Akka.Transcode.Actors.Common;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Planning;

namespace Akka.Transcode.Actors.Jobs;

/// <summary>Anything addressed to one job entity through the job shard region.</summary>
public interface IJobMessage : ITranscodeMessage
{
    string JobId { get; }
}

public sealed record SubmitJob(string JobId, JobSpec Spec) : IJobMessage;

/// <summary>Answer to <see cref="SubmitJob"/>, <see cref="CancelJob"/>: null Error means accepted.</summary>
public sealed record JobCommandReply(string JobId, Failure? Error) : ITranscodeMessage;

public sealed record GetJob(string JobId, bool Detail) : IJobMessage;

public sealed record GetJobReply(JobView? Job, Failure? Error) : ITranscodeMessage;

public sealed record CancelJob(string JobId) : IJobMessage;

/// <summary>A task entity took its StartTask: the job stops re-sending it.</summary>
public sealed record TaskStartAck(string JobId, int Index) : IJobMessage;

public sealed record JobTaskStarted(string JobId, int Index, int Attempt, string WorkerId) : IJobMessage;

public sealed record JobTaskProgress(string JobId, int Index, double Percent, double? Speed) : IJobMessage;

/// <summary>Sent by a task until acknowledged with <see cref="JobTaskFinishedAck"/>: a lost one would stall the job.</summary>
public sealed record JobTaskFinished(string JobId, int Index, string TaskId, bool Success, ErrorCode? Code, string? Error)
    : IJobMessage;

public sealed record JobTaskFinishedAck(string TaskId) : ITranscodeMessage;

/// <summary>A job as clients see it: its summary (with live progress) plus figures only a running job has.</summary>
public sealed record JobView(JobSummary Summary, double? EtaSeconds, double? Speed, IReadOnlyList<TaskView>? Tasks);

public sealed record TaskView(
    string Id,
    string Kind,
    int State,
    int? Result,
    double Progress,
    string? WorkerId,
    double FromTime,
    double ToTime,
    int Attempts,
    string? Error)
{
    /// <summary>The protocol's result of a task in <paramref name="state"/>: 0 succeeded, -1 failed or cancelled, null otherwise.</summary>
    public static int? ResultOf(int state) => state switch
    {
        (int)Domain.Tasks.TaskStatus.Succeeded => 0,
        (int)Domain.Tasks.TaskStatus.Failed or (int)Domain.Tasks.TaskStatus.Canceled => -1,
        _ => null,
    };
}

/// <summary>The job starter's call: run this queued job. The entity starting is the point (it recovers the job and
/// plans it); the reply says what it found.</summary>
public sealed record StartJob(string JobId) : IJobMessage;

/// <summary>Answer to <see cref="StartJob"/>: whether the job exists and whether it has ended already.</summary>
public sealed record JobStartReply(string JobId, bool Exists, bool Ended) : ITranscodeMessage;

/// <summary>The retention sweeper's call: forget this ended job, its tasks first (their journal events deleted through
/// the persistence plugin), then the job itself; the entity passivates after.</summary>
public sealed record PurgeJob(string JobId) : IJobMessage;

/// <summary>Answer to <see cref="PurgeJob"/>: whether the job's and its tasks' events are gone (their persistence ids
/// named, so the sweeper can remove the one marker row per stream the plugin keeps), or why not.</summary>
public sealed record JobPurged(string JobId, bool Purged, IReadOnlyList<string> PersistenceIds, string? Reason) : ITranscodeMessage;

// ---- Between a job entity and the children it spawns for one step each, or piped back to itself. They never leave
// the node (ILocalMessage): no manifests, and serialize-messages checks pass them by.

/// <summary>From the <see cref="JobPlanner"/>: the job's plan, its tasks carrying the inputs' content ids and stamps.</summary>
public sealed record PlanReady(JobPlan Plan) : ILocalMessage;

/// <summary>From the <see cref="JobPlanner"/>: the job cannot be planned (unreadable source, segment past the end...).</summary>
public sealed record PlanFailed(Failure Failure) : ILocalMessage;

/// <summary>From the <see cref="OutputFinaliser"/>: the output is in place at <paramref name="OutputPath"/>, or why not.</summary>
public sealed record OutputPublished(string OutputPath, Failure? Failure) : ILocalMessage;

/// <summary>From the <see cref="CallbackDeliverer"/>: the final job object got through, or was given up after
/// <paramref name="Tries"/> tries (<paramref name="Error"/> the last one's).</summary>
public sealed record CallbackFinished(bool Delivered, string? Error, int Tries) : ILocalMessage;

/// <summary>Piped back to the job entity once its tasks answered <see cref="Tasks.PurgeTask"/>.</summary>
public sealed record TasksPurged(bool AllPurged, string? Error) : ILocalMessage;
