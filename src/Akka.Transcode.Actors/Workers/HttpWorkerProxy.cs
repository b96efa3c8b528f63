using Akka.Actor;
using Akka.Event;
using Akka.Transcode.Actors.Tasks;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Media.Hashing;
using TaskStatus = Akka.Transcode.Domain.Tasks.TaskStatus;

namespace Akka.Transcode.Actors.Workers;

/// <summary>
/// A worker outside the cluster as the rest of the system sees it: a child of the <see cref="WorkerRegistry"/> that
/// takes <see cref="AssignTask"/> like a <see cref="WorkerNode"/> and, towards each task entity, plays the attempt's
/// <see cref="TaskRunner"/>. It hands attempts over with /worker/add_task, polls /worker/get_task_info every
/// heartbeat interval and turns the answers into <see cref="AttemptAlive"/> and <see cref="AttemptResult"/>; a cancel
/// becomes /worker/cancel_task. A worker that answers no call for the worker timeout is reported unreachable, and
/// the registry then re-queues its attempts exactly as for a missed heartbeat.
/// </summary>
public sealed class HttpWorkerProxy : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan CallTimeout = FixedTimeouts.WorkerCall;
    // Cancel waits for the worker to stop ffmpeg (a graceful 'q', then a kill after 3 s).
    private static readonly TimeSpan CancelTimeout = FixedTimeouts.WorkerCancel;

    private readonly string _workerId;
    private readonly string _endpoint;
    private readonly IActorRef _tasks;
    private readonly IActorRef _files;
    private readonly IWorkerGateway _gateway;
    private readonly TranscodeSettings _settings;
    private readonly ILoggingAdapter _log;
    private readonly Dictionary<string, Run> _runs = new();
    private DateTimeOffset? _failingSince;
    private string? _lastFailure;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="files">Where the files of its attempts are served (<see cref="HttpWorkerFiles"/>).</param>
    public HttpWorkerProxy(string workerId, string endpoint, IActorRef tasks, IActorRef files, IWorkerGateway gateway,
        TranscodeSettings settings)
    {
        _workerId = workerId;
        _log = Context.GetLogger().WithContext("WorkerId", workerId);
        _endpoint = endpoint;
        _tasks = tasks;
        _files = files;
        _gateway = gateway;
        _settings = settings;

        Receive<AssignTask>(OnAssign);
        Receive<Prepared>(OnPrepared);
        Receive<Added>(OnAdded);
        Receive<Poll>(_ => PollAll());
        Receive<VerifyAttempts>(_ => PollAll());
        Receive<Polled>(OnPolled);
        Receive<ResendResult>(OnResend);
        Receive<AttemptResultAck>(m =>
        {
            if (Current(m.TaskId, m.Attempt) is { Result: not null }) Finish(m.TaskId);
        });
        Receive<CancelAttempt>(OnCancel);
        Receive<CancelDone>(m =>
        {
            if (!m.Reply.Ok)
                _log.ForTask(m.TaskId).Warning("worker {WorkerId}: cancel_task {TaskId} was not confirmed: {Error}", _workerId, m.TaskId, m.Reply.Message);
        });
    }

    public static Props Props(string workerId, string endpoint, IActorRef tasks, IActorRef files, IWorkerGateway gateway,
        TranscodeSettings settings) =>
        Akka.Actor.Props.Create(() => new HttpWorkerProxy(workerId, endpoint, tasks, files, gateway, settings));

    protected override void PreStart() => Timers.StartPeriodicTimer("poll", new Poll(), _settings.HeartbeatInterval);

    /// <summary>Removed by the registry (missed heartbeats, unreachable, a restart): stop what may still run there.</summary>
    protected override void PostStop()
    {
        foreach (var id in _runs.Keys)
            _ = Within(CancelTimeout, ct => _gateway.CancelTaskAsync(_endpoint, id, ct));
    }

    private void OnAssign(AssignTask m)
    {
        if (_runs.TryGetValue(m.TaskId, out var existing))
        {
            if (existing.Attempt >= m.Attempt) return;
            // A newer attempt replaces a stale one: add_task with the newer attempt makes the worker drop the old.
            Context.Parent.Tell(new SlotFreed(_workerId, m.TaskId, existing.Attempt));
        }
        _runs[m.TaskId] = new Run(m.Attempt, m.Spec);
        var self = Self;
        var spec = m.Spec;
        var attempt = m.Attempt;
        WithPartIds(spec).PipeTo(self,
            success: s => new Prepared(m.TaskId, attempt, s, null),
            failure: ex => new Prepared(m.TaskId, attempt, spec, ex.Message));
    }

    /// <summary>
    /// Inputs made by other tasks (a join's parts) have no content id yet: hash them here, on the master's storage,
    /// so a worker without that storage can fetch them by id and every worker can check what it reads.
    /// </summary>
    private static async Task<TaskSpec> WithPartIds(TaskSpec spec)
    {
        var missing = spec.VideoParts.Append(spec.AudioPart).OfType<string>().Where(p => !spec.FileIds.ContainsKey(p)).ToList();
        if (missing.Count == 0) return spec;
        var ids = new Dictionary<string, string>(spec.FileIds);
        foreach (var path in missing)
            ids[path] = await FileHasher.Md5HexAsync(path, CancellationToken.None);
        return spec with { FileIds = ids };
    }

    private void OnPrepared(Prepared m)
    {
        if (Current(m.TaskId, m.Attempt) is not { } run) return;
        if (m.Error is not null)
        {
            Report(m.TaskId, run, false, ErrorCode.Internal, $"an input of the task is not readable on the master: {m.Error}");
            return;
        }
        // A secret of this attempt alone: the worker shows it to fetch the attempt's inputs and send its output, so
        // another holder of a worker token can neither read those inputs nor replace that output.
        run.Spec = m.Spec with { FileToken = NewFileToken() };
        _files.Tell(new ServeFiles(m.TaskId, run.Spec.FileIds, run.Spec.OutputPath, run.Spec.FileToken!));
        var self = Self;
        var spec = run.Spec;
        Within(CallTimeout, ct => _gateway.AddTaskAsync(_endpoint, spec, m.Attempt, ct))
            .PipeTo(self, success: r => new Added(m.TaskId, m.Attempt, r),
                failure: ex => new Added(m.TaskId, m.Attempt, WorkerReply.Unreached(ex.Message)));
    }

    private void OnAdded(Added m)
    {
        if (Current(m.TaskId, m.Attempt) is not { } run) return;
        Track(m.Reply);
        if (m.Reply.Ok)
        {
            run.Running = true;
            _tasks.Tell(new AttemptAlive(m.TaskId, m.Attempt, _workerId, 0, null));
            return;
        }
        if (!m.Reply.Reached || m.Reply.Code is ErrorCode.Conflict or ErrorCode.Unavailable)
        {
            // Busy, leaving, or no answer: the task goes back to the queue. Should add_task have arrived after all,
            // the cancel stops it there.
            _log.ForTask(m.TaskId).Info("worker {WorkerId} did not take task {TaskId} attempt {Attempt}: {Error}", _workerId, m.TaskId, m.Attempt, m.Reply.Message);
            if (!m.Reply.Reached) _ = Within(CancelTimeout, ct => _gateway.CancelTaskAsync(_endpoint, m.TaskId, ct));
            Forget(m.TaskId);
            Context.Parent.Tell(new AssignmentRejected(m.TaskId, m.Attempt, _workerId));
            return;
        }
        // The worker refused the task itself (a bad value, an unusable source): that is the attempt's result. The
        // task entity takes results only of attempts that started, so the attempt starts first.
        _tasks.Tell(new AttemptAlive(m.TaskId, m.Attempt, _workerId, 0, null));
        Report(m.TaskId, run, false, m.Reply.Code, $"worker {_workerId} refused the task: {m.Reply.Message}");
    }

    private void PollAll()
    {
        var self = Self;
        foreach (var (taskId, run) in _runs)
        {
            if (!run.Running || run.Polling || run.Result is not null) continue;
            run.Polling = true;
            var attempt = run.Attempt;
            Within(CallTimeout, ct => _gateway.GetTaskInfoAsync(_endpoint, taskId, ct))
                .PipeTo(self, success: r => new Polled(taskId, attempt, r),
                    failure: ex => new Polled(taskId, attempt, WorkerReply.Unreached(ex.Message)));
        }
        if (_failingSince is { } since && DateTimeOffset.UtcNow - since > _settings.WorkerTimeout)
            Context.Parent.Tell(new WorkerUnreachable(_workerId,
                $"no answer to any call for {(DateTimeOffset.UtcNow - since).TotalSeconds:0.#} s ({_lastFailure})"));
    }

    private void OnPolled(Polled m)
    {
        if (Current(m.TaskId, m.Attempt) is not { } run) return;
        run.Polling = false;
        Track(m.Reply);
        if (!m.Reply.Reached || run.Result is not null) return;
        var info = m.Reply.Task;
        if (m.Reply.Code == ErrorCode.NotFound || (m.Reply.Ok && info is not null && info.Attempt != m.Attempt))
        {
            // The worker restarted, or forgot the attempt: it will not finish it.
            Forget(m.TaskId);
            Context.Parent.Tell(new SlotFreed(_workerId, m.TaskId, m.Attempt));
            _tasks.Tell(new AttemptWorkerLost(m.TaskId, m.Attempt, _workerId, "the worker no longer has the attempt"));
            return;
        }
        if (!m.Reply.Ok || info is null) return;
        switch ((TaskStatus)info.State)
        {
            case TaskStatus.Pending or TaskStatus.Running:
                _tasks.Tell(new AttemptAlive(m.TaskId, m.Attempt, _workerId, info.Progress, info.Speed));
                break;
            case TaskStatus.Succeeded:
                Report(m.TaskId, run, true, null, null);
                break;
            case TaskStatus.Failed:
                var code = info.Result is { } r && Enum.IsDefined(typeof(ErrorCode), r) && r != 0 ? (ErrorCode)r : ErrorCode.Internal;
                Report(m.TaskId, run, false, code, info.Error ?? "the worker reported a failure");
                break;
            default:
                Forget(m.TaskId);
                Context.Parent.Tell(new SlotFreed(_workerId, m.TaskId, m.Attempt));
                _tasks.Tell(new AttemptWorkerLost(m.TaskId, m.Attempt, _workerId, "the worker canceled the attempt"));
                break;
        }
    }

    /// <summary>Like a runner, the proxy owns the result until the task entity has stored it.</summary>
    private void Report(string taskId, Run run, bool success, ErrorCode? code, string? error)
    {
        run.Result = new AttemptResult(taskId, run.Attempt, _workerId, success, code, error);
        _tasks.Tell(run.Result);
        Timers.StartPeriodicTimer("result-" + taskId, new ResendResult(taskId), _settings.RetryInterval);
    }

    private void OnResend(ResendResult m)
    {
        if (!_runs.TryGetValue(m.TaskId, out var run) || run.Result is null)
        {
            Timers.Cancel("result-" + m.TaskId);
            return;
        }
        if (++run.Resends > TaskRunner.MaxResultResends) Finish(m.TaskId);
        else _tasks.Tell(run.Result);
    }

    private void OnCancel(CancelAttempt m)
    {
        if (Current(m.TaskId, m.Attempt) is null) return;
        var self = Self;
        var taskId = m.TaskId;
        Within(CancelTimeout, ct => _gateway.CancelTaskAsync(_endpoint, taskId, ct))
            .PipeTo(self, success: r => new CancelDone(taskId, r), failure: ex => new CancelDone(taskId, WorkerReply.Unreached(ex.Message)));
        Finish(taskId);
    }

    /// <summary>The attempt is over for the master: its slot is free and its files are no longer served.</summary>
    private void Finish(string taskId)
    {
        if (!_runs.TryGetValue(taskId, out var run)) return;
        Forget(taskId);
        Context.Parent.Tell(new SlotFreed(_workerId, taskId, run.Attempt));
    }

    private void Forget(string taskId)
    {
        _runs.Remove(taskId);
        Timers.Cancel("result-" + taskId);
        _files.Tell(new ReleaseFiles(taskId));
    }

    /// <summary>256 random bits, URL-safe: it travels in a header.</summary>
    private static string NewFileToken() =>
        Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private Run? Current(string taskId, int attempt) =>
        _runs.TryGetValue(taskId, out var run) && run.Attempt == attempt ? run : null;

    private void Track(WorkerReply reply)
    {
        if (reply.Reached)
        {
            _failingSince = null;
            return;
        }
        _failingSince ??= DateTimeOffset.UtcNow;
        _lastFailure = reply.Message;
    }

    /// <summary>One call with its own deadline; the deadline's timer is released when the call ends.</summary>
    private static async Task<WorkerReply> Within(TimeSpan timeout, Func<CancellationToken, Task<WorkerReply>> call)
    {
        using var cts = new CancellationTokenSource(timeout);
        return await call(cts.Token);
    }

    private sealed class Run(int attempt, TaskSpec spec)
    {
        public int Attempt { get; } = attempt;
        public TaskSpec Spec { get; set; } = spec;
        /// <summary>The worker accepted it: from now on it is polled.</summary>
        public bool Running { get; set; }
        public bool Polling { get; set; }
        public AttemptResult? Result { get; set; }
        public int Resends { get; set; }
    }

    private sealed record Prepared(string TaskId, int Attempt, TaskSpec Spec, string? Error);
    private sealed record Added(string TaskId, int Attempt, WorkerReply Reply);
    private sealed record Poll;
    private sealed record Polled(string TaskId, int Attempt, WorkerReply Reply);
    private sealed record ResendResult(string TaskId);
    private sealed record CancelDone(string TaskId, WorkerReply Reply);
}
