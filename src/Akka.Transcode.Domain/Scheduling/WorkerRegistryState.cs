using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Akka.Transcode.Domain.Tasks;

namespace Akka.Transcode.Domain.Scheduling;

/// <summary>One attempt of one task.</summary>
public readonly record struct AttemptKey(string TaskId, int Attempt);

/// <summary>A task's request for a slot, as the registry queues it. <paramref name="Avoid"/>: the workers earlier
/// attempts failed on.</summary>
public sealed record WorkRequest(string TaskId, int Attempt, TaskSpec Spec, int Priority, DateTimeOffset JobCreatedAt,
    IReadOnlyList<string>? Avoid = null);

/// <summary>A request in the queue, with its arrival number (the queue's last tie-breaker).</summary>
public sealed record QueuedRequest(WorkRequest Request, long Seq)
{
    public WaitingTask Key { get; } = new(Request.TaskId, Request.Priority, Request.JobCreatedAt, Request.Spec.Index, Seq);

    public static readonly IComparer<QueuedRequest> Order =
        Comparer<QueuedRequest>.Create((a, b) => DispatchPolicy.QueueOrder.Compare(a.Key, b.Key));
}

/// <summary>What the registry's decisions depend on besides time: from the settings, fixed for its life.</summary>
/// <param name="ReportGrace">An assignment too recent to be in a heartbeat's list yet is kept this long.</param>
/// <param name="BreakerFailures">Worker faults in a row that quarantine a worker; 0: no circuit breaker.</param>
public sealed record WorkerRules(TimeSpan WorkerTimeout, TimeSpan ReportGrace, int BreakerFailures, TimeSpan Quarantine,
    int MaxHttpWorkersPerAddress);

/// <summary>
/// A registered worker. <typeparamref name="TRef"/> is how the registry reaches the worker's process (its actor); the
/// set only compares it, to tell the registered process from a new or stale one.
/// </summary>
public sealed record RegisteredWorker<TRef>(string Id, string Key, TRef Ref, int Slots, string? HttpEndpoint)
{
    /// <summary>The machine: workers on one share its cores (slot choice spreads a job's pieces over machines).</summary>
    public string Node { get; init; } = Key;
    public int Cores { get; init; }
    public int ThreadsPerTask { get; init; }
    public DateTimeOffset LastSeen { get; init; }
    /// <summary>Outside the cluster: <see cref="Ref"/> is the registry's own proxy for it.</summary>
    public bool IsHttp { get; init; }
    /// <summary>HTTP workers: the ip they registered, for the cap on workers per address.</summary>
    public string? Ip { get; init; }
    /// <summary>Attempts on this worker, with when they were assigned or first reported.</summary>
    public ImmutableDictionary<AttemptKey, DateTimeOffset> Running { get; init; } = ImmutableDictionary<AttemptKey, DateTimeOffset>.Empty;
    /// <summary>Assignments not yet confirmed, kept so a rejected one can go back to the queue.</summary>
    public ImmutableDictionary<AttemptKey, WorkRequest> Assigned { get; init; } = ImmutableDictionary<AttemptKey, WorkRequest>.Empty;
    public int ConsecutiveFailures { get; init; }
    public DateTimeOffset? QuarantinedUntil { get; init; }
    public int Free => Slots - Running.Count;
    public bool IsQuarantined(DateTimeOffset now) => QuarantinedUntil > now;
}

/// <summary>What the registry must do after a decision, in this order.</summary>
public abstract record WorkerEffect<TRef>;

/// <summary>Hand this request to this worker.</summary>
public sealed record Assign<TRef>(RegisteredWorker<TRef> Worker, WorkRequest Request) : WorkerEffect<TRef>;

/// <summary>A worker joined (watch it); <paramref name="Running"/>: the attempts it said it runs already.</summary>
public sealed record Joined<TRef>(RegisteredWorker<TRef> Worker, int Running) : WorkerEffect<TRef>;

/// <summary>A worker is gone: each of its attempts is lost (the task re-queues it).</summary>
public sealed record Gone<TRef>(RegisteredWorker<TRef> Worker, string Reason) : WorkerEffect<TRef>;

/// <summary>The circuit breaker took a worker out of rotation until its <see cref="RegisteredWorker{TRef}.QuarantinedUntil"/>.</summary>
public sealed record Quarantined<TRef>(RegisteredWorker<TRef> Worker) : WorkerEffect<TRef>;

/// <summary>A new state and what to do about it.</summary>
public sealed record WorkerDecision<TRef>(WorkerRegistryState<TRef> State, IReadOnlyList<WorkerEffect<TRef>> Effects) where TRef : notnull;

/// <summary>How the registry answers an HTTP worker's registration.</summary>
public abstract record HttpAdmission<TRef>
{
    /// <summary>A live worker at this address: registering changes nothing by itself (anyone with a worker token can
    /// send the same ip:port); its attempts are checked with the worker at that address.</summary>
    public sealed record Known(RegisteredWorker<TRef> Worker) : HttpAdmission<TRef>;

    /// <summary>Too many workers under this ip already.</summary>
    public sealed record Refused(string Key, int SameIp) : HttpAdmission<TRef>;

    /// <summary>A new worker: the registry makes its proxy and <see cref="WorkerRegistryState{TRef}.AddHttp"/>s it.</summary>
    public sealed record Admitted(string Id, string Key, string Endpoint) : HttpAdmission<TRef>;
}

public static class WorkerRegistryState
{
    /// <summary>Stable across registrations and registry fail-overs: derived from the worker's address only.</summary>
    public static string IdFor(string key) =>
        "w-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..12].ToLowerInvariant();
}

/// <summary>
/// The worker registry's knowledge as a value: the live workers and their slots, the circuit breakers, and the queue
/// of waiting requests (<see cref="DispatchPolicy.QueueOrder"/>). Every transition is pure, takes the time as a
/// parameter and returns the new set with what the registry must do (<see cref="WorkerEffect{TRef}"/>): the actor
/// keeps one such value and does only the sending, watching and timers.
/// </summary>
public sealed record WorkerRegistryState<TRef> where TRef : notnull
{
    public WorkerRegistryState(WorkerRules rules) => Rules = rules;

    public WorkerRules Rules { get; }
    public ImmutableDictionary<string, RegisteredWorker<TRef>> Workers { get; init; } = ImmutableDictionary<string, RegisteredWorker<TRef>>.Empty;
    public ImmutableSortedSet<QueuedRequest> Queue { get; init; } = ImmutableSortedSet.Create(QueuedRequest.Order);
    public ImmutableDictionary<string, QueuedRequest> WaitingByTask { get; init; } = ImmutableDictionary<string, QueuedRequest>.Empty;
    /// <summary>The last arrival number given out.</summary>
    public long Seq { get; init; }
    /// <summary>
    /// Goes up with every change of what a dashboard shows (workers, slots, attempts, breakers, queue length), not
    /// with heartbeat times: the registry publishes when it differs from what it published last.
    /// </summary>
    public long Version { get; init; }

    public int RunningCount => Workers.Values.Sum(w => w.Running.Count);

    public IEnumerable<RegisteredWorker<TRef>> RunningOn(AttemptKey attempt) => Workers.Values.Where(w => w.Running.ContainsKey(attempt));

    /// <summary>
    /// A cluster worker registers. One with the same key from another process replaces the registered one, whose
    /// attempts are lost. A worker that registers with a registry that restarted elsewhere may run attempts already:
    /// they count at once, so their tasks (which ask again and again) are not handed to another worker as well.
    /// </summary>
    public WorkerDecision<TRef> Register(string key, TRef process, int slots, string? httpEndpoint,
        IReadOnlyList<AttemptKey> running, int cores, int threadsPerTask, DateTimeOffset now)
    {
        var effects = new List<WorkerEffect<TRef>>();
        var id = WorkerRegistryState.IdFor(key);
        var set = this;
        if (set.Workers.TryGetValue(id, out var existing) && !Equals(existing.Ref, process))
            set = set.Remove(existing, "it registered again from a new process", now, effects);
        if (!set.Workers.ContainsKey(id))
        {
            var worker = new RegisteredWorker<TRef>(id, key, process, Math.Max(1, slots), httpEndpoint)
            {
                LastSeen = now, Cores = Math.Max(0, cores), ThreadsPerTask = Math.Max(0, threadsPerTask),
            };
            set = set with { Workers = set.Workers.SetItem(id, worker), Version = set.Version + 1 };
            effects.Add(new Joined<TRef>(worker, running.Count));
        }
        foreach (var attempt in running) set = set.MarkRunning(id, attempt, now);
        return set.Dispatch(now, effects);
    }

    /// <summary>
    /// Whether a worker outside the cluster at <paramref name="ip"/>:<paramref name="port"/> may register (see
    /// <see cref="HttpAdmission{TRef}"/>).
    /// </summary>
    public HttpAdmission<TRef> AdmitHttp(string ip, int port)
    {
        var host = ip.Contains(':') ? $"[{ip}]" : ip;
        var key = $"http:{host}:{port}";
        var id = WorkerRegistryState.IdFor(key);
        if (Workers.TryGetValue(id, out var existing)) return new HttpAdmission<TRef>.Known(existing);
        var sameIp = Workers.Values.Count(w => w.IsHttp && w.Ip == ip);
        return sameIp >= Rules.MaxHttpWorkersPerAddress
            ? new HttpAdmission<TRef>.Refused(key, sameIp)
            : new HttpAdmission<TRef>.Admitted(id, key, $"http://{host}:{port}");
    }

    public WorkerDecision<TRef> AddHttp(HttpAdmission<TRef>.Admitted admitted, TRef proxy, int slots, string ip, DateTimeOffset now)
    {
        var worker = new RegisteredWorker<TRef>(admitted.Id, admitted.Key, proxy, Math.Max(1, slots), admitted.Endpoint)
        {
            LastSeen = now, IsHttp = true, Ip = ip, Node = "http:" + ip,
        };
        var set = this with { Workers = Workers.SetItem(worker.Id, worker), Version = Version + 1 };
        return set.Dispatch(now, [new Joined<TRef>(worker, 0)]);
    }

    /// <summary>
    /// A cluster worker's heartbeat with the attempts it runs: its own list wins, except for assignments too recent
    /// to be in it yet. Null when the worker is not registered (it must register again).
    /// </summary>
    public WorkerDecision<TRef>? Heartbeat(string workerId, IReadOnlyList<AttemptKey> reported, DateTimeOffset now)
    {
        if (!Workers.TryGetValue(workerId, out var w)) return null;
        var listed = reported.ToHashSet();
        var stale = w.Running.Where(kv => !listed.Contains(kv.Key) && now - kv.Value > Rules.ReportGrace).Select(kv => kv.Key).ToList();
        w = w with { LastSeen = now, Running = w.Running.RemoveRange(stale) };
        var set = this with { Workers = Workers.SetItem(workerId, w), Version = Version + (stale.Count > 0 ? 1 : 0) };
        foreach (var attempt in listed) set = set.MarkRunning(workerId, attempt, now);
        return set.Dispatch(now, []);
    }

    /// <summary>An HTTP worker's heartbeat (its attempts are polled by its proxy): null unless it is a registered HTTP worker.</summary>
    public WorkerRegistryState<TRef>? HttpHeartbeat(string workerId, DateTimeOffset now) =>
        Workers.TryGetValue(workerId, out var w) && w.IsHttp
            ? this with { Workers = Workers.SetItem(workerId, w with { LastSeen = now }) }
            : null;

    /// <summary>
    /// A task asks for a slot (again and again while it waits): deduplicated by task id; a newer attempt takes the
    /// older one's place in the queue. An attempt a worker runs already is not queued.
    /// </summary>
    public WorkerDecision<TRef> Request(WorkRequest request, DateTimeOffset now)
    {
        var attempt = new AttemptKey(request.TaskId, request.Attempt);
        if (Workers.Values.Any(w => w.Running.ContainsKey(attempt))) return new(this, []);
        var queue = Queue;
        if (WaitingByTask.TryGetValue(request.TaskId, out var old))
        {
            if (old.Request.Attempt == request.Attempt) return new(this, []);
            queue = queue.Remove(old);
        }
        var seq = old?.Seq ?? Seq + 1;
        var waiting = new QueuedRequest(request, seq);
        var set = this with
        {
            Queue = queue.Add(waiting),
            WaitingByTask = WaitingByTask.SetItem(request.TaskId, waiting),
            Seq = Math.Max(Seq, seq),
            Version = Version + (old is null ? 1 : 0),
        };
        return set.Dispatch(now, []);
    }

    /// <summary>A cancelled task leaves the queue.</summary>
    public WorkerRegistryState<TRef> Withdraw(string taskId) => Dequeue(taskId);

    /// <summary>The worker had no free slot after all: the request goes back to the queue, in its old place by age.</summary>
    public WorkerDecision<TRef> Rejected(string workerId, AttemptKey attempt, DateTimeOffset now)
    {
        if (!Workers.TryGetValue(workerId, out var w) || !w.Running.ContainsKey(attempt)) return new(this, []);
        var set = this with { Workers = Workers.SetItem(workerId, w with { Running = w.Running.Remove(attempt), Assigned = w.Assigned.Remove(attempt) }), Version = Version + 1 };
        return w.Assigned.TryGetValue(attempt, out var request) ? set.Request(request, now) : new(set, []);
    }

    /// <summary>An attempt ended and its slot is free.</summary>
    public WorkerDecision<TRef> SlotFreed(string workerId, AttemptKey attempt, DateTimeOffset now)
    {
        var set = this;
        if (Workers.TryGetValue(workerId, out var w) && w.Running.ContainsKey(attempt))
            set = this with { Workers = Workers.SetItem(workerId, w with { Running = w.Running.Remove(attempt) }), Version = Version + 1 };
        return set.Dispatch(now, []);
    }

    /// <summary>The worker says it leaves, or its proxy that it does not answer: only the registered process counts,
    /// so a late message of an earlier one changes nothing.</summary>
    public WorkerDecision<TRef> Leave(string workerId, TRef from, string reason, DateTimeOffset now) =>
        Workers.TryGetValue(workerId, out var w) && Equals(w.Ref, from) ? Remove(w, reason, now) : new(this, []);

    /// <summary>The worker's actor stopped or its node left the cluster.</summary>
    public WorkerDecision<TRef> Stopped(TRef process, string reason, DateTimeOffset now) =>
        Workers.Values.FirstOrDefault(w => Equals(w.Ref, process)) is { } dead ? Remove(dead, reason, now) : new(this, []);

    /// <summary>
    /// How an attempt ended, for the worker's circuit breaker: failures that would happen anywhere do not count; a
    /// success clears the count. The count is kept through a quarantine: after it, one more failure sends the worker
    /// back at once (half-open).
    /// </summary>
    public WorkerDecision<TRef> Outcome(string workerId, bool success, bool workerFault, DateTimeOffset now)
    {
        if (!Workers.TryGetValue(workerId, out var w) || Rules.BreakerFailures <= 0) return new(this, []);
        if (success)
            return new(w.ConsecutiveFailures == 0 ? this : With(w with { ConsecutiveFailures = 0 }), []);
        if (!workerFault) return new(this, []);
        w = w with { ConsecutiveFailures = w.ConsecutiveFailures + 1 };
        if (w.ConsecutiveFailures < Rules.BreakerFailures || w.IsQuarantined(now)) return new(With(w), []);
        w = w with { QuarantinedUntil = now + Rules.Quarantine };
        return new(With(w), [new Quarantined<TRef>(w)]);
    }

    /// <summary>A quarantine ended: its worker takes work again.</summary>
    public WorkerDecision<TRef> QuarantineOver(DateTimeOffset now) => Lapse(now).Dispatch(now, []);

    /// <summary>
    /// Twice a second: workers silent for the worker timeout are gone, and assignments that are no longer running
    /// are forgotten (they can no longer be rejected).
    /// </summary>
    public WorkerDecision<TRef> Sweep(DateTimeOffset now)
    {
        var effects = new List<WorkerEffect<TRef>>();
        var set = Lapse(now);
        foreach (var w in set.Workers.Values.Where(w => now - w.LastSeen > Rules.WorkerTimeout).ToList())
            set = set.Remove(w, $"no heartbeat for {(now - w.LastSeen).TotalSeconds:0.#} s", now, effects);
        var workers = set.Workers;
        foreach (var w in set.Workers.Values)
        {
            var done = w.Assigned.Keys.Where(k => !w.Running.ContainsKey(k)).ToList();
            if (done.Count > 0) workers = workers.SetItem(w.Id, w with { Assigned = w.Assigned.RemoveRange(done) });
        }
        return new(set with { Workers = workers }, effects);
    }

    /// <summary>
    /// Hands waiting requests, in queue order, to the worker slot choice picks (<see cref="DispatchPolicy.ChooseWorker"/>)
    /// among those not quarantined. A request that must wait for another worker does not hold up those behind it.
    /// </summary>
    private WorkerDecision<TRef> Dispatch(DateTimeOffset now, List<WorkerEffect<TRef>> effects)
    {
        if (Queue.Count == 0) return new(this, effects);
        var open = Workers.Values.Where(w => !w.IsQuarantined(now)).ToDictionary(w => w.Id);
        if (!open.Values.Any(w => w.Free > 0)) return new(this, effects);
        // The queue is walked in place, and only as far as the free slots reach: it can hold every task of a
        // 100,000-job backlog, and copying it on each dispatch (once per finished task) made draining such a backlog
        // slow down six-fold. What is handed out leaves the queue after the walk.
        var handedOut = new List<QueuedRequest>();
        var handedTo = new HashSet<string>();
        // What slot choice sees changes only when a task is handed out: a task that must wait for another worker
        // leaves it as it was.
        List<WorkerSlots> Slots() => open.Values.Select(w => new WorkerSlots(w.Id, w.Node, w.Free, w.Running.Count)).ToList();
        var slots = Slots();
        foreach (var next in Queue)
        {
            var r = next.Request;
            var chosen = DispatchPolicy.ChooseWorker(slots, r.Avoid);
            if (chosen is null) continue;
            var attempt = new AttemptKey(r.TaskId, r.Attempt);
            var worker = open[chosen];
            worker = worker with { Running = worker.Running.SetItem(attempt, now), Assigned = worker.Assigned.SetItem(attempt, r) };
            open[chosen] = worker;
            handedTo.Add(chosen);
            handedOut.Add(next);
            effects.Add(new Assign<TRef>(worker, r));
            if (!open.Values.Any(w => w.Free > 0)) break;
            slots = Slots();
        }
        if (handedOut.Count == 0) return new(this, effects);
        return new(this with
        {
            Workers = Workers.SetItems(handedTo.Select(id => KeyValuePair.Create(id, open[id]))),
            Queue = Queue.Except(handedOut),
            WaitingByTask = WaitingByTask.RemoveRange(handedOut.Select(h => h.Request.TaskId)),
            Version = Version + 1,
        }, effects);
    }

    private WorkerDecision<TRef> Remove(RegisteredWorker<TRef> w, string reason, DateTimeOffset now)
    {
        var effects = new List<WorkerEffect<TRef>>();
        return new(Remove(w, reason, now, effects), effects);
    }

    /// <summary>Removes the worker, its attempts lost, and hands out what its going frees.</summary>
    private WorkerRegistryState<TRef> Remove(RegisteredWorker<TRef> w, string reason, DateTimeOffset now, List<WorkerEffect<TRef>> effects)
    {
        effects.Add(new Gone<TRef>(w, reason));
        return (this with { Workers = Workers.Remove(w.Id), Version = Version + 1 }).Dispatch(now, effects).State;
    }

    /// <summary>Counts an attempt the worker says it runs; a request for that same attempt still queued is a repeat.</summary>
    private WorkerRegistryState<TRef> MarkRunning(string workerId, AttemptKey attempt, DateTimeOffset now)
    {
        var w = Workers[workerId];
        if (w.Running.ContainsKey(attempt)) return this;
        var set = With(w with { Running = w.Running.Add(attempt, now) });
        return set.WaitingByTask.TryGetValue(attempt.TaskId, out var waiting) && waiting.Request.Attempt == attempt.Attempt
            ? set.Dequeue(attempt.TaskId)
            : set;
    }

    private WorkerRegistryState<TRef> Dequeue(string taskId) =>
        WaitingByTask.TryGetValue(taskId, out var w)
            ? this with { Queue = Queue.Remove(w), WaitingByTask = WaitingByTask.Remove(taskId), Version = Version + 1 }
            : this;

    /// <summary>Quarantines that have ended are cleared, so what a dashboard shows changes with them.</summary>
    private WorkerRegistryState<TRef> Lapse(DateTimeOffset now)
    {
        var set = this;
        foreach (var w in Workers.Values.Where(w => w.QuarantinedUntil is { } until && until <= now))
            set = set.With(w with { QuarantinedUntil = null });
        return set;
    }

    private WorkerRegistryState<TRef> With(RegisteredWorker<TRef> worker) =>
        this with { Workers = Workers.SetItem(worker.Id, worker), Version = Version + 1 };
}
