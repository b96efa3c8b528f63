using Akka.Actor;
using Akka.Event;
using Akka.Transcode.Actors.Tasks;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Media.Execution;
using TaskStatus = Akka.Transcode.Domain.Tasks.TaskStatus;

namespace Akka.Transcode.Actors.Workers;

/// <summary>From /worker/add_task: answered with <see cref="WorkerTaskReply"/>.</summary>
public sealed record AddWorkerTask(TaskSpec Spec, int Attempt);

/// <summary>From /worker/get_task_info: answered with <see cref="WorkerTaskReply"/> carrying the task.</summary>
public sealed record GetWorkerTask(string TaskId);

/// <summary>From /worker/cancel_task: answered once the attempt's ffmpeg has ended and its partial output is gone.</summary>
public sealed record CancelWorkerTask(string TaskId);

public sealed record WorkerTaskReply(ErrorCode Code, string Message, WorkerTaskInfo? Task = null)
{
    public static WorkerTaskReply Ok(WorkerTaskInfo? task = null) => new(ErrorCode.Ok, "ok", task);
}

/// <summary>Whether this worker is registered, for /readyz.</summary>
public sealed record GetHttpWorkerStatus
{
    public static readonly GetHttpWorkerStatus Instance = new();
}

public sealed record HttpWorkerStatus(string? WorkerId, int Running, int Slots);

/// <summary>
/// The worker role of a node outside the cluster (Transcode:Worker:MasterUrl). It registers with the master over
/// HTTP, heartbeats, and keeps the table of tasks the master gave it through /worker/add_task. Each attempt runs in
/// the same <see cref="TaskRunner"/> cluster workers use, with this actor standing in for the task entity: the
/// runner's reports become the state that /worker/get_task_info returns (see <see cref="WorkerRole"/>).
/// </summary>
public sealed class HttpWorkerHost : WorkerRole
{
    /// <summary>Ended tasks are kept this long for the master to read their result, then forgotten.</summary>
    private static readonly TimeSpan KeepEnded = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan CallTimeout = FixedTimeouts.WorkerCall;

    private readonly IMasterLink _master;
    private readonly Dictionary<string, Entry> _tasks = new();
    private string? _workerId;
    private bool _registering;
    private bool _beating;
    private string? _lastProblem;

    public HttpWorkerHost(int slots, ITaskExecutor executor, IMasterLink master, TranscodeSettings settings)
        : base(slots, executor, settings)
    {
        _master = master;
        Serving();
    }

    public static Props Props(int slots, ITaskExecutor executor, IMasterLink master, TranscodeSettings settings) =>
        Akka.Actor.Props.Create(() => new HttpWorkerHost(slots, executor, master, settings));

    protected override void PreStart()
    {
        base.PreStart();
        Timers.StartPeriodicTimer("sweep", new Sweep(), TimeSpan.FromMinutes(1));
    }

    protected override int RunningCount => _tasks.Values.Count(e => e.Runner is not null);

    private void Serving()
    {
        Common();
        ServingCommon();
        Receive<Registered>(OnRegistered);
        Receive<BeatDone>(OnBeatDone);
        Receive<AddWorkerTask>(OnAdd);
    }

    /// <summary>Shutting down: no new tasks, no heartbeats (the master then re-queues what ran here), and the
    /// attempts stop before the process exits.</summary>
    protected override void Draining()
    {
        Common();
        Receive<AddWorkerTask>(_ => Sender.Tell(new WorkerTaskReply(ErrorCode.Unavailable, "this worker is shutting down")));
        Receive<Registered>(_ => { });
        Receive<BeatDone>(_ => { });
        DrainingCommon();
    }

    private void Common()
    {
        Receive<GetWorkerTask>(m => Sender.Tell(_tasks.TryGetValue(m.TaskId, out var e)
            ? WorkerTaskReply.Ok(e.Info())
            : new WorkerTaskReply(ErrorCode.NotFound, $"task {m.TaskId} is not known on this worker")));
        Receive<CancelWorkerTask>(OnCancel);
        Receive<AttemptAlive>(m =>
        {
            if (Find(m.TaskId, m.Attempt) is not { } e || e.Canceled) return;
            e.State = TaskStatus.Running;
            e.Progress = Math.Max(e.Progress, m.Percent);
            e.Speed = m.Speed;
        });
        Receive<AttemptResult>(m =>
        {
            Sender.Tell(new AttemptResultAck(m.TaskId, m.Attempt));
            if (Find(m.TaskId, m.Attempt) is not { } e || e.Canceled || e.IsEnded) return;
            e.State = m.Success ? TaskStatus.Succeeded : TaskStatus.Failed;
            e.Result = m.Success ? 0 : (int)(m.Code ?? ErrorCode.Internal);
            e.Error = m.Error;
            e.EndedAt = DateTimeOffset.UtcNow;
            if (m.Success) e.Progress = 100;
            Log.ForTask(m.TaskId).Info("task {TaskId} attempt {Attempt} {Outcome}{Error}", m.TaskId, m.Attempt,
                m.Success ? "succeeded" : "failed", m.Success ? "" : ": " + m.Error);
        });
        Receive<Terminated>(m => OnRunnerStopped(m.ActorRef));
        Receive<GetHttpWorkerStatus>(_ => Sender.Tell(new HttpWorkerStatus(_workerId, RunningCount, Slots)));
        Receive<Sweep>(_ =>
        {
            var now = DateTimeOffset.UtcNow;
            foreach (var (id, e) in _tasks.Where(kv => kv.Value.EndedAt is { } at && now - at > KeepEnded).ToList())
                _tasks.Remove(id);
        });
    }

    protected override void Register()
    {
        if (_registering) return;
        _registering = true;
        RegisterWithin(CallTimeout)
            .PipeTo(Self, success: r => new Registered(r.Reply, r.WorkerId),
                failure: ex => new Registered(WorkerReply.Unreached(ex.Message), null));
    }

    // Each call has its own deadline, released when the call ends.
    private async Task<(WorkerReply Reply, string? WorkerId)> RegisterWithin(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        return await _master.RegisterAsync(State, Slots, cts.Token);
    }

    private async Task<WorkerReply> BeatWithin(string id, int state, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        return await _master.HeartbeatAsync(id, state, cts.Token);
    }

    private void OnRegistered(Registered m)
    {
        _registering = false;
        if (m.Reply.Ok && m.WorkerId is not null)
        {
            if (_workerId != m.WorkerId) Log.Info("registered with the master as worker {WorkerId}", m.WorkerId);
            _workerId = m.WorkerId;
            _lastProblem = null;
            return;
        }
        Problem($"cannot register with the master: {m.Reply.Message}");
        RegisterAgainLater();
    }

    protected override void Heartbeat()
    {
        if (_workerId is null || _beating) return;
        _beating = true;
        var id = _workerId;
        BeatWithin(id, State, CallTimeout)
            .PipeTo(Self, success: r => new BeatDone(id, r), failure: ex => new BeatDone(id, WorkerReply.Unreached(ex.Message)));
    }

    private void OnBeatDone(BeatDone m)
    {
        _beating = false;
        if (m.Reply.Ok)
        {
            _lastProblem = null;
            return;
        }
        if (m.Reply.Reached && m.Reply.Code == ErrorCode.NotFound && _workerId == m.WorkerId)
        {
            // The master declared this worker dead (or its registry moved): its attempts were re-queued there and may
            // already run elsewhere, writing the same outputs, and no one will read their results: they stop.
            Log.Warning("the master does not know worker {WorkerId} any more: stopping {Attempts} attempt(s) and registering again",
                m.WorkerId, RunningCount);
            StopAll(TaskStatus.Canceled);
            _workerId = null;
            Register();
            return;
        }
        Problem($"heartbeat failed: {m.Reply.Message}");
    }

    /// <summary>Logged once per streak: a master that is down for a minute must not fill the log.</summary>
    private void Problem(string text)
    {
        if (_lastProblem == text) return;
        _lastProblem = text;
        Log.Warning(text);
    }

    private void OnAdd(AddWorkerTask m)
    {
        var id = m.Spec.TaskId;
        if (_tasks.TryGetValue(id, out var existing))
        {
            if (existing.Attempt == m.Attempt)
            {
                Sender.Tell(WorkerTaskReply.Ok(existing.Info())); // the master repeated itself
                return;
            }
            if (existing.Attempt > m.Attempt)
            {
                Sender.Tell(new WorkerTaskReply(ErrorCode.Conflict, $"task {id} already runs a newer attempt ({existing.Attempt})"));
                return;
            }
            // A newer attempt supersedes the old one, which the master has given up on.
            existing.Canceled = true;
            existing.Runner?.Tell(AbandonAttempt.Instance);
            _tasks.Remove(id);
        }
        if (RunningCount >= Slots)
        {
            Sender.Tell(new WorkerTaskReply(ErrorCode.Conflict, $"no free slot ({Slots} in use)"));
            return;
        }
        var entry = new Entry(id, m.Attempt) { Runner = StartRunner(new AssignTask(id, m.Attempt, m.Spec, _workerId ?? ""), Self) };
        _tasks[id] = entry;
        Log.ForTask(id).Info("task {TaskId} attempt {Attempt} accepted ({Kind} task)", id, m.Attempt, m.Spec.Kind.Wire());
        Sender.Tell(WorkerTaskReply.Ok(entry.Info()));
    }

    private void OnCancel(CancelWorkerTask m)
    {
        if (!_tasks.TryGetValue(m.TaskId, out var e))
        {
            Sender.Tell(new WorkerTaskReply(ErrorCode.NotFound, $"task {m.TaskId} is not known on this worker"));
            return;
        }
        if (!e.Canceled && !e.IsEnded)
        {
            e.Canceled = true;
            e.State = TaskStatus.Canceled;
            e.EndedAt = DateTimeOffset.UtcNow;
            Log.ForTask(e.TaskId).Info("task {TaskId} attempt {Attempt} canceled by the master", e.TaskId, e.Attempt);
        }
        if (e.Runner is null)
        {
            Sender.Tell(WorkerTaskReply.Ok(e.Info()));
            return;
        }
        // The runner stays until ffmpeg has ended and the partial output is removed; answer then.
        e.CancelWaiters.Add(Sender);
        e.Runner.Tell(AbandonAttempt.Instance);
    }

    private void OnRunnerStopped(IActorRef runner)
    {
        var e = _tasks.Values.FirstOrDefault(x => runner.Equals(x.Runner));
        if (e is not null)
        {
            e.Runner = null;
            if (!e.IsEnded && !e.Canceled)
            {
                e.State = TaskStatus.Failed;
                e.Result = (int)ErrorCode.Internal;
                e.Error = "the attempt stopped without a result";
                e.EndedAt = DateTimeOffset.UtcNow;
            }
            foreach (var w in e.CancelWaiters) w.Tell(WorkerTaskReply.Ok(e.Info()));
            e.CancelWaiters.Clear();
        }
        AnswerIfDrained();
    }

    protected override void Leave()
    {
        Log.Info("leaving: stopping {Attempts} running attempt(s)", RunningCount);
        StopAll(null);
    }

    /// <summary>Stops every attempt still running; <paramref name="state"/>, when given, is what get_task_info then reports.</summary>
    private void StopAll(TaskStatus? state)
    {
        foreach (var e in _tasks.Values.Where(e => e.Runner is not null))
        {
            if (state is { } s && !e.IsEnded && !e.Canceled)
            {
                e.State = s;
                e.EndedAt = DateTimeOffset.UtcNow;
            }
            e.Canceled = true;
            e.Runner!.Tell(AbandonAttempt.Instance);
        }
    }

    private Entry? Find(string taskId, int attempt) =>
        _tasks.TryGetValue(taskId, out var e) && e.Attempt == attempt ? e : null;

    private sealed class Entry(string taskId, int attempt)
    {
        public string TaskId { get; } = taskId;
        public int Attempt { get; } = attempt;
        public TaskStatus State { get; set; } = TaskStatus.Pending;
        public double Progress { get; set; }
        public double? Speed { get; set; }
        public int? Result { get; set; }
        public string? Error { get; set; }
        public IActorRef? Runner { get; set; }
        public bool Canceled { get; set; }
        public DateTimeOffset? EndedAt { get; set; }
        public List<IActorRef> CancelWaiters { get; } = new();
        public bool IsEnded => State is TaskStatus.Succeeded or TaskStatus.Failed or TaskStatus.Canceled;

        public WorkerTaskInfo Info() =>
            new(Attempt, (int)State, Result, Math.Round(Progress, 1), State == TaskStatus.Running ? Speed : null, Error);
    }

    private sealed record Registered(WorkerReply Reply, string? WorkerId);
    private sealed record BeatDone(string WorkerId, WorkerReply Reply);
    private sealed record Sweep;
}
