using Akka.Actor;
using Akka.Persistence;
using Akka.Transcode.Actors.Common;

namespace Akka.Transcode.Actors.Storage;

/// <summary>
/// Takes the persistence plugin's journal through what a job's entities do with it, once, before the node says it is
/// ready: recover a stream (its replay and highest-sequence-number reads), persist an event, delete it. The plugin
/// builds each of its queries from an expression tree the first time it runs it; without this a fresh master paid for
/// that inside its first job, on the cores the workers' ffmpeg runs on (docs/performance.md, "A warm first job").
/// The stream is one per node address and is left holding only the plugin's deleted marker; its id does not start
/// with <c>job-</c> or <c>task-</c>, so the job list and retention never look at it.
/// </summary>
public sealed class JournalWarmUp : ReceivePersistentActor
{
    public const string PersistenceIdPrefix = "warm-up-";

    private IActorRef? _asker;

    public JournalWarmUp(string node)
    {
        PersistenceId = PersistenceIdPrefix + node;
        Recover<Warmed>(_ => { });
        Command<Run>(_ =>
        {
            _asker = Sender;
            Persist(new Warmed(DateTimeOffset.UtcNow), _ => DeleteMessages(LastSequenceNr));
        });
        Command<DeleteMessagesSuccess>(_ => Done());
        Command<DeleteMessagesFailure>(_ => Done());
    }

    public override string PersistenceId { get; }

    public static Props Props(string node) => Akka.Actor.Props.Create(() => new JournalWarmUp(node));

    /// <summary>Recover, persist, delete; answered with <see cref="Warm"/>.</summary>
    public sealed record Run : ILocalMessage
    {
        public static readonly Run Instance = new();
    }

    /// <summary>
    /// The event it persists: not a job's or a task's, so nothing that audits or folds the journal's job events (the
    /// job list, the chaos test) ever counts it. Written by the same serializer as every event.
    /// </summary>
    public sealed record Warmed(DateTimeOffset At) : ITranscodeMessage;

    public sealed record Warm : ILocalMessage
    {
        public static readonly Warm Instance = new();
    }

    private void Done()
    {
        _asker?.Tell(Warm.Instance);
        Context.Stop(Self);
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr) => Done();
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr) => Done();
}
