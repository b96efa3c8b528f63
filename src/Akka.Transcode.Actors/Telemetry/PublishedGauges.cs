using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Akka.Transcode.Actors.Telemetry;

/// <summary>
/// The slots of one worker role (a <see cref="Workers.WorkerNode"/> or <see cref="Workers.HttpWorkerHost"/>): the actor
/// sets the busy count as it changes, a scrape reads it from another thread. Live from <see cref="Start"/> until
/// disposed; a node has one, and test processes that run several report their sum.
/// </summary>
public sealed class WorkerSlotGauge : IDisposable
{
    private static readonly ConcurrentDictionary<WorkerSlotGauge, byte> Live = new();
    private readonly int _total;
    private int _busy;

    private WorkerSlotGauge(int total) => _total = total;

    public static WorkerSlotGauge Start(int slots)
    {
        TranscodeMetrics.EnsureCreated();
        var gauge = new WorkerSlotGauge(slots);
        Live[gauge] = 0;
        return gauge;
    }

    public void SetBusy(int busy) => Volatile.Write(ref _busy, busy);

    public void Dispose() => Live.TryRemove(this, out _);

    internal static IEnumerable<Measurement<int>> Observe(bool busy)
    {
        var gauges = Live.Keys.ToList();
        if (gauges.Count == 0) return [];
        return [new Measurement<int>(gauges.Sum(g => busy ? Volatile.Read(ref g._busy) : g._total))];
    }
}

/// <summary>
/// The worker registry's queue and running attempts, published by the registry singleton while it runs on this node,
/// so exactly one node of a cluster reports them.
/// </summary>
public sealed class TaskQueueGauge : IDisposable
{
    private static readonly ConcurrentDictionary<TaskQueueGauge, byte> Live = new();
    private int _queued;
    private int _running;

    public static TaskQueueGauge Start()
    {
        TranscodeMetrics.EnsureCreated();
        var gauge = new TaskQueueGauge();
        Live[gauge] = 0;
        return gauge;
    }

    public void Set(int queued, int running)
    {
        Volatile.Write(ref _queued, queued);
        Volatile.Write(ref _running, running);
    }

    public void Dispose() => Live.TryRemove(this, out _);

    internal static IEnumerable<Measurement<int>> Observe(bool running)
    {
        var gauges = Live.Keys.ToList();
        if (gauges.Count == 0) return [];
        return [new Measurement<int>(gauges.Sum(g => running ? Volatile.Read(ref g._running) : Volatile.Read(ref g._queued)))];
    }
}
