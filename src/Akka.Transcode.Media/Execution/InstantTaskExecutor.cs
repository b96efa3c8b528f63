using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Media.Files;
using Akka.Transcode.Media.Paths;

namespace Akka.Transcode.Media.Execution;

/// <summary>
/// A stand-in for <see cref="FfmpegTaskExecutor"/> that does no media work, for soak tests and control-plane
/// benchmarks (<c>Transcode:Worker:Executor=instant</c>): each task "completes" at once with a byte copy of its
/// input where ffmpeg's output would be (transcode, video and audio tasks copy the source; a join concatenates its
/// parts), written under a partial name and renamed like a real attempt's, so the job's own checks, rename and
/// cleanup run unchanged. Outputs are not playable media of the asked format; never use it for real work.
/// </summary>
/// <param name="paths">This worker's roots, checked right before use as by the real executor.</param>
public sealed class InstantTaskExecutor(PathGuard paths) : ITaskExecutor
{
    public async Task<TaskOutcome> RunAsync(TaskSpec task, Action<TaskProgress> onProgress, CancellationToken ct)
    {
        var inputs = Inputs(task);
        foreach (var input in inputs)
        {
            // As the real executor: checked again now, a directory may have become a link out since add_job.
            if (paths.Input(input, "input") is { } refused) return TaskOutcome.Failed(refused.Code, refused.Message);
            if (!File.Exists(input))
                return TaskOutcome.Failed(input == task.SourcePath ? ErrorCode.SourceUnusable : ErrorCode.Internal,
                    $"input {input} is not readable on this worker");
        }

        var partial = FileCleanup.PartialName(task.OutputPath);
        var written = false;
        try
        {
            if (paths.OutputDirectory(Path.GetDirectoryName(task.OutputPath)!, "output directory") is { } refused)
                return TaskOutcome.Failed(refused.Code, refused.Message);
            await using (var output = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None,
                             bufferSize: 81920, useAsync: true))
            {
                written = true;
                foreach (var input in inputs)
                {
                    await using var source = new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.Read,
                        bufferSize: 81920, useAsync: true);
                    await source.CopyToAsync(output, ct);
                }
            }
            ct.ThrowIfCancellationRequested();
            if (paths.Output(task.OutputPath, "output") is { } moved) return TaskOutcome.Failed(moved.Code, moved.Message);
            File.Move(partial, task.OutputPath, overwrite: true);
            written = false;
            onProgress(new TaskProgress(100, null));
            return TaskOutcome.Succeeded;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return TaskOutcome.WasCanceled;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return TaskOutcome.Failed(ErrorCode.Internal, $"cannot write the task's files: {ex.Message}");
        }
        finally
        {
            if (written)
            {
                paths.TryDelete(partial);
                // As with ffmpeg: a cancelled job may have removed its parts directory meanwhile; a failed attempt
                // leaves it to the job and to the sibling chunks.
                if (ct.IsCancellationRequested && task.WritesInJobDirectory)
                    paths.TryDeleteEmptyDirectory(Path.GetDirectoryName(task.OutputPath)!);
            }
        }
    }

    /// <summary>What the real task would read: a join its parts (video, then the audio part if any), a sprite its
    /// stills, else the source.</summary>
    private static IReadOnlyList<string> Inputs(TaskSpec task) =>
        task.ReadsParts
            ? task.VideoParts.Concat(task.AudioPart is null ? [] : [task.AudioPart]).ToList()
            : [task.SourcePath];
}
