using System.Collections.Concurrent;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Media.Execution;

namespace Akka.Transcode.Actors.Tests.Support;

/// <summary>A prober that answers from a function and counts its calls; no ffprobe.</summary>
public sealed class FakeProber(Func<string, Result<MediaInfo>> answer) : ISourceProber
{
    private int _calls;

    /// <summary>A 60 s 1280x720 25 fps H.264 + AAC source.</summary>
    public static readonly MediaInfo H264Aac60 = new("mov,mp4,m4a,3gp,3g2,mj2", 60,
        new VideoStreamInfo("h264", 1280, 720, 25, "yuv420p"), new AudioStreamInfo("aac", 48000, 2));

    public int Calls => Volatile.Read(ref _calls);

    public static FakeProber Returning(MediaInfo media) => new(_ => Result<MediaInfo>.Ok(media));

    public static FakeProber Failing(ErrorCode code, string message) => new(_ => Result<MediaInfo>.Fail(code, message));

    public Task<Result<MediaInfo>> ProbeAsync(string path, CancellationToken ct)
    {
        Interlocked.Increment(ref _calls);
        return Task.FromResult(answer(path));
    }

    /// <summary>A stand-in id that differs per path, like a real one would for different files.</summary>
    public Task<string> ContentIdAsync(string path, CancellationToken ct) =>
        Task.FromResult(Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(path))));
}

/// <summary>Records what an executor was asked to run, and which runs saw their token cancelled.</summary>
public abstract class RecordingExecutor : ITaskExecutor
{
    private readonly ConcurrentQueue<(string TaskId, int Call)> _runs = new();
    private readonly ConcurrentDictionary<string, int> _callsPerTask = new();
    private readonly ConcurrentDictionary<string, bool> _canceled = new();

    public IReadOnlyList<string> Started => _runs.Select(r => r.TaskId).ToList();
    public int CallsFor(string taskId) => _callsPerTask.GetValueOrDefault(taskId);
    public bool WasCanceled(string taskId) => _canceled.ContainsKey(taskId);

    public async Task<TaskOutcome> RunAsync(TaskSpec task, Action<TaskProgress> onProgress, CancellationToken ct)
    {
        var n = _callsPerTask.AddOrUpdate(task.TaskId, 1, (_, c) => c + 1);
        _runs.Enqueue((task.TaskId, n));
        try
        {
            return await Run(task, onProgress, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            _canceled[task.TaskId] = true;
            return TaskOutcome.WasCanceled;
        }
    }

    protected abstract Task<TaskOutcome> Run(TaskSpec task, Action<TaskProgress> onProgress, CancellationToken ct);
}

/// <summary>Succeeds at once; optionally writes the task's output file, as ffmpeg would.</summary>
public sealed class InstantExecutor(bool writeOutput = false) : RecordingExecutor
{
    protected override Task<TaskOutcome> Run(TaskSpec task, Action<TaskProgress> onProgress, CancellationToken ct)
    {
        if (writeOutput) WriteOutput(task);
        onProgress(new TaskProgress(100, 10));
        return Task.FromResult(TaskOutcome.Succeeded);
    }

    public static void WriteOutput(TaskSpec task)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(task.OutputPath)!);
        File.WriteAllText(task.OutputPath, $"{task.Kind} {task.TaskId}");
    }
}

/// <summary>Fails every run with the given code and error.</summary>
public sealed class FailingExecutor(ErrorCode code, string error) : RecordingExecutor
{
    protected override Task<TaskOutcome> Run(TaskSpec task, Action<TaskProgress> onProgress, CancellationToken ct) =>
        Task.FromResult(TaskOutcome.Failed(code, error));
}

/// <summary>Runs until its token is cancelled, then records the cancellation.</summary>
public sealed class BlockingExecutor : RecordingExecutor
{
    protected override async Task<TaskOutcome> Run(TaskSpec task, Action<TaskProgress> onProgress, CancellationToken ct)
    {
        onProgress(new TaskProgress(1, 1));
        await Task.Delay(Timeout.Infinite, ct);
        return TaskOutcome.Succeeded; // never reached
    }
}

/// <summary>Runs until its token is cancelled, then takes <paramref name="stopTime"/> to end, as ffmpeg does after 'q'
/// (it finishes its output, then the executor removes the partial file); records when each run has really ended.</summary>
public sealed class SlowToStopExecutor(TimeSpan stopTime) : RecordingExecutor
{
    private readonly ConcurrentDictionary<string, bool> _ended = new();

    public bool HasEnded(string taskId) => _ended.ContainsKey(taskId);

    protected override async Task<TaskOutcome> Run(TaskSpec task, Action<TaskProgress> onProgress, CancellationToken ct)
    {
        onProgress(new TaskProgress(1, 1));
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException)
        {
            await Task.Delay(stopTime, CancellationToken.None);
            _ended[task.TaskId] = true;
            throw;
        }
        return TaskOutcome.Succeeded; // never reached
    }
}

/// <summary>Like <see cref="SlowToStopExecutor"/> for the first run only, which takes <paramref name="firstStopTime"/>
/// to end once cancelled; later runs end at once. A stale attempt's ffmpeg finishing while its replacement runs.</summary>
public sealed class FirstRunSlowToStopExecutor(TimeSpan firstStopTime) : RecordingExecutor
{
    private int _runs;
    private volatile bool _firstEnded;

    public bool FirstRunEnded => _firstEnded;

    protected override async Task<TaskOutcome> Run(TaskSpec task, Action<TaskProgress> onProgress, CancellationToken ct)
    {
        var first = Interlocked.Increment(ref _runs) == 1;
        onProgress(new TaskProgress(1, 1));
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException) when (first)
        {
            await Task.Delay(firstStopTime, CancellationToken.None);
            _firstEnded = true;
            throw;
        }
        return TaskOutcome.Succeeded; // never reached
    }
}

/// <summary>Reports 30 %, waits for <see cref="Step"/>, reports 70 %, waits again, succeeds.</summary>
public sealed class SteppedExecutor : RecordingExecutor
{
    private readonly SemaphoreSlim _gate = new(0);

    public void Step() => _gate.Release();

    protected override async Task<TaskOutcome> Run(TaskSpec task, Action<TaskProgress> onProgress, CancellationToken ct)
    {
        onProgress(new TaskProgress(30, 1.0));
        await _gate.WaitAsync(ct);
        onProgress(new TaskProgress(70, 1.5));
        await _gate.WaitAsync(ct);
        return TaskOutcome.Succeeded;
    }
}

/// <summary>Decides per task: tasks of jobs whose id starts with "bad" fail, the others write their output.</summary>
public sealed class ScriptedExecutor : RecordingExecutor
{
    protected override Task<TaskOutcome> Run(TaskSpec task, Action<TaskProgress> onProgress, CancellationToken ct)
    {
        if (task.JobId.StartsWith("bad", StringComparison.Ordinal))
            return Task.FromResult(TaskOutcome.Failed(ErrorCode.Internal, "ffmpeg exited with code 1"));
        InstantExecutor.WriteOutput(task);
        onProgress(new TaskProgress(100, 5));
        return Task.FromResult(TaskOutcome.Succeeded);
    }
}
