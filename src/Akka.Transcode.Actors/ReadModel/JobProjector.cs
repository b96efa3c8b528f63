using Akka.Actor;
using Akka.Event;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Actors.Storage;
using Akka.Transcode.Domain.Jobs;

namespace Akka.Transcode.Actors.ReadModel;

/// <summary>How the job list follows the journal.</summary>
/// <param name="Interval">Pause between looks at the journal's tail when the last one found nothing more to read.</param>
/// <param name="PageSize">Journal rows read per look.</param>
/// <param name="GapTimeout">How long a hole in the journal's orderings is waited for (see <see cref="JournalWatermark"/>).</param>
/// <param name="LateWindow">How long holes given up on are still checked for rows that arrived late.</param>
public sealed record ProjectorSettings(TimeSpan Interval, int PageSize, TimeSpan GapTimeout, TimeSpan LateWindow)
{
    public static readonly ProjectorSettings Default = new(TimeSpan.FromMilliseconds(250), 5000,
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10));
}

/// <summary>
/// Feeds the job list from the journal: rows read in ordering order from the stored offset, the job entities' ones
/// applied, the offset moved with them in one transaction. One instance runs in the cluster (a singleton), so rows
/// have a single writer. Reads and writes run as tasks whose results come back as messages; a failed look is
/// retried with backoff from the last committed offset.
/// </summary>
public sealed class JobProjector : ReceiveActor, IWithTimers
{
    public const string Name = "job-list";

    private sealed record Poll;
    private sealed record Started(long Offset);
    private sealed record Polled(WatermarkStep Step, int Rows, IReadOnlyList<long> LateFound);
    private sealed record Failed(Exception Error);
    private sealed record LateGap(OrderingGap Gap, DateTimeOffset GivenUpAt);

    private readonly IJobListWriter _list;
    private readonly IJournalTail _tail;
    private readonly ProjectorSettings _settings;
    private readonly Akka.Serialization.Serialization _serialization;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private long _watermark;
    private IReadOnlyList<OrderingGap> _pending = [];
    private readonly List<LateGap> _late = [];
    private readonly HashSet<long> _lateSeen = [];
    private TimeSpan _backoff;
    private bool _toldNoJournal;

    public ITimerScheduler Timers { get; set; } = null!;

    public JobProjector(IJobListWriter list, IJournalTail tail, ProjectorSettings settings)
    {
        _list = list;
        _tail = tail;
        _settings = settings;
        _serialization = Context.System.Serialization;
        _backoff = settings.Interval;

        Receive<Poll>(_ => Load());
        Receive<Started>(s =>
        {
            _watermark = s.Offset;
            _backoff = _settings.Interval;
            Become(Following);
            Self.Tell(new Poll());
        });
        Receive<Failed>(f => RetryLater(f.Error));
    }

    public static Props Props(IJobListWriter list, IJournalTail tail, ProjectorSettings? settings = null) =>
        Akka.Actor.Props.Create(() => new JobProjector(list, tail, settings ?? ProjectorSettings.Default));

    protected override void PreStart() => Load();

    private void Load()
    {
        // The node created the tables before the actor system started.
        var list = _list;
        async Task<long> Start()
        {
            await list.EnsureCountsAsync();
            return await list.LoadOffsetAsync(Name);
        }
        Start().PipeTo(Self, success: o => new Started(o), failure: e => new Failed(e));
    }

    private void Following()
    {
        Receive<Poll>(_ => PollOnce());
        Receive<Polled>(p =>
        {
            var now = DateTimeOffset.UtcNow;
            foreach (var gap in p.Step.GivenUp)
            {
                _log.Warning("job list: journal orderings {0}..{1} stayed empty for {2:0.#} s (a writer crashed or rolled " +
                             "back); reading on, and rows that still arrive there are applied late", gap.From, gap.To,
                    (now - gap.FirstSeen).TotalSeconds);
                _late.Add(new LateGap(gap, now));
            }
            _late.RemoveAll(l => now - l.GivenUpAt > _settings.LateWindow);
            _lateSeen.UnionWith(p.LateFound);
            if (_late.Count == 0) _lateSeen.Clear();
            _watermark = p.Step.Watermark;
            _pending = p.Step.Pending;
            _backoff = _settings.Interval;
            // A full page means the list is behind: read on at once.
            if (p.Rows >= _settings.PageSize) Self.Tell(new Poll());
            else Timers.StartSingleTimer("poll", new Poll(), _settings.Interval);
        });
        Receive<Failed>(f => RetryLater(f.Error));
    }

    private void RetryLater(Exception error)
    {
        if (DatabaseErrors.IsMissingTable(error))
        {
            // A fresh database: the plugin creates its tables with the journal's first use. Nothing failed, and the
            // first job must not wait out a grown backoff: look again every second.
            if (!_toldNoJournal) _log.Info("job list: the journal has no tables yet (they are created on its first use); waiting for them");
            _toldNoJournal = true;
            Timers.StartSingleTimer("poll", new Poll(), TimeSpan.FromSeconds(1));
            return;
        }
        _log.Warning(error, "job list projection failed; retrying in {0:0.#} s from the last stored offset", _backoff.TotalSeconds);
        Timers.StartSingleTimer("poll", new Poll(), _backoff);
        _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
    }

    private void PollOnce()
    {
        var (watermark, pending, settings) = (_watermark, _pending, _settings);
        var late = _late.Select(l => l.Gap).ToList();
        var lateSeen = _lateSeen.ToHashSet();
        RunAsync(watermark, pending, late, lateSeen, settings)
            .PipeTo(Self, success: p => p, failure: e => new Failed(e));
    }

    private async Task<Polled> RunAsync(long watermark, IReadOnlyList<OrderingGap> pending, IReadOnlyList<OrderingGap> late,
        HashSet<long> lateSeen, ProjectorSettings settings)
    {
        var rows = await _tail.ReadAfterAsync(JobEntity.PersistenceIdPrefix, watermark, settings.PageSize);
        var step = JournalWatermark.Advance(watermark, rows.Select(r => r.Ordering).ToList(), pending,
            DateTimeOffset.UtcNow, settings.GapTimeout);
        if (step.Watermark > watermark)
        {
            var events = rows.Where(r => r.Ordering <= step.Watermark && r.Message is not null)
                .Select(Deserialize).OfType<IJobEvent>().ToList();
            await _list.ApplyAsync(Name, events, step.Watermark);
        }

        // Rows that arrived in holes given up on: their job's row is rebuilt from its whole stream, since an event
        // applied out of order could have moved the row backwards.
        var lateFound = new List<long>();
        if (late.Count > 0)
        {
            var found = (await _tail.ReadInAsync(JobEntity.PersistenceIdPrefix, late.Select(g => (g.From, g.To)).ToList()))
                .Where(f => !lateSeen.Contains(f.Ordering)).ToList();
            var rebuilt = new List<JobSummary>();
            foreach (var pid in found.Select(f => f.PersistenceId).Distinct())
            {
                JobSummary? row = null;
                foreach (var r in await _tail.ReadStreamAsync(pid))
                    if (Deserialize(r) is IJobEvent e) row = JobSummary.Apply(row, e);
                if (row is not null) rebuilt.Add(row);
            }
            await _list.ReplaceAsync(rebuilt);
            lateFound.AddRange(found.Select(f => f.Ordering));
        }
        return new Polled(step, rows.Count, lateFound);
    }

    /// <summary>An unreadable row is logged and left out: stopping at it would freeze the whole list.</summary>
    private object? Deserialize(TailRow r)
    {
        if (r.Message is null) return null;
        try
        {
            if (r.SerializerId is { } id) return _serialization.Deserialize(r.Message, id, r.Manifest ?? "");
            // Rows written without a serializer id name their type in the manifest.
            var type = Type.GetType(r.Manifest ?? "", throwOnError: true)!;
            return _serialization.FindSerializerForType(type).FromBinary(r.Message, type);
        }
        catch (Exception e)
        {
            _log.Error(e, "job list: journal row {0} of {1} (manifest {2}) cannot be read; left out", r.Ordering,
                r.PersistenceId, r.Manifest);
            return null;
        }
    }
}
