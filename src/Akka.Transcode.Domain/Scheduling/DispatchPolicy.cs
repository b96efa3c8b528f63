namespace Akka.Transcode.Domain.Scheduling;

/// <summary>A task waiting for a slot, as the queue orders it.</summary>
/// <param name="Seq">Arrival order at the registry: the last tie-breaker.</param>
public sealed record WaitingTask(string TaskId, int Priority, DateTimeOffset JobCreatedAt, int TaskIndex, long Seq);

/// <summary>A worker as slot choice sees it.</summary>
public sealed record WorkerSlots(string WorkerId, string Node, int Free, int Running);

/// <summary>
/// Which waiting task goes first and to which worker: pure rules the worker registry applies.
/// </summary>
public static class DispatchPolicy
{
    /// <summary>
    /// Higher priority first, then older jobs, then a job's pieces in task order (the join needs them all, but a
    /// watcher sees steady progress, and the planner sizes pieces so they end together), then arrival.
    /// </summary>
    public static readonly IComparer<WaitingTask> QueueOrder = Comparer<WaitingTask>.Create((a, b) =>
    {
        if (ReferenceEquals(a, b)) return 0;
        var c = b.Priority.CompareTo(a.Priority);
        if (c != 0) return c;
        c = a.JobCreatedAt.CompareTo(b.JobCreatedAt);
        if (c != 0) return c;
        c = a.TaskIndex.CompareTo(b.TaskIndex);
        return c != 0 ? c : a.Seq.CompareTo(b.Seq);
    });

    /// <summary>
    /// The worker for the next task: among those with a free slot (and not in <paramref name="avoid"/>, the workers
    /// earlier attempts failed on, unless only those are left), the one on the node with the fewest tasks running,
    /// so the pieces of a job spread over distinct machines before any machine runs two; then the most free slots;
    /// then the worker id, so the choice does not depend on the order workers registered in. Null when none can take it.
    /// </summary>
    public static string? ChooseWorker(IReadOnlyList<WorkerSlots> workers, IReadOnlyCollection<string>? avoid)
    {
        var usable = avoid is { Count: > 0 } && workers.Any(w => !avoid.Contains(w.WorkerId))
            ? workers.Where(w => !avoid.Contains(w.WorkerId))
            : workers;
        var busyByNode = workers.GroupBy(w => w.Node).ToDictionary(g => g.Key, g => g.Sum(w => w.Running));
        return usable.Where(w => w.Free > 0)
            .OrderBy(w => busyByNode[w.Node])
            .ThenByDescending(w => w.Free)
            .ThenBy(w => w.WorkerId, StringComparer.Ordinal)
            .FirstOrDefault()?.WorkerId;
    }
}
