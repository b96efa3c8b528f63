using System.Collections;
using System.Collections.Immutable;

namespace Akka.Transcode.Domain.Tasks;

/// <summary>A sorted set of worker ids that compares by content, so the state records holding it stay value-equal.</summary>
public sealed class WorkerSet : IReadOnlyCollection<string>, IEquatable<WorkerSet>
{
    public static readonly WorkerSet Empty = new(ImmutableSortedSet<string>.Empty);

    private readonly ImmutableSortedSet<string> _ids;

    private WorkerSet(ImmutableSortedSet<string> ids) => _ids = ids;

    public int Count => _ids.Count;

    public WorkerSet Add(string workerId) => _ids.Contains(workerId) ? this : new WorkerSet(_ids.Add(workerId));

    public bool Contains(string workerId) => _ids.Contains(workerId);

    public IEnumerator<string> GetEnumerator() => _ids.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(WorkerSet? other) => other is not null && _ids.SequenceEqual(other._ids);

    public override bool Equals(object? obj) => Equals(obj as WorkerSet);

    public override int GetHashCode() => _ids.Aggregate(0, (h, id) => HashCode.Combine(h, id));

    public override string ToString() => "[" + string.Join(", ", _ids) + "]";
}
