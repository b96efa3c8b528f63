using Akka.Actor;
using Akka.Event;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Actors.Storage;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Jobs;
using Failure = Akka.Transcode.Domain.Failure;

namespace Akka.Transcode.Actors.Intake;

/// <summary>
/// Where add_job's submissions go on an api node. Submissions that arrive while a write is under way wait and go into
/// the next one together, so a burst of calls costs a few commits instead of one each; every caller is answered
/// only after the commit that stored its job (<see cref="IJobSubmissions.AppendAsync"/>). No entity starts here: the
/// job starter (<see cref="JobStarter"/>) starts the job's entity once the cluster has room for it.
/// A job whose id is taken, or a journal that has no tables yet, goes the way of one job at a time instead: to its
/// entity, which answers idempotently (the same job again) or with a conflict, and creates the tables.
/// </summary>
public sealed class JobIntake : ReceiveActor
{
    public const int MaxBatch = 500;
    public const string StoreFailed = "the job could not be stored; retry later";

    private sealed record Pending(SubmitJob Job, IActorRef ReplyTo);
    private sealed record Written(IReadOnlyList<Pending> Batch, Exception? Error);

    private readonly IJobSubmissions _queue;
    private readonly IActorRef _jobs;
    private readonly IActorRef _starter;
    private readonly Akka.Serialization.Serialization _serialization = Context.System.Serialization;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    // Akka persistence tells writers apart by this id (replay filtering); the intake is one writer per process.
    private readonly string _writerUuid = Guid.NewGuid().ToString("N");
    private readonly List<Pending> _waiting = [];
    private bool _writing;
    private bool _toldNoJournal;

    public JobIntake(IJobSubmissions queue, IActorRef jobs, IActorRef starter)
    {
        _queue = queue;
        _jobs = jobs;
        _starter = starter;
        Receive<SubmitJob>(m =>
        {
            _waiting.Add(new Pending(m, Sender));
            if (!_writing) Write();
        });
        Receive<Written>(OnWritten);
    }

    public static Props Props(IJobSubmissions queue, IActorRef jobs, IActorRef starter) =>
        Akka.Actor.Props.Create(() => new JobIntake(queue, jobs, starter));

    private void Write()
    {
        var batch = _waiting.Take(MaxBatch).ToList();
        _waiting.RemoveRange(0, batch.Count);
        var rows = new List<QueuedJob>(batch.Count);
        var now = DateTimeOffset.UtcNow;
        foreach (var p in batch)
        {
            // The entity's own rule for a new job, so a job stored here is the one it would have stored.
            var submitted = (JobSubmitted)JobEntityState.Empty.DecideSubmit(p.Job.JobId, p.Job.Spec, now).Value![0];
            var serializer = _serialization.FindSerializerFor(submitted);
            rows.Add(new QueuedJob(p.Job.JobId, p.Job.Spec.Priority, now, serializer.Identifier,
                Akka.Serialization.Serialization.ManifestFor(serializer, submitted), serializer.ToBinary(submitted),
                JobEntityState.Empty.Apply(submitted).ToSummary(0)));
        }
        _writing = true;
        _queue.AppendAsync(rows, _writerUuid)
            .PipeTo(Self, success: () => new Written(batch, null), failure: e => new Written(batch, e));
    }

    private void OnWritten(Written w)
    {
        _writing = false;
        if (w.Error is null)
        {
            foreach (var p in w.Batch) p.ReplyTo.Tell(new JobCommandReply(p.Job.JobId, null));
            _starter.Tell(JobsQueued.Instance);
        }
        else if (DatabaseErrors.IsUniqueViolation(w.Error) || DatabaseErrors.IsMissingTable(w.Error))
        {
            if (DatabaseErrors.IsMissingTable(w.Error) && !_toldNoJournal)
            {
                _toldNoJournal = true;
                _log.Info("job intake: the journal has no tables yet; new jobs go through their entities, which create them");
            }
            // The entity answers the caller itself: accepted, the same job again, or a conflict.
            foreach (var p in w.Batch) _jobs.Tell(p.Job, p.ReplyTo);
        }
        else
        {
            _log.Warning(w.Error, "job intake: storing {0} job(s) failed; their callers are told to retry", w.Batch.Count);
            // The database's own words (host names, table names, the SQL) stay in the log above.
            var failure = new Failure(ErrorCode.Unavailable, StoreFailed);
            foreach (var p in w.Batch) p.ReplyTo.Tell(new JobCommandReply(p.Job.JobId, failure));
        }
        if (_waiting.Count > 0) Write();
    }
}
