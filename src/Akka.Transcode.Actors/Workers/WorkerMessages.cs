using Akka.Transcode.Domain.Tasks;

namespace Akka.Transcode.Actors.Workers;

/// <summary>
/// A worker joins the registry. <paramref name="Key"/> is the worker's address (ip:port or the Akka node address):
/// the same key always gets the same worker id. The worker's actor is the message's sender. <paramref name="Running"/>
/// lists the attempts it runs already (it registers again with a registry that started on another node): the
/// registry counts their slots at once and hands none of them out a second time. <paramref name="Cores"/> and
/// <paramref name="ThreadsPerTask"/> (0: unknown, and all cores) tell the planner whether the slots can run pieces of
/// one job side by side (<see cref="Domain.Scheduling.SplitPolicy"/>).
/// </summary>
public sealed record RegisterWorker(string Key, int Slots, string? HttpEndpoint, IReadOnlyList<RunningAttempt>? Running = null,
    int Cores = 0, int ThreadsPerTask = 0) : ITranscodeMessage;

public sealed record WorkerRegistered(string WorkerId) : ITranscodeMessage;

/// <summary>Heartbeat with the attempts the worker is running, so the registry can correct its slot counts.</summary>
public sealed record WorkerHeartbeat(string WorkerId, int State, IReadOnlyList<RunningAttempt> Running) : ITranscodeMessage;

public sealed record RunningAttempt(string TaskId, int Attempt);

public sealed record HeartbeatAck(string WorkerId) : ITranscodeMessage;

/// <summary>The registry does not know this worker (it restarted, or declared it dead): register again.</summary>
public sealed record UnknownWorker(string WorkerId) : ITranscodeMessage;

/// <summary>A task asks for a slot; repeated while it waits (the registry may have restarted), deduplicated by task id.
/// <paramref name="Avoid"/> lists the workers earlier attempts failed on: they get the task only when no other
/// worker is registered.</summary>
public sealed record RequestWork(string TaskId, int Attempt, TaskSpec Spec, int Priority, DateTimeOffset JobCreatedAt,
    IReadOnlyList<string>? Avoid = null) : ITranscodeMessage;

/// <summary>Task to registry: how an attempt ended on its worker, for the worker's circuit breaker.
/// <paramref name="WorkerFault"/> is false for failures that would happen anywhere (an unusable source, a bad value).</summary>
public sealed record AttemptOutcome(string WorkerId, string TaskId, int Attempt, bool Success, bool WorkerFault) : ITranscodeMessage;

/// <summary>A cancelled task leaves the queue.</summary>
public sealed record WithdrawWork(string TaskId) : ITranscodeMessage;

/// <summary>Registry to worker: run this attempt.</summary>
public sealed record AssignTask(string TaskId, int Attempt, TaskSpec Spec, string WorkerId) : ITranscodeMessage;

/// <summary>Worker to registry: it had no free slot after all; the task goes back to the head of its queue.</summary>
public sealed record AssignmentRejected(string TaskId, int Attempt, string WorkerId) : ITranscodeMessage;

/// <summary>Worker to registry: an attempt ended and its slot is free.</summary>
public sealed record SlotFreed(string WorkerId, string TaskId, int Attempt) : ITranscodeMessage;

/// <summary>
/// Worker to registry: this node is shutting down. Its attempts go back to the queue at once (their ffmpeg is being
/// stopped) and it gets no more work.
/// </summary>
public sealed record WorkerLeaving(string WorkerId) : ITranscodeMessage;

/// <summary>
/// Local, from the node's coordinated shutdown to its <see cref="WorkerNode"/>: take no more work, hand the running
/// attempts back and stop them; answered with <see cref="WorkerDrained"/> once every attempt's ffmpeg has ended and
/// its partial output is gone.
/// </summary>
public sealed record DrainWorker
{
    public static readonly DrainWorker Instance = new();
}

public sealed record WorkerDrained
{
    public static readonly WorkerDrained Instance = new();
}

/// <summary>Local, from a draining <see cref="WorkerNode"/> to its <see cref="TaskRunner"/>: stop the attempt and
/// stop once it has really ended.</summary>
public sealed record AbandonAttempt
{
    public static readonly AbandonAttempt Instance = new();
}

/// <summary>Stop an attempt wherever it runs (cancel, or a stale attempt still running after a re-queue).</summary>
public sealed record CancelAttempt(string TaskId, int Attempt) : ITranscodeMessage;

public sealed record GetWorkers : ITranscodeMessage
{
    public static readonly GetWorkers Instance = new();
}

/// <param name="QuarantinedUntil">Set while the worker's circuit breaker keeps it out of rotation.</param>
/// <param name="Node">The machine the worker runs on (its node address, or an HTTP worker's ip): workers on one
/// machine share its cores.</param>
public sealed record WorkerInfo(string WorkerId, string Key, string? HttpEndpoint, int Slots,
    IReadOnlyList<RunningAttempt> Running, DateTimeOffset LastHeartbeat, int ConsecutiveFailures = 0,
    DateTimeOffset? QuarantinedUntil = null, string Node = "", int Cores = 0, int ThreadsPerTask = 0);

public sealed record WorkersSnapshot(IReadOnlyList<WorkerInfo> Workers, int QueueLength) : ITranscodeMessage
{
    public int TotalSlots => Workers.Sum(w => w.Slots);

    /// <summary>Pieces of one job these workers can run at once on cores of their own (<see cref="Domain.Scheduling.SplitPolicy.Lanes"/>).</summary>
    public int Lanes(string videoCodec) => Domain.Scheduling.SplitPolicy.Lanes(
        Workers.Where(w => w.QuarantinedUntil is null)
            .Select(w => new Domain.Scheduling.WorkerCapacity(w.Node.Length > 0 ? w.Node : w.Key, w.Slots, w.Cores, w.ThreadsPerTask))
            .ToList(), videoCodec);
}

// ---- Workers outside the cluster (the HTTP worker protocol, docs/worker-protocol.md) ----------------------------

/// <summary>From the HTTP edge (/master/register_worker), once it has checked that <paramref name="Ip"/> is the
/// caller's own or an allowed one: answered with <see cref="WorkerRegistered"/> or <see cref="RegistrationRefused"/>.</summary>
public sealed record RegisterHttpWorker(string Ip, int Port, int Slots) : ITranscodeMessage;

/// <summary>The registry will not register this HTTP worker (too many under its ip).</summary>
public sealed record RegistrationRefused(string Reason) : ITranscodeMessage;

/// <summary>From the HTTP edge (/master/worker_heartbeat): answered with <see cref="HeartbeatAck"/> or <see cref="UnknownWorker"/>.</summary>
public sealed record HttpWorkerHeartbeat(string WorkerId, int State) : ITranscodeMessage;

/// <summary>From the HTTP edge (GET /master/files/{id}): which file a worker may fetch by this content id.
/// <paramref name="FileToken"/> is what the caller presented (X-File-Token): only an attempt given that token, whose
/// inputs include the file, is served.</summary>
public sealed record ResolveFile(string FileId, string? FileToken = null) : ITranscodeMessage;

/// <summary>From the HTTP edge (PUT /master/files/{id}): where the output of this task, sent by its worker, goes;
/// only with the file token of the task's current attempt.</summary>
public sealed record ResolveUpload(string TaskId, string? FileToken = null) : ITranscodeMessage;

/// <summary>Answer to <see cref="ResolveFile"/> and <see cref="ResolveUpload"/>: null when nothing is served under it.
/// <paramref name="Forbidden"/>: something is served under it, but not to the holder of the token presented.</summary>
public sealed record FileLocation(string? Path, bool Forbidden = false) : ITranscodeMessage;

/// <summary>Local, from an <see cref="HttpWorkerProxy"/> to the registry: its worker does not answer.</summary>
public sealed record WorkerUnreachable(string WorkerId, string Reason);

/// <summary>
/// Local, from an <see cref="HttpWorkerProxy"/> to the registry: while this task runs on an HTTP worker, its input
/// files may be fetched by content id and its output may be sent back, by the holder of <paramref name="FileToken"/>
/// (the secret sent with this attempt's add_task) only.
/// </summary>
public sealed record ServeFiles(string TaskId, IReadOnlyDictionary<string, string> FileIds, string OutputPath, string FileToken);

/// <summary>Local, from the registry to an <see cref="HttpWorkerProxy"/>: its worker registered again. Ask the worker
/// about every attempt now: those it no longer knows (it restarted) go back to the queue, the rest stay.</summary>
public sealed record VerifyAttempts
{
    public static readonly VerifyAttempts Instance = new();
}

public sealed record ReleaseFiles(string TaskId);
