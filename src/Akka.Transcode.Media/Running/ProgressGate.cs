using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Akka.Transcode.Media.Running;

/// <summary>
/// Decides which progress reports reach the caller: at most one per <c>minInterval</c>, never going backwards,
/// and a final 100 only when the run succeeded. Runs on ffmpeg's stderr thread, hence the lock; the callback is
/// invoked inside it so a late stderr line can never overtake the final report. An exception thrown on that
/// thread would end the whole process (and orphan ffmpeg), so a failing callback is held and rethrown by
/// <see cref="ThrowIfCallbackFailed"/> on the caller's side; no further reports follow it.
/// </summary>
internal sealed class ProgressGate(Action<FfmpegProgress> deliver, TimeSpan minInterval)
{
    private readonly object _gate = new();
    private TimeSpan _processed;
    private double? _speed;
    private bool _statsPending;
    private long? _frames;
    private double _percent;
    private long? _lastDelivery;
    private bool _closed;
    private ExceptionDispatchInfo? _callbackFailure;

    /// <summary>The video frames the last stats line counted; null when no line counted any (no video output).</summary>
    public long? Frames
    {
        get { lock (_gate) return _frames; }
    }

    /// <summary>A stats line was read; FFMpegCore reports its percentage right after.</summary>
    public void OnStats(TimeSpan processed, double? speed, long? frames = null)
    {
        lock (_gate)
        {
            if (frames is not null) _frames = frames;
            if (_closed) return;
            if (processed > _processed) _processed = processed;
            _speed = speed ?? _speed;
            _statsPending = true;
        }
    }

    /// <summary>
    /// FFMpegCore's percentage. It also reports 100 once ffmpeg has exited, whatever the outcome; that report
    /// follows no stats line and is dropped, because only <see cref="Complete"/> knows whether the run succeeded.
    /// </summary>
    public void OnPercent(double percent)
    {
        lock (_gate)
        {
            if (_closed || !_statsPending) return;
            _statsPending = false;
            var now = Stopwatch.GetTimestamp();
            if (_lastDelivery is { } last && Stopwatch.GetElapsedTime(last, now) < minInterval) return;

            _percent = Math.Max(_percent, Math.Clamp(double.IsFinite(percent) ? percent : 0, 0, 100));
            _lastDelivery = now;
            Deliver(new FfmpegProgress(_percent, _speed, _processed));
        }
    }

    public void Complete(bool success)
    {
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
            if (success) Deliver(new FfmpegProgress(100, _speed, _processed));
        }
    }

    public void ThrowIfCallbackFailed()
    {
        lock (_gate) _callbackFailure?.Throw();
    }

    private void Deliver(FfmpegProgress progress)
    {
        if (_callbackFailure is not null) return;
        try
        {
            deliver(progress);
        }
        catch (Exception e)
        {
            _callbackFailure = ExceptionDispatchInfo.Capture(e);
        }
    }
}
