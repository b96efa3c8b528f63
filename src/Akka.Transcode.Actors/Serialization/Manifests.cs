using Akka.Transcode.Actors.Feed;
using Akka.Transcode.Actors.Intake;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Actors.Tasks;
using Akka.Transcode.Actors.Workers;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Tasks;

namespace Akka.Transcode.Actors.Serialization;

/// <summary>
/// The fixed name of every persisted or remote type. The journal stores these names, not CLR type names, so
/// classes may be renamed or moved freely; a name here must never change once released.
/// </summary>
public static class Manifests
{
    public static readonly IReadOnlyDictionary<string, Type> ByName = new Dictionary<string, Type>
    {
        // Persisted: job events
        ["job.submitted.v1"] = typeof(JobSubmitted),
        ["job.planned.v1"] = typeof(JobPlanned),
        ["job.started.v1"] = typeof(JobStarted),
        ["job.task-completed.v1"] = typeof(JobTaskCompleted),
        ["job.progressed.v1"] = typeof(JobProgressed),
        ["job.finishing.v1"] = typeof(JobFinishing),
        ["job.completed.v1"] = typeof(JobCompleted),
        ["job.failed.v1"] = typeof(JobFailed),
        ["job.canceled.v1"] = typeof(JobCanceled),
        ["job.callback-done.v1"] = typeof(JobCallbackDone),
        // Persisted: task events
        ["task.created.v1"] = typeof(TaskCreated),
        ["task.attempt-started.v1"] = typeof(AttemptStarted),
        ["task.attempt-failed.v1"] = typeof(AttemptFailed),
        ["task.attempt-lost.v1"] = typeof(AttemptLost),
        ["task.succeeded.v1"] = typeof(TaskSucceeded),
        ["task.failed.v1"] = typeof(TaskFailed),
        ["task.canceled.v1"] = typeof(TaskCanceled),
        // Persisted: a master's start-up warm-up of the journal (deleted at once; Storage/JournalWarmUp)
        ["storage.journal-warmed.v1"] = typeof(Storage.JournalWarmUp.Warmed),
        // Messages between nodes: jobs
        ["msg.submit-job"] = typeof(SubmitJob),
        ["msg.job-command-reply"] = typeof(JobCommandReply),
        ["msg.get-job"] = typeof(GetJob),
        ["msg.get-job-reply"] = typeof(GetJobReply),
        ["msg.cancel-job"] = typeof(CancelJob),
        ["msg.task-start-ack"] = typeof(TaskStartAck),
        ["msg.job-task-started"] = typeof(JobTaskStarted),
        ["msg.job-task-progress"] = typeof(JobTaskProgress),
        ["msg.job-task-finished"] = typeof(JobTaskFinished),
        ["msg.job-task-finished-ack"] = typeof(JobTaskFinishedAck),
        ["msg.start-job"] = typeof(StartJob),
        ["msg.job-start-reply"] = typeof(JobStartReply),
        ["msg.purge-job"] = typeof(PurgeJob),
        ["msg.job-purged"] = typeof(JobPurged),
        // Messages between nodes: intake (Intake/)
        ["msg.jobs-queued"] = typeof(JobsQueued),
        ["msg.job-ended"] = typeof(JobEnded),
        ["msg.job-running"] = typeof(JobRunning),
        // Messages between nodes: tasks
        ["msg.start-task"] = typeof(StartTask),
        ["msg.cancel-task"] = typeof(CancelTask),
        ["msg.get-task"] = typeof(GetTask),
        ["msg.get-task-reply"] = typeof(GetTaskReply),
        ["msg.attempt-alive"] = typeof(AttemptAlive),
        ["msg.attempt-result"] = typeof(AttemptResult),
        ["msg.attempt-result-ack"] = typeof(AttemptResultAck),
        ["msg.attempt-worker-lost"] = typeof(AttemptWorkerLost),
        ["msg.purge-task"] = typeof(PurgeTask),
        ["msg.task-purged"] = typeof(TaskPurged),
        // Messages between nodes: workers
        ["msg.register-worker"] = typeof(RegisterWorker),
        ["msg.worker-registered"] = typeof(WorkerRegistered),
        ["msg.worker-heartbeat"] = typeof(WorkerHeartbeat),
        ["msg.heartbeat-ack"] = typeof(HeartbeatAck),
        ["msg.unknown-worker"] = typeof(UnknownWorker),
        ["msg.worker-leaving"] = typeof(WorkerLeaving),
        ["msg.request-work"] = typeof(RequestWork),
        ["msg.attempt-outcome"] = typeof(AttemptOutcome),
        ["msg.withdraw-work"] = typeof(WithdrawWork),
        ["msg.assign-task"] = typeof(AssignTask),
        ["msg.assignment-rejected"] = typeof(AssignmentRejected),
        ["msg.slot-freed"] = typeof(SlotFreed),
        ["msg.cancel-attempt"] = typeof(CancelAttempt),
        ["msg.get-workers"] = typeof(GetWorkers),
        ["msg.workers-snapshot"] = typeof(WorkersSnapshot),
        ["msg.register-http-worker"] = typeof(RegisterHttpWorker),
        ["msg.registration-refused"] = typeof(RegistrationRefused),
        ["msg.http-worker-heartbeat"] = typeof(HttpWorkerHeartbeat),
        ["msg.resolve-file"] = typeof(ResolveFile),
        ["msg.resolve-upload"] = typeof(ResolveUpload),
        ["msg.file-location"] = typeof(FileLocation),
        // Messages between nodes: live views (Feed/)
        ["msg.job-changed"] = typeof(JobChanged),
        ["msg.task-changed"] = typeof(TaskChanged),
        ["msg.workers-changed"] = typeof(WorkersChanged),
    };

    public static readonly IReadOnlyDictionary<Type, string> ByType = ByName.ToDictionary(kv => kv.Value, kv => kv.Key);
}
