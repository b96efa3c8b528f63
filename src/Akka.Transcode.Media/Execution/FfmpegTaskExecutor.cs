using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Maps;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Media.Probing;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Media.Files;
using Akka.Transcode.Media.Maps;
using Akka.Transcode.Media.Paths;
using Akka.Transcode.Media.Running;

namespace Akka.Transcode.Media.Execution;

/// <summary>Runs a task as one ffmpeg process: the real worker behind the worker actors.</summary>
/// <param name="paths">This worker's roots: every path of a task is checked against them right before use.</param>
/// <param name="threadsPerTask">ffmpeg -threads per task; 0 lets ffmpeg use every core (one slot per node).</param>
/// <param name="probeTimeout">How long the key-frame lookup's ffprobe may take (default <see cref="MediaProber.DefaultTimeout"/>).</param>
public sealed class FfmpegTaskExecutor(FfmpegRunner runner, PathGuard paths, int threadsPerTask = 0, TimeSpan? probeTimeout = null) : ITaskExecutor
{
    public async Task<TaskOutcome> RunAsync(TaskSpec task, Action<TaskProgress> onProgress, CancellationToken ct)
    {
        var inputs = task.Inputs();
        // The paths were checked when the job was accepted; a directory may have become a link out since. Map
        // tables are read beside the map file, and the map loader keeps them in its directory.
        foreach (var input in inputs.Append(task.MapPath))
            if (input is not null && paths.Input(input, "input") is { } refused)
                return TaskOutcome.Failed(refused.Code, refused.Message);
        foreach (var input in inputs)
            if (input is not null && !File.Exists(input))
                return TaskOutcome.Failed(input == task.SourcePath ? ErrorCode.SourceUnusable : ErrorCode.Internal,
                    $"input {input} is not readable on this worker");

        // Each attempt writes its own file and renames it into place when complete: a stale attempt still running
        // somewhere (a partitioned worker) can never interleave its writes with the current one's.
        if (task.Kind == TaskKind.Video && task.KeyframeCuts)
        {
            TaskSpec? located;
            try { located = await StartAtKeyframe(task, probeTimeout, ct); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return TaskOutcome.WasCanceled; }
            catch (SourceProbeException e) { return TaskOutcome.Failed(ErrorCode.SourceUnusable, e.Message); }
            if (located is null)
                return TaskOutcome.Failed(ErrorCode.SourceUnusable,
                    $"no video key frame within {TaskPlanner.SeekPreroll} s before {task.Cuts[0].From:0.###} s: the range cannot be stream-copied");
            task = located;
        }
        // The map is read and checked again here, right before use: the master checked it at add_job, but the file
        // (or a table it names) may have changed since, and nothing unchecked may reach ffmpeg.
        StitchMap? map = null;
        if (task.MapPath is not null)
        {
            Result<LoadedStitchMap> loaded;
            // Its tables too must really lie in this worker's roots (a table swapped for a link out is refused).
            try { loaded = await StitchMapLoader.LoadWithTablesAsync(task.MapPath, paths.Roots.Contains, ct); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return TaskOutcome.WasCanceled; }
            if (!loaded.IsOk)
                return TaskOutcome.Failed(loaded.Error!.Code, $"stitching map {task.MapPath}: {loaded.Error.Message}");
            map = loaded.Value!.Map;
        }
        var partial = FileCleanup.PartialName(task.OutputPath);
        var command = FfmpegArguments.Build(task with { OutputPath = partial }, threadsPerTask, map);
        var created = new List<string> { partial };
        try
        {
            if (paths.OutputDirectory(Path.GetDirectoryName(task.OutputPath)!, "output directory") is { } refused)
                return TaskOutcome.Failed(refused.Code, refused.Message);
            foreach (var file in command.Files)
            {
                await File.WriteAllTextAsync(file.Path, file.Content, ct);
                created.Add(file.Path);
            }
            var outcome = await runner.RunAsync(new FfmpegJob(command.Arguments, task.Duration),
                p => onProgress(new TaskProgress(p.Percent, p.Speed)), ct);
            if (outcome.Canceled || ct.IsCancellationRequested) return TaskOutcome.WasCanceled;
            // An input ffmpeg would only read as a playlist or list is the source's fault, not the worker's: -9.
            if (!outcome.Success && MediaProber.NotOnWhitelist(outcome.ErrorTail.Split('\n')) is { } demuxer)
                return TaskOutcome.Failed(ErrorCode.SourceUnusable, $"an input is {InputFormats.Describe(demuxer)}: {InputFormats.OnlyContainers}");
            if (!outcome.Success)
                return TaskOutcome.Failed(ErrorCode.Internal, $"ffmpeg exited with code {outcome.ExitCode}: {outcome.ErrorTail}");
            if (!File.Exists(partial) || new FileInfo(partial).Length == 0)
                return TaskOutcome.Failed(ErrorCode.Internal, "ffmpeg reported success but wrote no output");
            // ffmpeg exits 0 with a header-only file when its input ends before the range (a seek past it): that is
            // no output, whatever the exit code says.
            if (task.Video.Action != StreamAction.Drop && outcome.VideoFrames == 0)
                return TaskOutcome.Failed(ErrorCode.Internal, "ffmpeg exited 0 but wrote no video frame (frame=0): the range read nothing");
            if (paths.Output(task.OutputPath, "output") is { } moved) return TaskOutcome.Failed(moved.Code, moved.Message);
            File.Move(partial, task.OutputPath, overwrite: true);
            created.Remove(partial);
            return TaskOutcome.Succeeded;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return TaskOutcome.WasCanceled;
        }
        catch (IOException ex)
        {
            return TaskOutcome.Failed(ErrorCode.Internal, $"cannot write the task's files: {ex.Message}");
        }
        catch (UnauthorizedAccessException ex)
        {
            return TaskOutcome.Failed(ErrorCode.Internal, $"cannot write the task's files: {ex.Message}");
        }
        finally
        {
            // Whatever did not succeed leaves nothing behind; the concat list is never needed afterwards.
            foreach (var path in created) paths.TryDelete(path);
            // A cancelled job's parts directory may be removed by the job while this ffmpeg still writes into it;
            // the last part to go takes the then-empty directory with it. Only then: after a plain failure the
            // directory is the job's, and a sibling chunk on another worker may be creating it at this moment (it
            // found it gone and failed for good as if a link had been planted there: the breaker test saw it).
            if (ct.IsCancellationRequested && created.Contains(partial) && task.WritesInJobDirectory)
                paths.TryDeleteEmptyDirectory(Path.GetDirectoryName(task.OutputPath)!);
        }
    }

    /// <summary>A copied range must start on a key frame: the last one at or before the range's first timestamp.</summary>
    private static async Task<TaskSpec?> StartAtKeyframe(TaskSpec task, TimeSpan? timeout, CancellationToken ct)
    {
        var cut = task.Cuts[0];
        var keyframe = await KeyframeLocator.LastAtOrBeforeAsync(task.SourcePath, cut.AudioTrimStart, TaskPlanner.SeekPreroll, ct, timeout);
        return keyframe is null ? null : task with { Cuts = [cut with { VideoTrimStart = keyframe.Value }] };
    }
}
