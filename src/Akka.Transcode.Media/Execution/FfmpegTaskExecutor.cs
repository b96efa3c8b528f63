using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Media.Running;

namespace Akka.Transcode.Media.Execution;

/// <summary>Runs a task as one ffmpeg process: the real worker behind the worker actors.</summary>
/// <param name="threadsPerTask">ffmpeg -threads per task; 0 lets ffmpeg use every core (one slot per node).</param>
public sealed class FfmpegTaskExecutor(FfmpegRunner runner, int threadsPerTask = 0) : ITaskExecutor
{
    public async Task<TaskOutcome> RunAsync(TaskSpec task, Action<TaskProgress> onProgress, CancellationToken ct)
    {
        var inputs = task.Kind == TaskKind.Join ? task.VideoParts.Append(task.AudioPart) : [task.SourcePath];
        foreach (var input in inputs)
            if (input is not null && !File.Exists(input))
                return TaskOutcome.Failed(input == task.SourcePath ? ErrorCode.SourceUnusable : ErrorCode.Internal,
                    $"input {input} is not readable on this worker");

        var command = FfmpegArguments.Build(task, threadsPerTask);
        var created = new List<string> { task.OutputPath };
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(task.OutputPath)!);
            foreach (var file in command.Files)
            {
                await File.WriteAllTextAsync(file.Path, file.Content, ct);
                created.Add(file.Path);
            }
            var outcome = await runner.RunAsync(new FfmpegJob(command.Arguments, task.Duration),
                p => onProgress(new TaskProgress(p.Percent, p.Speed)), ct);
            if (outcome.Canceled || ct.IsCancellationRequested) return TaskOutcome.WasCanceled;
            if (!outcome.Success)
                return TaskOutcome.Failed(ErrorCode.Internal, $"ffmpeg exited with code {outcome.ExitCode}: {outcome.ErrorTail}");
            if (!File.Exists(task.OutputPath) || new FileInfo(task.OutputPath).Length == 0)
                return TaskOutcome.Failed(ErrorCode.Internal, "ffmpeg reported success but wrote no output");
            created.Remove(task.OutputPath);
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
            foreach (var path in created) TryDelete(path);
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
