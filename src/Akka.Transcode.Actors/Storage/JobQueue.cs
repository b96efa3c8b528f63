using Akka.Transcode.Actors.Jobs;

namespace Akka.Transcode.Actors.Storage;

/// <summary>A job as the intake stores it: its first journal row (the job.submitted event, serialized) and what the
/// start order needs.</summary>
/// <param name="Summary">The job as get_job shows it while it waits, until the job list has it.</param>
public sealed record QueuedJob(string JobId, int Priority, DateTimeOffset CreatedAt, int SerializerId, string Manifest,
    byte[] Event, Domain.Jobs.JobSummary Summary)
{
    public string PersistenceId => JobEntity.PersistenceIdPrefix + JobId;
}

/// <summary>
/// The jobs accepted and not started yet (<c>job_queue</c>). <see cref="AppendAsync"/> writes a whole batch of
/// submissions in one transaction: each job's first event straight into the journal (the row the job entity recovers
/// from when it starts, and the job list reads; <see cref="JournalTable.InsertFirstEventsAsync"/>), and its place in
/// the start order into <c>job_queue</c>. The job starter takes jobs from the front of that order, highest priority
/// then oldest, and removes them once their entity runs. So a backlog of any size lives in this table, not in memory,
/// and accepting a job costs a share of one commit.
/// </summary>
public sealed class JobQueue(Database db) : IJobSubmissions, IStartQueue
{
    // 8 parameters a row: 100 rows stay far below SQLite's and PostgreSQL's limits on parameters per statement.
    private const int RowsPerStatement = 100;

    /// <summary>
    /// Stores the jobs, all or none. Fails with a unique violation when one of the ids has a journal row already
    /// (a client repeating its job_id), and with a missing table while the journal plugin has not created its tables.
    /// </summary>
    public async Task AppendAsync(IReadOnlyList<QueuedJob> jobs, string writerUuid, CancellationToken ct = default)
    {
        if (jobs.Count == 0) return;
        await using var c = await db.OpenAsync(ct);
        using var turn = await db.WriteTurnAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        foreach (var chunk in jobs.Chunk(RowsPerStatement))
        {
            await JournalTable.InsertFirstEventsAsync(c, tx, chunk, writerUuid, ct);
            await using var queue = c.CreateCommand();
            queue.Transaction = tx;
            var rows = chunk.Select((j, i) => "(" + queue.AddList($"q{i}_",
                [j.JobId, j.Priority, j.CreatedAt.ToUnixTimeMilliseconds(), JobReadStore.Serialize(j.Summary)]) + ")");
            queue.CommandText = "INSERT INTO job_queue (id, priority, created_at, body) VALUES " + string.Join(",", rows);
            await queue.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
    }

    /// <summary>The first <paramref name="limit"/> job ids of the start order.</summary>
    public async Task<IReadOnlyList<string>> NextAsync(int limit, CancellationToken ct = default)
    {
        var ids = new List<string>();
        if (limit <= 0) return ids;
        await using var c = await db.OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT id FROM job_queue ORDER BY priority DESC, created_at, id LIMIT @n";
        cmd.Add("@n", limit);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) ids.Add(r.GetString(0));
        return ids;
    }

    /// <summary>Takes started jobs out of the order (their entities now carry them).</summary>
    public async Task RemoveAsync(IReadOnlyCollection<string> ids, CancellationToken ct = default)
    {
        if (ids.Count == 0) return;
        await using var c = await db.OpenAsync(ct);
        using var turn = await db.WriteTurnAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        foreach (var chunk in ids.Chunk(500))
        {
            await using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = $"DELETE FROM job_queue WHERE id IN ({cmd.AddList("p", chunk)})";
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
    }

    /// <summary>A job still waiting in the queue as get_job shows it (INIT), or null when it is not queued.</summary>
    public async Task<Domain.Jobs.JobSummary?> GetAsync(string id, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT body FROM job_queue WHERE id = @id";
        cmd.Add("@id", id);
        return await cmd.ExecuteScalarAsync(ct) is string body ? JobReadStore.Deserialize(body) : null;
    }
}
