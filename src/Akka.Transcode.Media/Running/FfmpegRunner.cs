using FFMpegCore;
using FFMpegCore.Exceptions;

namespace Akka.Transcode.Media.Running;

/// <summary>
/// Runs one ffmpeg process through FFMpegCore from a finished argument list. It never deletes files: the caller
/// owns its outputs, complete or not. With a <paramref name="pidDir"/>, each running ffmpeg has a pid file there
/// for <see cref="OrphanReaper"/>.
/// </summary>
public sealed class FfmpegRunner(string? pidDir = null)
{
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);
    private const int TailLines = 15;

    /// <summary>
    /// Runs the job to its end. <paramref name="onProgress"/> is invoked on a process thread, at most about four
    /// times a second, and once more with 100 when the run succeeds. Should it throw, reports stop, ffmpeg runs on,
    /// and the exception is rethrown here once ffmpeg has ended.
    /// Cancelling sends ffmpeg 'q' and kills it if it has not exited after <paramref name="grace"/> (3 s by default).
    /// </summary>
    public async Task<FfmpegOutcome> RunAsync(FfmpegJob job, Action<FfmpegProgress> onProgress, CancellationToken ct, TimeSpan? grace = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(onProgress);
        if (!double.IsFinite(job.ExpectedDurationSeconds) || job.ExpectedDurationSeconds <= 0)
            throw new ArgumentOutOfRangeException(nameof(job), job.ExpectedDurationSeconds, "The expected duration must be positive: progress is a share of it.");

        var commandLine = CommandLine.Quote(job.Arguments);
        if (ct.IsCancellationRequested) return Canceled(string.Empty);

        var tail = new StderrTail(TailLines);
        var gate = new ProgressGate(onProgress, ProgressInterval);
        using var tracker = new ChildTracker(pidDir, job.Arguments);

        FFMpegResult result;
        try
        {
            result = await FFMpegArguments
                .FromInput(new RawCommandLine(commandLine, tracker.OnStarted))
                .OutputTo(new NoOutput())
                .NotifyOnStandardError(line => OnStderr(line, tail, gate))
                .NotifyOnPercentageProgress(gate.OnPercent, TimeSpan.FromSeconds(job.ExpectedDurationSeconds))
                .CancellableThrough(ct, grace ?? DefaultGrace)
                // A log level from the global options would add "-v" to our arguments.
                .Configure(options => options.LogLevel = null)
                .ProcessAsynchronously(throwOnError: false)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Cancelled between our check and the start: FFMpegCore throws rather than starting ffmpeg.
            return Canceled(tail.Text);
        }
        catch (FFMpegException e)
        {
            // Raised before ffmpeg runs, e.g. when the binary cannot be found.
            return new FfmpegOutcome(false, false, -1, e.Message);
        }

        var success = result.Success && !result.Cancelled;
        gate.Complete(success);
        gate.ThrowIfCallbackFailed();
        // FFMpegCore's own StandardError is empty after a cancel, so the tail is always ours.
        return new FfmpegOutcome(success, result.Cancelled, result.ExitCode, tail.Text, gate.Frames);
    }

    private static void OnStderr(string line, StderrTail tail, ProgressGate gate)
    {
        // Stats lines would push the actual error out of the tail.
        if (StatsLine.TryParse(line, out var processed, out var speed, out var frames)) gate.OnStats(processed, speed, frames);
        else tail.Add(line);
    }

    private static FfmpegOutcome Canceled(string tail) => new(false, true, -1, tail);
}
