using Akka.Actor;
using Akka.Event;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Actors.Storage;
using Akka.Transcode.Actors.Workers;

namespace Akka.Transcode.Actors.Intake;

/// <summary>How many queued jobs run at once, and how often the starter looks without being told to.</summary>
/// <param name="MinWindow">Jobs started and not ended, at least: enough to keep instant or many small workers busy.</param>
/// <param name="WindowPerSlot">Started jobs per worker slot of the cluster, when that is more than <paramref name="MinWindow"/>.</param>
/// <param name="Interval">The look without a cause: for ends that were not announced and for starts that failed.</param>
/// <param name="StartTimeout">How long a job entity has to answer its start; one that did not is asked again later.</param>
public sealed record StarterSettings(int MinWindow, int WindowPerSlot, TimeSpan Interval, TimeSpan StartTimeout)
{
    public static readonly StarterSettings Default = new(64, 4, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));

    public int Window(int slots) => Math.Max(MinWindow, WindowPerSlot * slots);
}

/// <summary>
/// Starts queued jobs (<see cref="IStartQueue"/>) in start order, highest priority then oldest, keeping a window of them
/// running: enough to keep every worker slot fed, few enough that a backlog of 100,000 jobs costs table rows rather
/// than live entities. A job is taken out of the queue only after its entity answered: from then on the entity
/// carries it (remember-entities brings it back after a crash). One instance runs in the cluster (a singleton on the
/// masters); a new one after a fail-over counts the jobs already running from the job list and goes on.
/// Database work runs as tasks whose results come back as messages.
/// </summary>
public sealed class JobStarter : ReceiveActor, IWithTimers
{
    private sealed record Tick;
    private sealed record Loaded(IReadOnlyList<string> Running);
    private sealed record Looked(IReadOnlyList<string> Removed, IReadOnlyList<string> Ended, IReadOnlyList<string> Next, int Slots);
    private sealed record LookFailed(Exception Error);
    private sealed record StartAnswered(string JobId, JobStartReply? Reply);

    private readonly IStartQueue _queue;
    private readonly IRunningJobs _list;
    private readonly IActorRef _jobs;
    private readonly IActorRef _registry;
    private readonly StarterSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    // Started jobs not known to have ended, answered or not yet.
    private readonly HashSet<string> _running = [];
    // Answered starts whose queue rows are still to be removed.
    private readonly HashSet<string> _taken = [];
    // Jobs whose entity did not know them (one that stopped a moment after finding nothing): asked again after this.
    private readonly Dictionary<string, DateTimeOffset> _later = [];
    private int _slots;
    private bool _looking;
    private bool _again;
    private int _failures;

    public ITimerScheduler Timers { get; set; } = null!;

    public JobStarter(IStartQueue queue, IRunningJobs list, IActorRef jobs, IActorRef registry, StarterSettings settings)
    {
        _queue = queue;
        _list = list;
        _jobs = jobs;
        _registry = registry;
        _settings = settings;

        Receive<Loaded>(l =>
        {
            _running.UnionWith(l.Running);
            if (l.Running.Count > 0) _log.Info("job starter: {0} job(s) already running", l.Running.Count);
            Become(Starting);
            Timers.StartPeriodicTimer("tick", new Tick(), _settings.Interval);
            Look();
        });
        Receive<LookFailed>(f =>
        {
            _log.Warning(f.Error, "job starter: reading the running jobs failed; trying again");
            Timers.StartSingleTimer("load", new Tick(), _settings.Interval);
        });
        Receive<Tick>(_ => Load());
        // Before the running jobs are known nothing starts; the first look after loading sees these anyway.
        Receive<JobsQueued>(_ => { });
        Receive<JobEnded>(_ => { });
        Receive<JobRunning>(m => { _running.Add(m.JobId); });
    }

    public static Props Props(IStartQueue queue, IRunningJobs list, IActorRef jobs, IActorRef registry, StarterSettings? settings = null) =>
        Akka.Actor.Props.Create(() => new JobStarter(queue, list, jobs, registry, settings ?? StarterSettings.Default));

    protected override void PreStart() => Load();

    private void Load()
    {
        var list = _list;
        list.RunningNotQueuedAsync().PipeTo(Self, success: ids => new Loaded(ids), failure: e => new LookFailed(e));
    }

    private void Starting()
    {
        Receive<Tick>(_ => Look());
        // New jobs only matter when the window has room; a full one waits for an end.
        Receive<JobsQueued>(_ => { if (_running.Count < _settings.Window(_slots)) Look(); });
        Receive<JobEnded>(m =>
        {
            if (_running.Remove(m.JobId)) Look();
        });
        // A job started some other way takes a place until the list or its entity says it ended.
        Receive<JobRunning>(m => { _running.Add(m.JobId); });
        Receive<Looked>(OnLooked);
        Receive<LookFailed>(f =>
        {
            _looking = false;
            // A database that is away says so once a minute, not every second.
            if (_failures++ % 60 == 0) _log.Warning(f.Error, "job starter: reading the queue failed; trying again every {0:0.#} s", _settings.Interval.TotalSeconds);
        });
        Receive<StartAnswered>(OnStartAnswered);
    }

    private void Look()
    {
        if (_looking)
        {
            _again = true;
            return;
        }
        _looking = true;
        _again = false;
        var (queue, list, registry, settings) = (_queue, _list, _registry, _settings);
        var taken = _taken.ToList();
        var running = _running.ToList();
        var later = _later.Count;
        var lastSlots = _slots;
        async Task<Looked> Run()
        {
            await queue.RemoveAsync(taken);
            var ended = running.Count > 0 ? await list.EndedAmongAsync(running) : [];
            var slots = lastSlots;
            try { slots = (await registry.Ask<WorkersSnapshot>(GetWorkers.Instance, FixedTimeouts.RegistryQuery)).TotalSlots; }
            catch (AskTimeoutException) { /* no registry yet: the slots last known */ }
            var free = settings.Window(slots) - (running.Count - ended.Count);
            // Jobs started and still in the queue come first in it: read past them.
            var next = free > 0 ? await queue.NextAsync(free + running.Count + later) : [];
            return new Looked(taken, ended, next, slots);
        }
        Run().PipeTo(Self, failure: e => new LookFailed(e));
    }

    private void OnLooked(Looked l)
    {
        _looking = false;
        _failures = 0;
        _slots = l.Slots;
        _taken.ExceptWith(l.Removed);
        _running.ExceptWith(l.Ended);
        var now = DateTimeOffset.UtcNow;
        foreach (var (id, at) in _later.ToList())
            if (at <= now) _later.Remove(id);
        var free = _settings.Window(_slots) - _running.Count;
        var started = 0;
        foreach (var id in l.Next)
        {
            if (started >= free) break;
            if (_running.Contains(id) || _later.ContainsKey(id)) continue;
            _running.Add(id);
            started++;
            _jobs.Ask<JobStartReply>(new StartJob(id), _settings.StartTimeout)
                .PipeTo(Self, success: r => new StartAnswered(id, r), failure: _ => new StartAnswered(id, null));
        }
        if (_again) Look();
    }

    private void OnStartAnswered(StartAnswered m)
    {
        switch (m.Reply)
        {
            case { Exists: true, Ended: false }:
                _taken.Add(m.JobId);
                break;
            case { Exists: true, Ended: true }:
                // Ended while queued (cancelled, or started some other way): only its queue row is left.
                _taken.Add(m.JobId);
                _running.Remove(m.JobId);
                break;
            case { Exists: false }:
                _running.Remove(m.JobId);
                _later[m.JobId] = DateTimeOffset.UtcNow + _settings.StartTimeout;
                break;
            default:
                // No answer in time: asked again at a later look.
                _running.Remove(m.JobId);
                _log.Warning("job starter: job {0} did not answer its start within {1:0.#} s; it is asked again", m.JobId,
                    _settings.StartTimeout.TotalSeconds);
                break;
        }
    }
}
