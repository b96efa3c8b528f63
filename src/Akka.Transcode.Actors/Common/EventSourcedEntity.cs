using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;
using Akka.Transcode.Actors.Telemetry;
using Akka.Transcode.Domain.Views;

namespace Akka.Transcode.Actors.Common;

/// <summary>
/// What the job and task entities share: a state record folded from their events, recovery from the journal alone,
/// persisting a batch of decided events before one continuation, a throttled live view, and passivation through the
/// shard. The entity itself decides (through its state record) and talks.
/// </summary>
/// <typeparam name="TState">The entity's state record; <see cref="Apply"/> folds one event into it.</typeparam>
public abstract class EventSourcedEntity<TState, TEvent> : ReceivePersistentActor, IWithTimers
    where TState : class
    where TEvent : class
{
    private const string PublishTimer = "publish";

    private readonly KeyValuePair<string, object?> _journalTag;
    private readonly TimeSpan _liveViewInterval;
    private LiveViewThrottle _liveView = LiveViewThrottle.Never;

    /// <param name="entityKind">The entity's name in the journal-write metric ("job", "task").</param>
    protected EventSourcedEntity(string persistenceId, TState empty, string entityKind, TimeSpan liveViewInterval)
    {
        PersistenceId = persistenceId;
        State = empty;
        _journalTag = TranscodeMetrics.Tag("entity", entityKind);
        _liveViewInterval = liveViewInterval;
        Recover<TEvent>(e => State = Apply(State, e));
        Command<PublishDue>(_ => PublishView());
    }

    public sealed override string PersistenceId { get; }

    /// <summary>No snapshots are ever saved: recovering from the journal alone spares every start of an entity (each
    /// new one, and each read after it passivated) a query through the single snapshot-store actor.</summary>
    public sealed override Recovery Recovery => NoSnapshots;

    private static readonly Recovery NoSnapshots = new(SnapshotSelectionCriteria.None);

    public ITimerScheduler Timers { get; set; } = null!;

    protected TState State { get; set; }

    protected abstract TState Apply(TState state, TEvent e);

    /// <summary>
    /// The view live readers are shown now, with the figures that make it worth publishing again when they change
    /// (a value-compared tuple), and how to announce it; null while there is nothing to show.
    /// </summary>
    protected abstract (object Key, Action Announce)? LiveView();

    /// <summary>Stores <paramref name="events"/> in one batch, folds them in, publishes the view, then runs
    /// <paramref name="then"/>; with no events, runs it at once.</summary>
    protected void PersistThen(IReadOnlyList<TEvent> events, Action then)
    {
        if (events.Count == 0)
        {
            then();
            return;
        }
        var remaining = events.Count;
        var started = Stopwatch.GetTimestamp();
        // Untagged on purpose: Akka.Persistence.Sql inserts a tagged row on its own (to learn its ordering for the tag
        // table) where untagged rows of many entities go in one multi-row insert. The job list finds job events by
        // their persistence id instead (JournalTail).
        PersistAll(events, e =>
        {
            State = Apply(State, e);
            if (--remaining > 0) return;
            // One write per batch: the journal stores a PersistAll atomically and calls the handlers right after.
            TranscodeMetrics.JournalWrite.Record(TranscodeMetrics.SecondsSince(started), _journalTag);
            PublishView();
            then();
        });
    }

    /// <summary>Moving figures changed: publish now, or once the interval since the last publication has passed (then
    /// with the newest figures).</summary>
    protected void LiveViewMoved()
    {
        var wait = _liveView.Wait(_liveViewInterval, DateTimeOffset.UtcNow);
        if (wait <= TimeSpan.Zero) PublishView();
        else if (!Timers.IsTimerActive(PublishTimer)) Timers.StartSingleTimer(PublishTimer, new PublishDue(), wait);
    }

    /// <summary>Announces the view to live readers when something they show changed: a state change persisted right
    /// after the same figures went out live is not sent twice.</summary>
    protected void PublishView()
    {
        if (LiveView() is not { } view || !_liveView.Changed(view.Key)) return;
        Timers.Cancel(PublishTimer);
        _liveView = _liveView.Published(view.Key, DateTimeOffset.UtcNow);
        view.Announce();
    }

    protected void Passivate() => Context.Parent.Tell(new Passivate(PoisonPill.Instance));

    private sealed record PublishDue;
}
