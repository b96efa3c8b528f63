using Akka.Transcode.Domain.Jobs;

namespace Akka.Transcode.Actors.Storage;

// What each actor may do with the database: one narrow port per use, implemented by the stores in this folder, which
// hold every statement. The actors see no SQL and no connection.

/// <summary>The job intake's: store a batch of accepted jobs (<see cref="JobQueue"/>).</summary>
public interface IJobSubmissions
{
    Task AppendAsync(IReadOnlyList<QueuedJob> jobs, string writerUuid, CancellationToken ct = default);
}

/// <summary>The job starter's view of the start queue (<see cref="JobQueue"/>).</summary>
public interface IStartQueue
{
    Task<IReadOnlyList<string>> NextAsync(int limit, CancellationToken ct = default);
    Task RemoveAsync(IReadOnlyCollection<string> ids, CancellationToken ct = default);
}

/// <summary>The job starter's view of the job list: which jobs run and which ended (<see cref="JobReadStore"/>).</summary>
public interface IRunningJobs
{
    Task<IReadOnlyList<string>> RunningNotQueuedAsync(CancellationToken ct = default);
    Task<IReadOnlyList<string>> EndedAmongAsync(IReadOnlyCollection<string> ids, CancellationToken ct = default);
}

/// <summary>The projection's writes to the job list and its offset (<see cref="JobReadStore"/>).</summary>
public interface IJobListWriter
{
    Task EnsureCountsAsync(CancellationToken ct = default);
    Task<long> LoadOffsetAsync(string projection, CancellationToken ct = default);
    Task ApplyAsync(string projection, IReadOnlyList<IJobEvent> batch, long offset, CancellationToken ct = default);
    Task ReplaceAsync(IReadOnlyList<JobSummary> rows, CancellationToken ct = default);
}

/// <summary>The projection's reads of the journal's tail (<see cref="JournalTable"/>).</summary>
public interface IJournalTail
{
    Task<IReadOnlyList<TailRow>> ReadAfterAsync(string persistenceIdPrefix, long after, int limit, CancellationToken ct = default);
    Task<IReadOnlyList<(long Ordering, string PersistenceId)>> ReadInAsync(string persistenceIdPrefix,
        IReadOnlyList<(long From, long To)> ranges, CancellationToken ct = default);
    Task<IReadOnlyList<TailRow>> ReadStreamAsync(string persistenceId, CancellationToken ct = default);
}

/// <summary>The retention sweeper's: find ended jobs, check the list has read them, forget them (<see cref="JobReadStore"/>).</summary>
public interface IRetentionStorage
{
    Task<IReadOnlyList<JobSummary>> EndedCreatedBeforeAsync(DateTimeOffset createdBefore, int limit, CancellationToken ct = default);
    Task<IReadOnlyList<string>> ProjectedAsync(string projection, IReadOnlyList<string> jobIds, string prefix, CancellationToken ct = default);
    Task ForgetAsync(IReadOnlyList<string> jobIds, IReadOnlyList<string> persistenceIds, CancellationToken ct = default);
}
