using Akka.Actor;
using Akka.Event;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Domain.Jobs;

namespace Akka.Transcode.Actors.ReadModel;

/// <summary>
/// Feeds the job list from the journal: events tagged "job", read in journal order from the stored offset,
/// applied in batches. One instance runs in the cluster (a singleton), so rows have a single writer. The stream
/// restarts with backoff on any failure and continues from the last committed offset.
/// </summary>
public sealed class JobProjector : ReceiveActor
{
    public const string Name = "job-list";

    private readonly JobReadStore _store;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private UniqueKillSwitch? _kill;

    public JobProjector(JobReadStore store)
    {
        _store = store;
        ReceiveAny(_ => { });
    }

    public static Props Props(JobReadStore store) => Akka.Actor.Props.Create(() => new JobProjector(store));

    protected override void PreStart()
    {
        var journal = PersistenceQuery.Get(Context.System).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var store = _store;
        var log = _log;
        var settings = RestartSettings.Create(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), 0.2);
        _kill = RestartSource.OnFailuresWithBackoff(() =>
                // The node created the tables before the actor system started.
                Source.FromTask(store.LoadOffsetAsync(Name))
                    .ConcatMany(offset => journal.EventsByTag(JobEntity.Tag, Offset.Sequence(offset)))
                    .Where(e => e.Event is IJobEvent)
                    .Select(e => (((Sequence)e.Offset).Value, (IJobEvent)e.Event))
                    .GroupedWithin(1000, TimeSpan.FromMilliseconds(50))
                    .SelectAsync(1, async batch =>
                    {
                        var list = batch.ToList();
                        await store.ApplyAsync(Name, list);
                        return list.Count;
                    })
                    .Recover(ex =>
                    {
                        log.Warning(ex, "job list projection failed; restarting from the last stored offset");
                        throw ex;
                    }),
                settings)
            .ViaMaterialized(KillSwitches.Single<int>(), Keep.Right)
            .To(Sink.Ignore<int>())
            .Run(Context.Materializer());
    }

    protected override void PostStop() => _kill?.Shutdown();
}
