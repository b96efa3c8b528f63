using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Event;
using Akka.Transcode.Actors.Feed;
using Akka.Transcode.Actors.Tasks;
using Akka.Transcode.Actors.Telemetry;
using Akka.Transcode.Domain.Scheduling;

namespace Akka.Transcode.Actors.Workers;

/// <summary>
/// The live workers, their slots and the queue of waiting tasks (higher priority first, then older jobs first).
/// Equal priority and age (the tasks of one job) go in task order. A cluster singleton on master nodes. It keeps nothing on disk: after a fail-over, workers register again on
/// their next heartbeat and waiting tasks ask again, which rebuilds everything it knew.
/// Workers outside the cluster (HTTP workers) are represented by an <see cref="HttpWorkerProxy"/> child each, which
/// the registry treats like any worker's actor; it also knows which files those workers may fetch and send back.
/// </summary>
public sealed class WorkerRegistry : ReceiveActor, IWithTimers
{
    private readonly IActorRef _tasks;
    private readonly TranscodeSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, Worker> _workers = new();
    private readonly Dictionary<string, Waiting> _waitingByTask = new();
    private readonly SortedSet<Waiting> _queue = new(Comparer<Waiting>.Create((a, b) => DispatchPolicy.QueueOrder.Compare(a.Key, b.Key)));
    private readonly IWorkerGateway? _gateway;
    private readonly ChangeFeed _changes;
    /// <summary>What the last <see cref="WorkersChanged"/> showed, heartbeat times aside.</summary>
    private string _published = "";
    /// <summary>Tasks running on HTTP workers: the files they may fetch by id and where their output goes.</summary>
    private readonly Dictionary<string, ServeFiles> _served = new();
    private long _seq;
    private long _proxies;
    private TaskQueueGauge? _gauge;

    public ITimerScheduler Timers { get; set; } = null!;

    public WorkerRegistry(IActorRef tasks, TranscodeSettings settings, IWorkerGateway? gateway = null,
        ChangeFeed? changes = null)
    {
        _changes = changes ?? ChangeFeed.None;
        _tasks = tasks;
        _settings = settings;
        _gateway = gateway;

        Receive<RegisterWorker>(OnRegister);
        Receive<WorkerHeartbeat>(OnHeartbeat);
        Receive<RequestWork>(OnRequest);
        Receive<WithdrawWork>(m => Dequeue(m.TaskId));
        Receive<WorkerLeaving>(m =>
        {
            // Only the registered process may say it leaves: a late message of an earlier one changes nothing.
            if (_workers.TryGetValue(m.WorkerId, out var w) && w.Ref.Equals(Sender)) RemoveWorker(w, "it is shutting down");
        });
        Receive<AssignmentRejected>(OnRejected);
        Receive<SlotFreed>(m =>
        {
            if (_workers.TryGetValue(m.WorkerId, out var w)) w.Running.Remove((m.TaskId, m.Attempt));
            Dispatch();
        });
        Receive<CancelAttempt>(m =>
        {
            foreach (var w in _workers.Values)
                if (w.Running.ContainsKey((m.TaskId, m.Attempt))) w.Ref.Tell(m);
        });
        Receive<GetWorkers>(_ => Sender.Tell(Snapshot()));
        Receive<Terminated>(m =>
        {
            var dead = _workers.Values.FirstOrDefault(w => w.Ref.Equals(m.ActorRef));
            if (dead is not null) RemoveWorker(dead, "its node left the cluster or its actor stopped");
        });
        Receive<Sweep>(_ =>
        {
            SweepSilentWorkers();
            PublishIfChanged();
        });
        Receive<AttemptOutcome>(OnOutcome);
        Receive<QuarantineOver>(_ => Dispatch());

        Receive<RegisterHttpWorker>(OnRegisterHttp);
        Receive<HttpWorkerHeartbeat>(m =>
        {
            if (!_workers.TryGetValue(m.WorkerId, out var w) || !w.IsHttp)
            {
                Sender.Tell(new UnknownWorker(m.WorkerId));
                return;
            }
            w.LastSeen = DateTimeOffset.UtcNow;
            Sender.Tell(new HeartbeatAck(m.WorkerId));
        });
        Receive<WorkerUnreachable>(m =>
        {
            if (_workers.TryGetValue(m.WorkerId, out var w) && w.Ref.Equals(Sender)) RemoveWorker(w, m.Reason);
        });
        Receive<ServeFiles>(m => _served[m.TaskId] = m);
        Receive<ReleaseFiles>(m => _served.Remove(m.TaskId));
        Receive<ResolveFile>(m => Sender.Tell(Resolve(m)));
        Receive<ResolveUpload>(m => Sender.Tell(_served.GetValueOrDefault(m.TaskId) is not { } s ? new FileLocation(null)
            : TokenMatches(s, m.FileToken) ? new FileLocation(s.OutputPath) : new FileLocation(null, Forbidden: true)));
    }

    /// <summary>
    /// An input is served only to the holder of the file token of an attempt that reads it: a worker token alone
    /// does not open every input of every running task.
    /// </summary>
    private FileLocation Resolve(ResolveFile m)
    {
        var needing = _served.Values.Where(s => s.FileIds.Values.Contains(m.FileId)).ToList();
        if (needing.Count == 0) return new FileLocation(null);
        var mine = needing.FirstOrDefault(s => TokenMatches(s, m.FileToken));
        return mine is null
            ? new FileLocation(null, Forbidden: true)
            : new FileLocation(mine.FileIds.First(kv => kv.Value == m.FileId).Key);
    }

    private static bool TokenMatches(ServeFiles served, string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(served.FileToken), Encoding.UTF8.GetBytes(presented));

    public static Props Props(IActorRef tasks, TranscodeSettings settings, IWorkerGateway? gateway = null,
        ChangeFeed? changes = null) =>
        Akka.Actor.Props.Create(() => new WorkerRegistry(tasks, settings, gateway, changes));

    /// <summary>A failing proxy stops, which removes its worker (Terminated): its attempts are re-queued.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    protected override void PreStart()
    {
        _gauge = TaskQueueGauge.Start();
        Timers.StartPeriodicTimer("sweep", new Sweep(), TimeSpan.FromMilliseconds(500));
    }

    protected override void PostStop() => _gauge?.Dispose();

    /// <summary>After every message the queue and the running count are published for /metrics.</summary>
    protected override bool AroundReceive(Receive receive, object message)
    {
        var handled = base.AroundReceive(receive, message);
        _gauge?.Set(_queue.Count, _workers.Values.Sum(w => w.Running.Count));
        return handled;
    }

    /// <summary>Stable across registrations and registry fail-overs: derived from the worker's address only.</summary>
    public static string WorkerIdFor(string key) =>
        "w-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..12].ToLowerInvariant();

    private void OnRegister(RegisterWorker m)
    {
        var id = WorkerIdFor(m.Key);
        if (_workers.TryGetValue(id, out var existing) && !existing.Ref.Equals(Sender))
            RemoveWorker(existing, "it registered again from a new process");
        if (!_workers.ContainsKey(id))
        {
            _workers[id] = new Worker(id, m.Key, Sender, Math.Max(1, m.Slots), m.HttpEndpoint)
            {
                LastSeen = DateTimeOffset.UtcNow, Cores = Math.Max(0, m.Cores), ThreadsPerTask = Math.Max(0, m.ThreadsPerTask),
            };
            Context.Watch(Sender);
            _log.Info("worker {WorkerId} registered from {WorkerKey} with {Slots} slot(s), {Running} attempt(s) running", id, m.Key, m.Slots, m.Running?.Count ?? 0);
        }
        // A worker that registers with a registry that restarted elsewhere may run attempts already. Until its first
        // heartbeat said so, their tasks (which ask again and again) could be handed to another worker as well.
        foreach (var r in m.Running ?? []) Running(_workers[id], (r.TaskId, r.Attempt), DateTimeOffset.UtcNow);
        Sender.Tell(new WorkerRegistered(id));
        Dispatch();
    }

    /// <summary>Counts an attempt the worker says it runs; a request for that same attempt still queued is a repeat.</summary>
    private void Running(Worker w, (string TaskId, int Attempt) key, DateTimeOffset now)
    {
        if (!w.Running.TryAdd(key, now)) return;
        if (_waitingByTask.TryGetValue(key.TaskId, out var waiting) && waiting.Request.Attempt == key.Attempt) Dequeue(key.TaskId);
    }

    /// <summary>
    /// A worker outside the cluster. A known one registers again after it restarted (a running worker just
    /// heartbeats), but anyone with a worker token can send the same ip:port. So a registration of a live worker
    /// changes nothing by itself: its proxy asks the worker at that address about every attempt at once, and only
    /// the attempts the worker no longer knows (it really restarted) go back to the queue. A forged registration
    /// leaves the worker, its slots and its attempts as they were.
    /// </summary>
    private void OnRegisterHttp(RegisterHttpWorker m)
    {
        if (_gateway is null)
        {
            Sender.Tell(new UnknownWorker("")); // this master cannot call workers over HTTP
            return;
        }
        var host = m.Ip.Contains(':') ? $"[{m.Ip}]" : m.Ip;
        var key = $"http:{host}:{m.Port}";
        var id = WorkerIdFor(key);
        if (_workers.TryGetValue(id, out var existing))
        {
            existing.Ref.Tell(VerifyAttempts.Instance);
            _log.Info("worker {WorkerId} ({WorkerKey}) registered again: checking its {Running} attempt(s) with the worker", id, key, existing.Running.Count);
            Sender.Tell(new WorkerRegistered(id));
            return;
        }
        var sameIp = _workers.Values.Count(w => w.IsHttp && w.Ip == m.Ip);
        if (sameIp >= _settings.MaxHttpWorkersPerAddress)
        {
            _log.Warning("refused to register a worker at {WorkerKey}: {Count} are registered under {Ip} already", key, sameIp, m.Ip);
            Sender.Tell(new RegistrationRefused(
                $"{sameIp} workers are registered under {m.Ip} already (Transcode:Worker:MaxWorkersPerAddress); retry once one has gone"));
            return;
        }
        var proxy = Context.ActorOf(HttpWorkerProxy.Props(id, $"http://{host}:{m.Port}", _tasks, _gateway, _settings),
            $"{id}-{++_proxies}"); // a stopped proxy's name stays taken until it has terminated
        _workers[id] = new Worker(id, key, proxy, Math.Max(1, m.Slots), $"http://{host}:{m.Port}")
        {
            LastSeen = DateTimeOffset.UtcNow, IsHttp = true, Ip = m.Ip, Node = "http:" + m.Ip,
        };
        Context.Watch(proxy);
        _log.Info("worker {WorkerId} registered from {WorkerKey} with {Slots} slot(s)", id, key, m.Slots);
        Sender.Tell(new WorkerRegistered(id));
        Dispatch();
    }

    private void OnHeartbeat(WorkerHeartbeat m)
    {
        if (!_workers.TryGetValue(m.WorkerId, out var w))
        {
            Sender.Tell(new UnknownWorker(m.WorkerId));
            return;
        }
        var now = DateTimeOffset.UtcNow;
        w.LastSeen = now;
        // The worker's own list wins, except for assignments too recent to be in it yet.
        var reported = m.Running.Select(r => (r.TaskId, r.Attempt)).ToHashSet();
        foreach (var key in w.Running.Keys.ToList())
            if (!reported.Contains(key) && now - w.Running[key] > _settings.HeartbeatInterval * 3)
                w.Running.Remove(key);
        foreach (var key in reported) Running(w, key, now);
        Sender.Tell(new HeartbeatAck(m.WorkerId));
        Dispatch();
    }

    private void OnRequest(RequestWork m)
    {
        if (_workers.Values.Any(w => w.Running.ContainsKey((m.TaskId, m.Attempt)))) return;
        if (_waitingByTask.TryGetValue(m.TaskId, out var old))
        {
            if (old.Request.Attempt == m.Attempt) return;
            _queue.Remove(old);
        }
        var waiting = new Waiting(m, old?.Seq ?? ++_seq);
        _waitingByTask[m.TaskId] = waiting;
        _queue.Add(waiting);
        Dispatch();
    }

    private void OnRejected(AssignmentRejected m)
    {
        if (_workers.TryGetValue(m.WorkerId, out var w) && w.Running.Remove((m.TaskId, m.Attempt), out _)
            && w.Assigned.Remove((m.TaskId, m.Attempt), out var request))
            OnRequest(request);
    }

    private void Dequeue(string taskId)
    {
        if (_waitingByTask.Remove(taskId, out var w)) _queue.Remove(w);
    }

    /// <summary>
    /// Hands waiting tasks, in queue order, to the worker with the most free slots among those that may take it:
    /// not quarantined by its circuit breaker, and not one an earlier attempt of the task failed on unless every
    /// registered worker is. A task that must wait for another worker does not hold up the tasks behind it.
    /// </summary>
    private void Dispatch()
    {
        if (_queue.Count == 0) return;
        var now = DateTimeOffset.UtcNow;
        var open = _workers.Values.Where(w => !w.IsQuarantined(now)).ToList();
        if (!open.Any(w => w.Free > 0)) return;
        // The queue is walked in place, and only as far as the free slots reach: it can hold every task of a
        // 100,000-job backlog, and copying it on each dispatch (once per finished task) made draining such a backlog
        // slow down six-fold. What is handed out leaves the queue after the walk.
        var handedOut = new List<Waiting>();
        // What slot choice sees changes only when a task is handed out: a task that must wait for another worker
        // leaves it as it was.
        List<WorkerSlots> Slots() => open.Select(w => new WorkerSlots(w.Id, w.Node, w.Free, w.Running.Count)).ToList();
        var slots = Slots();
        foreach (var next in _queue)
        {
            var r = next.Request;
            var chosen = DispatchPolicy.ChooseWorker(slots, r.Avoid);
            if (chosen is null) continue;
            var worker = _workers[chosen];
            handedOut.Add(next);
            worker.Running[(r.TaskId, r.Attempt)] = now;
            worker.Assigned[(r.TaskId, r.Attempt)] = r;
            worker.Ref.Tell(new AssignTask(r.TaskId, r.Attempt, r.Spec, worker.Id));
            if (!open.Any(w => w.Free > 0)) break;
            slots = Slots();
        }
        foreach (var w in handedOut)
        {
            _queue.Remove(w);
            _waitingByTask.Remove(w.Request.TaskId);
        }
    }

    private void OnOutcome(AttemptOutcome m)
    {
        if (!_workers.TryGetValue(m.WorkerId, out var w) || _settings.WorkerBreakerFailures <= 0) return;
        if (m.Success)
        {
            w.ConsecutiveFailures = 0;
            return;
        }
        if (!m.WorkerFault) return;
        w.ConsecutiveFailures++;
        if (w.ConsecutiveFailures >= _settings.WorkerBreakerFailures && !w.IsQuarantined(DateTimeOffset.UtcNow))
        {
            // The count is kept: after the quarantine one more failure sends it back at once (half-open), and
            // only a success clears it.
            w.QuarantinedUntil = DateTimeOffset.UtcNow + _settings.WorkerQuarantine;
            _log.Warning("worker {0} ({1}) failed {2} attempts in a row; no work for it until {3:O}", w.Id, w.Key,
                _settings.WorkerBreakerFailures, w.QuarantinedUntil);
            Timers.StartSingleTimer("quarantine-" + w.Id, new QuarantineOver(), _settings.WorkerQuarantine);
        }
    }

    private void SweepSilentWorkers()
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var w in _workers.Values.Where(w => now - w.LastSeen > _settings.WorkerTimeout).ToList())
            RemoveWorker(w, $"no heartbeat for {(now - w.LastSeen).TotalSeconds:0.#} s");
        foreach (var w in _workers.Values)
        foreach (var key in w.Assigned.Keys.Where(k => !w.Running.ContainsKey(k)).ToList())
            w.Assigned.Remove(key);
    }

    private void RemoveWorker(Worker w, string reason)
    {
        _log.Warning("worker {WorkerId} ({WorkerKey}) is gone: {Reason}; {Attempts} attempt(s) go back to the queue", w.Id, w.Key, reason, w.Running.Count);
        _workers.Remove(w.Id);
        Context.Unwatch(w.Ref);
        if (w.IsHttp)
        {
            // The proxy is this registry's child: stopping it cancels what may still run on the worker.
            Context.Stop(w.Ref);
            foreach (var (taskId, _) in w.Running.Keys) _served.Remove(taskId);
        }
        foreach (var (taskId, attempt) in w.Running.Keys)
            _tasks.Tell(new AttemptWorkerLost(taskId, attempt, w.Id, reason));
        Dispatch();
    }

    /// <summary>
    /// Checked on every sweep (twice a second) rather than at each of the many places that change workers or the
    /// queue: one comparison catches them all, and a burst of changes goes out as one publication.
    /// </summary>
    private void PublishIfChanged()
    {
        var snapshot = Snapshot();
        var shown = string.Join(';', snapshot.Workers.Select(w =>
            $"{w.WorkerId}/{w.Slots}/{w.ConsecutiveFailures}/{w.QuarantinedUntil:O}/{string.Join(',', w.Running.Select(r => $"{r.TaskId}#{r.Attempt}").Order())}")) + "|" + snapshot.QueueLength;
        if (shown == _published) return;
        _published = shown;
        _changes.Publish(new WorkersChanged(snapshot));
    }

    private WorkersSnapshot Snapshot() => new(
        _workers.Values.OrderBy(w => w.Key).Select(w => new WorkerInfo(w.Id, w.Key, w.HttpEndpoint, w.Slots,
            w.Running.Keys.Select(k => new RunningAttempt(k.TaskId, k.Attempt)).ToList(), w.LastSeen,
            w.ConsecutiveFailures, w.IsQuarantined(DateTimeOffset.UtcNow) ? w.QuarantinedUntil : null,
            w.Node, w.Cores, w.ThreadsPerTask)).ToList(),
        _queue.Count);

    private sealed record Sweep;

    private sealed record QuarantineOver;

    private sealed record Waiting(RequestWork Request, long Seq)
    {
        public WaitingTask Key { get; } = new(Request.TaskId, Request.Priority, Request.JobCreatedAt, Request.Spec.Index, Seq);
    }

    private sealed class Worker(string id, string key, IActorRef @ref, int slots, string? http)
    {
        public string Id { get; } = id;
        public string Key { get; } = key;
        public IActorRef Ref { get; } = @ref;
        public int Slots { get; } = slots;
        public string? HttpEndpoint { get; } = http;
        /// <summary>The machine: workers on one share its cores (slot choice spreads a job's pieces over machines).</summary>
        public string Node { get; init; } = key;
        public int Cores { get; init; }
        public int ThreadsPerTask { get; init; }
        public DateTimeOffset LastSeen { get; set; }
        /// <summary>Outside the cluster: <see cref="Ref"/> is this registry's own <see cref="HttpWorkerProxy"/> child.</summary>
        public bool IsHttp { get; init; }
        /// <summary>HTTP workers: the ip they registered, for the cap on workers per address.</summary>
        public string? Ip { get; init; }
        /// <summary>Attempts on this worker, with when they were assigned or last reported.</summary>
        public Dictionary<(string TaskId, int Attempt), DateTimeOffset> Running { get; } = new();
        /// <summary>Assignments not yet confirmed, kept so a rejected one can go back to the queue.</summary>
        public Dictionary<(string TaskId, int Attempt), RequestWork> Assigned { get; } = new();
        public int Free => Slots - Running.Count;
        public int ConsecutiveFailures { get; set; }
        public DateTimeOffset? QuarantinedUntil { get; set; }
        public bool IsQuarantined(DateTimeOffset now) => QuarantinedUntil > now;
    }
}
