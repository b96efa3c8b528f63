using Akka.Actor;
using Akka.Event;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Actors.Storage;
using Akka.Transcode.Domain.Jobs;

namespace Akka.Transcode.Actors.ReadModel;

/// <summary>How long ended jobs are kept (Transcode:Jobs:RetentionDays; zero keeps them forever), how often the
/// sweeper looks, and how many jobs it forgets per look.</summary>
public sealed record RetentionSettings(TimeSpan Retention, TimeSpan Interval, int BatchSize = 100)
{
    public static readonly RetentionSettings Default = new(TimeSpan.FromDays(30), TimeSpan.FromMinutes(10));
    public bool Enabled => Retention > TimeSpan.Zero;
}

/// <summary>
/// Keeps history bounded: every <see cref="RetentionSettings.Interval"/> it takes a batch of ended jobs past their
/// retention (<see cref="RetentionPolicy"/>), has each job's entity delete its events and its tasks' through the
/// persistence plugin (<see cref="PurgeJob"/>), and then removes their list rows with the counts
/// (<see cref="IRetentionStorage.ForgetAsync"/>). A full batch is followed by the next at once, so a backlog drains in
/// bounded steps. One runs in the cluster, a singleton on the masters beside the job list's projection. A job whose
/// purge fails (a task still winding down, a database error) keeps its row and is tried again by a later sweep.
/// </summary>
public sealed class RetentionSweeper : ReceiveActor, IWithTimers
{
    public static readonly TimeSpan PurgeTimeout = TimeSpan.FromSeconds(30);

    private sealed record Sweep;
    private sealed record Swept(int Forgotten, int Candidates);
    private sealed record Failed(Exception Error);

    private readonly IRetentionStorage _store;
    private readonly IActorRef _jobs;
    private readonly RetentionSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _sweeping;

    public ITimerScheduler Timers { get; set; } = null!;

    public RetentionSweeper(IRetentionStorage store, IActorRef jobs, RetentionSettings settings)
    {
        _store = store;
        _jobs = jobs;
        _settings = settings;
        Receive<Sweep>(_ =>
        {
            if (_sweeping || !_settings.Enabled) return;
            _sweeping = true;
            RunAsync().PipeTo(Self, success: s => s, failure: e => new Failed(e));
        });
        Receive<Swept>(s =>
        {
            _sweeping = false;
            if (s.Forgotten > 0) _log.Info("retention: forgot {0} ended job(s) past their retention ({1})", s.Forgotten, _settings.Retention);
            // A full batch of forgotten jobs: more are likely due, go on at once.
            if (s.Forgotten >= _settings.BatchSize) Self.Tell(new Sweep());
            else Timers.StartSingleTimer("sweep", new Sweep(), _settings.Interval);
        });
        Receive<Failed>(f =>
        {
            _sweeping = false;
            if (DatabaseErrors.IsMissingTable(f.Error))
                _log.Debug("retention: the journal has no tables yet");
            else
                _log.Warning(f.Error, "retention sweep failed; retrying in {0:0.#} s", _settings.Interval.TotalSeconds);
            Timers.StartSingleTimer("sweep", new Sweep(), _settings.Interval);
        });
    }

    public static Props Props(IRetentionStorage store, IActorRef jobs, RetentionSettings settings) =>
        Akka.Actor.Props.Create(() => new RetentionSweeper(store, jobs, settings));

    protected override void PreStart()
    {
        if (_settings.Enabled) Timers.StartSingleTimer("sweep", new Sweep(), _settings.Interval);
    }

    private async Task<Swept> RunAsync()
    {
        var now = DateTimeOffset.UtcNow;
        var candidates = await _store.EndedCreatedBeforeAsync(RetentionPolicy.CreatedBefore(now, _settings.Retention), _settings.BatchSize);
        var due = RetentionPolicy.Due(candidates, now, _settings.Retention);
        // Only jobs the list has read to the end: an event still unread would bring a removed row back.
        var ready = await _store.ProjectedAsync(JobProjector.Name, due, JobEntity.PersistenceIdPrefix);
        var forgotten = new List<string>();
        var streams = new List<string>();
        foreach (var id in ready)
        {
            JobPurged reply;
            try { reply = await _jobs.Ask<JobPurged>(new PurgeJob(id), PurgeTimeout); }
            catch (AskTimeoutException) { continue; }
            if (!reply.Purged) continue;
            forgotten.Add(id);
            streams.AddRange(reply.PersistenceIds);
        }
        await _store.ForgetAsync(forgotten, streams);
        return new Swept(forgotten.Count, candidates.Count);
    }
}
