using System.Data.Common;
using System.Text.Json;
using Akka.Transcode.Domain.Jobs;

namespace Akka.Transcode.Actors.Storage;

public sealed record JobPage(long Total, IReadOnlyList<JobSummary> Jobs);

/// <summary>
/// The job list's tables (<c>job_list</c>, <c>job_counts</c>, <c>projection_offsets</c>): one row per job with its
/// creation time indexed, so a page of the newest jobs is an index range scan however many jobs exist. Written by the
/// projection (and rows of long-ended jobs removed by retention, <see cref="ReadModel.RetentionSweeper"/>), read by
/// every api node and by the job starter.
/// </summary>
public sealed class JobReadStore(Database db) : IJobListWriter, IRunningJobs, IRetentionStorage
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>A list row's JSON; the start queue keeps a waiting job's row the same way.</summary>
    public static string Serialize(JobSummary row) => JsonSerializer.Serialize(row, Json);

    public static JobSummary Deserialize(string body) => JsonSerializer.Deserialize<JobSummary>(body, Json)!;

    /// <summary>The journal of the same database, which the projection reads into the list.</summary>
    public JournalTable Journal { get; } = new(db);

    /// <summary>
    /// Fills job_counts from job_list when it is empty and the list is not (a database from before the counts). Run
    /// by the projection before it writes: it is the list's only writer, so nothing moves the rows meanwhile.
    /// </summary>
    public async Task EnsureCountsAsync(CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        await using (var cmd = c.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = """
                INSERT INTO job_counts (state, n)
                SELECT state, COUNT(*) FROM job_list
                WHERE NOT EXISTS (SELECT 1 FROM job_counts)
                GROUP BY state
                """;
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
    }

    public async Task<long> LoadOffsetAsync(string projection, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT position FROM projection_offsets WHERE name = @n";
        cmd.Add("@n", projection);
        return await cmd.ExecuteScalarAsync(ct) is { } v and not DBNull ? Convert.ToInt64(v) : 0;
    }

    /// <summary>
    /// Applies a batch of events and moves the offset to <paramref name="offset"/> in one transaction: a crash repeats
    /// a batch, never skips one. The offset may lie beyond the last event (rows of other entities were read too).
    /// The rows are read and folded before the transaction begins (the projection is the list's only writer, so
    /// nothing moves them meanwhile): the write lock is held for the writes alone, and on SQLite every other writer
    /// (the journal, the job intake) waits for it.
    /// </summary>
    public async Task ApplyAsync(string projection, IReadOnlyList<IJobEvent> batch, long offset, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var changed = new List<(JobState? Before, JobSummary Row)>();
        if (batch.Count > 0)
        {
            var rows = await LoadAsync(c, batch.Select(e => e.JobId).Distinct().ToList(), ct);
            var before = rows.ToDictionary(r => r.Key, r => r.Value.State);
            var touched = new HashSet<string>();
            foreach (var e in batch)
            {
                var next = JobSummary.Apply(rows.GetValueOrDefault(e.JobId), e);
                if (next is null) continue;
                rows[e.JobId] = next;
                touched.Add(e.JobId);
            }
            changed.AddRange(touched.Select(id => (before.TryGetValue(id, out var b) ? b : (JobState?)null, rows[id])));
        }
        var bodies = changed.Select(ch => Serialize(ch.Row)).ToList();
        using var turn = await db.WriteTurnAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        await UpsertAsync(c, tx, changed.Select(ch => ch.Row).ToList(), bodies, ct);
        await AddCountsAsync(c, tx, changed.Select(ch => (ch.Before, ch.Row.State)), ct);
        await using (var off = c.CreateCommand())
        {
            off.Transaction = tx;
            off.CommandText = """
                INSERT INTO projection_offsets (name, position) VALUES (@n, @p)
                ON CONFLICT (name) DO UPDATE SET position = excluded.position
                """;
            off.Add("@n", projection);
            off.Add("@p", offset);
            await off.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
    }

    /// <summary>Writes whole rows, folded from a job's full event stream (a late event arrived below the offset).</summary>
    public async Task ReplaceAsync(IReadOnlyList<JobSummary> rows, CancellationToken ct = default)
    {
        if (rows.Count == 0) return;
        await using var c = await db.OpenAsync(ct);
        var before = await LoadAsync(c, rows.Select(r => r.Id).Distinct().ToList(), ct);
        var bodies = rows.Select(Serialize).ToList();
        using var turn = await db.WriteTurnAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        await UpsertAsync(c, tx, rows, bodies, ct);
        await AddCountsAsync(c, tx, rows.Select(r => (before.TryGetValue(r.Id, out var b) ? b.State : (JobState?)null, r.State)), ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// Keeps job_counts in step with job_list, in the same transaction: get_jobs' total and the state gauges read
    /// one row per state instead of counting the list (a COUNT(*) over 100,000 rows took PostgreSQL milliseconds
    /// on every page).
    /// </summary>
    private static async Task AddCountsAsync(DbConnection c, DbTransaction tx,
        IEnumerable<(JobState? Before, JobState After)> changes, CancellationToken ct)
    {
        var delta = new Dictionary<JobState, long>();
        foreach (var (b, a) in changes)
        {
            if (b == a) continue;
            if (b is { } was) delta[was] = delta.GetValueOrDefault(was) - 1;
            delta[a] = delta.GetValueOrDefault(a) + 1;
        }
        foreach (var (state, n) in delta)
        {
            if (n == 0) continue;
            await using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = """
                INSERT INTO job_counts (state, n) VALUES (@s, @n)
                ON CONFLICT (state) DO UPDATE SET n = job_counts.n + excluded.n
                """;
            cmd.Add("@s", (int)state);
            cmd.Add("@n", n);
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>One statement, its parameters set anew for each row: SQLite compiles it once for the whole batch.</summary>
    private static async Task UpsertAsync(DbConnection c, DbTransaction tx, IReadOnlyList<JobSummary> rows,
        IReadOnlyList<string> bodies, CancellationToken ct)
    {
        if (rows.Count == 0) return;
        await using var up = c.CreateCommand();
        up.Transaction = tx;
        up.CommandText = """
            INSERT INTO job_list (id, created_at, state, body) VALUES (@id, @created, @state, @body)
            ON CONFLICT (id) DO UPDATE SET state = excluded.state, body = excluded.body
            """;
        up.Add("@id", "");
        up.Add("@created", 0L);
        up.Add("@state", 0);
        up.Add("@body", "");
        for (var i = 0; i < rows.Count; i++)
        {
            up.Parameters[0].Value = rows[i].Id;
            up.Parameters[1].Value = rows[i].CreatedAt.ToUnixTimeMilliseconds();
            up.Parameters[2].Value = (int)rows[i].State;
            up.Parameters[3].Value = bodies[i];
            await up.ExecuteNonQueryAsync(ct);
        }
    }

    public async Task<JobPage> QueryAsync(int start, int limit, bool newestFirst, int? state, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var where = state is null ? "" : "WHERE state = @state";
        var order = newestFirst ? "DESC" : "ASC";
        long total;
        await using (var count = c.CreateCommand())
        {
            count.CommandText = $"SELECT COALESCE(SUM(n), 0) FROM job_counts {where}";
            if (state is not null) count.Add("@state", state.Value);
            total = Convert.ToInt64(await count.ExecuteScalarAsync(ct));
        }
        var jobs = new List<JobSummary>();
        await using (var page = c.CreateCommand())
        {
            // The page's ids come from the index alone (created_at, id; or state, created_at, id), skipping
            // start_index entries there; only the page's own rows are then read. With the body in the same scan,
            // PostgreSQL fetched every skipped row from the table: a page 20,000 deep took up to half a second.
            page.CommandText = $"""
                SELECT j.body FROM job_list j
                JOIN (SELECT id, created_at FROM job_list {where} ORDER BY created_at {order}, id {order} LIMIT @limit OFFSET @start) p
                  ON p.id = j.id
                ORDER BY p.created_at {order}, p.id {order}
                """;
            if (state is not null) page.Add("@state", state.Value);
            page.Add("@limit", limit);
            page.Add("@start", start);
            await using var r = await page.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) jobs.Add(Deserialize(r.GetString(0)));
        }
        return new JobPage(total, jobs);
    }

    /// <summary>
    /// Jobs not ended yet, and how many of <paramref name="ids"/> the list already holds, read in one statement so
    /// both come from the same snapshot: a job listed between two reads would otherwise be counted twice or never.
    /// </summary>
    public async Task<(long Unfinished, long Listed)> CountUnfinishedAsync(IReadOnlyList<string> ids, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        var listed = ids.Count == 0 ? "0" : $"(SELECT COUNT(*) FROM job_list WHERE id IN ({cmd.AddList("p", ids)}))";
        cmd.CommandText = $"SELECT (SELECT COALESCE(SUM(n), 0) FROM job_counts WHERE state IN (0, 1, 2)), {listed}";
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return (Convert.ToInt64(r.GetValue(0)), Convert.ToInt64(r.GetValue(1)));
    }

    /// <summary>How many jobs the list holds in each state (states without jobs are absent), from the per-state
    /// counts kept with the list.</summary>
    public async Task<IReadOnlyDictionary<JobState, long>> CountByStateAsync(CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT state, n FROM job_counts WHERE n > 0";
        var counts = new Dictionary<JobState, long>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) counts[(JobState)Convert.ToInt32(r.GetValue(0))] = Convert.ToInt64(r.GetValue(1));
        return counts;
    }

    /// <summary>Those of <paramref name="ids"/> that the list shows ended (completed, failed or cancelled).</summary>
    public async Task<IReadOnlyList<string>> EndedAmongAsync(IReadOnlyCollection<string> ids, CancellationToken ct = default)
    {
        var ended = new List<string>();
        if (ids.Count == 0) return ended;
        await using var c = await db.OpenAsync(ct);
        foreach (var chunk in ids.Chunk(500))
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = $"SELECT id FROM job_list WHERE state IN (3, 4, 5) AND id IN ({cmd.AddList("p", chunk)})";
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) ended.Add(r.GetString(0));
        }
        return ended;
    }

    /// <summary>
    /// Jobs the list shows unfinished that are not waiting in the start queue (<see cref="JobQueue"/>): the ones whose
    /// entities run. A job starter that takes over after a fail-over counts them against its window.
    /// </summary>
    public async Task<IReadOnlyList<string>> RunningNotQueuedAsync(CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = """
            SELECT l.id FROM job_list l
            WHERE l.state IN (0, 1, 2) AND NOT EXISTS (SELECT 1 FROM job_queue q WHERE q.id = l.id)
            """;
        var ids = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) ids.Add(r.GetString(0));
        return ids;
    }

    public async Task<JobSummary?> GetAsync(string id, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT body FROM job_list WHERE id = @id";
        cmd.Add("@id", id);
        return await cmd.ExecuteScalarAsync(ct) is string body ? Deserialize(body) : null;
    }

    /// <summary>
    /// Retention's candidates: up to <paramref name="limit"/> ended jobs created before <paramref name="createdBefore"/>,
    /// oldest first, read through the (state, created_at) index.
    /// </summary>
    public async Task<IReadOnlyList<JobSummary>> EndedCreatedBeforeAsync(DateTimeOffset createdBefore, int limit,
        CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = """
            SELECT body FROM job_list WHERE state IN (3, 4, 5) AND created_at < @before
            ORDER BY created_at, id LIMIT @limit
            """;
        cmd.Add("@before", createdBefore.ToUnixTimeMilliseconds());
        cmd.Add("@limit", limit);
        var rows = new List<JobSummary>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) rows.Add(Deserialize(r.GetString(0)));
        return rows;
    }

    /// <summary>
    /// Those of <paramref name="jobIds"/> whose every journal row the job list has taken in (the projection's offset is
    /// past them): their rows can be removed without the projection writing one back from an event it reads later.
    /// </summary>
    public async Task<IReadOnlyList<string>> ProjectedAsync(string projection, IReadOnlyList<string> jobIds, string prefix,
        CancellationToken ct = default)
    {
        if (jobIds.Count == 0) return [];
        var offset = await LoadOffsetAsync(projection, ct);
        var highest = await Journal.HighestOrderingsAsync(jobIds.Select(id => prefix + id).ToList(), ct);
        return jobIds.Where(id => !(highest.TryGetValue(prefix + id, out var ordering) && ordering > offset)).ToList();
    }

    /// <summary>
    /// Retention's last step, for jobs whose entities have deleted their events (and their tasks'): their list rows go,
    /// the per-state counts drop with them, any start-queue row goes, and so does the one row per stream that
    /// Akka.Persistence.Sql keeps marked deleted (<see cref="JournalTable.DeleteMarkersAsync"/>). One transaction:
    /// counts and rows never disagree.
    /// </summary>
    public async Task ForgetAsync(IReadOnlyList<string> jobIds, IReadOnlyList<string> persistenceIds, CancellationToken ct = default)
    {
        if (jobIds.Count == 0) return;
        await using var c = await db.OpenAsync(ct);
        using var turn = await db.WriteTurnAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        foreach (var chunk in jobIds.Chunk(500))
        {
            var states = new List<JobState>();
            await using (var read = c.CreateCommand())
            {
                read.Transaction = tx;
                read.CommandText = $"SELECT state FROM job_list WHERE id IN ({read.AddList("p", chunk)})";
                await using var r = await read.ExecuteReaderAsync(ct);
                while (await r.ReadAsync(ct)) states.Add((JobState)Convert.ToInt32(r.GetValue(0)));
            }
            foreach (var table in new[] { "job_list", "job_queue" })
            {
                await using var delete = c.CreateCommand();
                delete.Transaction = tx;
                delete.CommandText = $"DELETE FROM {table} WHERE id IN ({delete.AddList("p", chunk)})";
                await delete.ExecuteNonQueryAsync(ct);
            }
            foreach (var (state, n) in states.GroupBy(s => s).Select(g => (g.Key, (long)g.Count())))
            {
                await using var count = c.CreateCommand();
                count.Transaction = tx;
                count.CommandText = "UPDATE job_counts SET n = n - @n WHERE state = @s";
                count.Add("@n", n);
                count.Add("@s", (int)state);
                await count.ExecuteNonQueryAsync(ct);
            }
        }
        await JournalTable.DeleteMarkersAsync(c, tx, persistenceIds, ct);
        await tx.CommitAsync(ct);
    }

    private static async Task<Dictionary<string, JobSummary>> LoadAsync(DbConnection c, IReadOnlyList<string> ids,
        CancellationToken ct)
    {
        var rows = new Dictionary<string, JobSummary>();
        foreach (var chunk in ids.Chunk(500))
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = $"SELECT body FROM job_list WHERE id IN ({cmd.AddList("p", chunk)})";
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var row = Deserialize(r.GetString(0));
                rows[row.Id] = row;
            }
        }
        return rows;
    }
}
