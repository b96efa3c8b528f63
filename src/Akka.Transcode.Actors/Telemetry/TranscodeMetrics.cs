using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Akka.Transcode.Actors.Telemetry;

/// <summary>
/// The instruments of the "Akka.Transcode" meter (System.Diagnostics.Metrics, so this assembly depends on no
/// exporter). Names are the Prometheus names, in base units; <see cref="MetricsCollector"/> renders them at /metrics.
/// Gauges are observed at scrape time from values the actors publish (<see cref="WorkerSlotGauge"/>,
/// <see cref="TaskQueueGauge"/>) or, for jobs by state, from the job list (the node registers that one).
/// </summary>
public static class TranscodeMetrics
{
    public const string MeterName = "Akka.Transcode";

    public static readonly Meter Meter = new(MeterName, typeof(TranscodeMetrics).Assembly.GetName().Version?.ToString());

    /// <summary>Jobs and tasks run from under a second (a stream copy) to hours.</summary>
    private static readonly double[] LongSeconds = [0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400];

    /// <summary>A journal write is a database round trip: milliseconds, seconds when the database struggles.</summary>
    private static readonly double[] ShortSeconds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    /// <summary>ffmpeg's speed: × real time.</summary>
    private static readonly double[] SpeedRatios = [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 4, 8, 16, 32];

    public static readonly Histogram<double> JobDuration = Meter.CreateHistogram<double>("transcode_job_duration_seconds",
        "s", "Time from add_job to the job's end, by end state (completed, failed, canceled).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LongSeconds });

    public static readonly Histogram<double> TaskDuration = Meter.CreateHistogram<double>("transcode_task_duration_seconds",
        "s", "Run time of a task's last attempt, from its start on a worker to the task's end, by kind and end state (succeeded, failed).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LongSeconds });

    public static readonly Histogram<double> JournalWrite = Meter.CreateHistogram<double>("transcode_journal_write_seconds",
        "s", "Time from a Persist call of a job or task entity to its handler: the event journal's write latency, by entity.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = ShortSeconds });

    public static readonly Histogram<double> EncodeSpeed = Meter.CreateHistogram<double>("transcode_encode_speed_ratio",
        null, "ffmpeg's encoding speed (x real time) as its progress reports give it, one sample per report, on this worker node.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SpeedRatios });

    static TranscodeMetrics()
    {
        Meter.CreateObservableGauge("transcode_worker_slots", () => WorkerSlotGauge.Observe(busy: false),
            null, "Task slots of the worker role on this node (cluster or HTTP worker).");
        Meter.CreateObservableGauge("transcode_worker_slots_busy", () => WorkerSlotGauge.Observe(busy: true),
            null, "Task slots of the worker role on this node that run an attempt now.");
        Meter.CreateObservableGauge("transcode_tasks_queued", () => TaskQueueGauge.Observe(running: false),
            null, "Tasks waiting for a worker slot; reported by the node that hosts the worker registry.");
        Meter.CreateObservableGauge("transcode_tasks_running", () => TaskQueueGauge.Observe(running: true),
            null, "Task attempts assigned to workers; reported by the node that hosts the worker registry.");
    }

    /// <summary>Runs the static constructor, which makes the gauges: a node that never records a measurement
    /// (an idle HTTP worker) must still report its slots.</summary>
    public static void EnsureCreated() { }

    public static KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value);

    /// <summary>The seconds since <paramref name="startTimestamp"/> (a <see cref="Stopwatch.GetTimestamp"/>).</summary>
    public static double SecondsSince(long startTimestamp) => Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds;
}
