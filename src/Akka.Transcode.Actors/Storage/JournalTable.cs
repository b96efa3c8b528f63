using System.Data.Common;

namespace Akka.Transcode.Actors.Storage;

/// <summary>One journal row as the job list reads it; <see cref="Message"/> is null for rows of other entities.</summary>
public sealed record TailRow(long Ordering, string PersistenceId, int? SerializerId, string? Manifest, byte[]? Message);

/// <summary>
/// Every statement of ours against Akka.Persistence.Sql's <c>journal</c> table (default table mapping): the one place
/// that knows its columns, so a plugin upgrade that changes them fails here (and in StorageStatementsTests, which runs
/// each of these against tables the plugin made itself). Writes, replays and deletes of persistent actors stay the
/// plugin's; these are the ones it was too slow for:
/// <list type="bullet">
/// <item>The job list's tail reads (<see cref="ReadAfterAsync"/> and the two after it). The plugin's events-by-tag
/// query sorted every tagged event from the offset onwards on each page, so the further the list lagged the slower it
/// read (100,000-job soak: 37,800 listed at 85,000 accepted), and its ordering tracker walks the whole journal 10,000
/// rows a second after a restart and waits 10 s per hole, so a master singleton that moved after a crash listed
/// nothing for most of a minute (chaos test). Here one query reads the next rows by the journal's primary key. The
/// rows wanted are told by their persistence id's prefix, not by a tag: the plugin inserts every tagged row on its
/// own, which made tags the largest cost of accepting a job (docs/performance.md). Rows tagged by earlier versions
/// are read the same way.</item>
/// <item>The highest sequence number every starting persistent actor asks for (<see cref="SequenceNumberJournal"/>).</item>
/// <item>The intake's first row of each job, written in the start queue's transaction (<see cref="InsertFirstEventsAsync"/>).</item>
/// <item>Retention's check that the job list has read a stream to its end, and its removal of the one row per
/// stream the plugin keeps marked deleted (<see cref="HighestOrderingsAsync"/>, <see cref="DeleteMarkersAsync"/>).</item>
/// </list>
/// </summary>
public sealed class JournalTable(Database db) : IJournalTail
{
    /// <summary>Parameters per row of <see cref="InsertFirstEventsAsync"/>.</summary>
    internal const int InsertParameters = 8;

    // LIKE: no '%' or '_' in the prefixes used, and both SQLite and PostgreSQL compare it left to right.
    private static string Like(string persistenceIdPrefix) => persistenceIdPrefix + "%";

    /// <summary>The next <paramref name="limit"/> rows after <paramref name="after"/>, in ordering order; only rows
    /// whose persistence id starts with <paramref name="persistenceIdPrefix"/> carry their payload.</summary>
    public async Task<IReadOnlyList<TailRow>> ReadAfterAsync(string persistenceIdPrefix, long after, int limit,
        CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = """
            SELECT j.ordering, j.persistence_id, j.identifier, j.manifest,
                   CASE WHEN j.persistence_id LIKE @like THEN j.message ELSE NULL END
            FROM journal j
            WHERE j.ordering > @after
            ORDER BY j.ordering
            LIMIT @limit
            """;
        cmd.Add("@like", Like(persistenceIdPrefix));
        cmd.Add("@after", after);
        cmd.Add("@limit", limit);
        return await ReadRowsAsync(cmd, ct);
    }

    /// <summary>Orderings and persistence ids of the prefix's rows inside the given ranges (both ends included).</summary>
    public async Task<IReadOnlyList<(long Ordering, string PersistenceId)>> ReadInAsync(string persistenceIdPrefix,
        IReadOnlyList<(long From, long To)> ranges, CancellationToken ct = default)
    {
        var found = new List<(long, string)>();
        if (ranges.Count == 0) return found;
        await using var c = await db.OpenAsync(ct);
        foreach (var chunk in ranges.Chunk(200))
        {
            await using var cmd = c.CreateCommand();
            var between = chunk.Select((_, i) => $"(ordering BETWEEN @f{i} AND @t{i})");
            cmd.CommandText = $"SELECT ordering, persistence_id FROM journal WHERE persistence_id LIKE @like AND ({string.Join(" OR ", between)})";
            cmd.Add("@like", Like(persistenceIdPrefix));
            for (var i = 0; i < chunk.Length; i++)
            {
                cmd.Add("@f" + i, chunk[i].From);
                cmd.Add("@t" + i, chunk[i].To);
            }
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) found.Add((Convert.ToInt64(r.GetValue(0)), r.GetString(1)));
        }
        return found;
    }

    /// <summary>Every row of one persistence id, in sequence order, with payloads.</summary>
    public async Task<IReadOnlyList<TailRow>> ReadStreamAsync(string persistenceId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = """
            SELECT ordering, persistence_id, identifier, manifest, message FROM journal
            WHERE persistence_id = @pid ORDER BY sequence_number
            """;
        cmd.Add("@pid", persistenceId);
        return await ReadRowsAsync(cmd, ct);
    }

    /// <summary>
    /// The highest sequence number of a stream (above <paramref name="fromSequenceNr"/> when that is positive), 0 for
    /// none. Rows marked deleted still count, as in the plugin: a deleted stream goes on numbering after them.
    /// </summary>
    public async Task<long> HighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = fromSequenceNr > 0
            ? "SELECT MAX(sequence_number) FROM journal WHERE persistence_id = @pid AND sequence_number > @from"
            : "SELECT MAX(sequence_number) FROM journal WHERE persistence_id = @pid";
        cmd.Add("@pid", persistenceId);
        if (fromSequenceNr > 0) cmd.Add("@from", fromSequenceNr);
        return await cmd.ExecuteScalarAsync(ct) is { } max and not DBNull ? Convert.ToInt64(max) : 0;
    }

    /// <summary>The highest ordering of each of <paramref name="persistenceIds"/> that has rows.</summary>
    public async Task<IReadOnlyDictionary<string, long>> HighestOrderingsAsync(IReadOnlyList<string> persistenceIds,
        CancellationToken ct = default)
    {
        var highest = new Dictionary<string, long>(StringComparer.Ordinal);
        if (persistenceIds.Count == 0) return highest;
        await using var c = await db.OpenAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"""
            SELECT persistence_id, MAX(ordering) FROM journal
            WHERE persistence_id IN ({cmd.AddList("p", persistenceIds)})
            GROUP BY persistence_id
            """;
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) highest[r.GetString(0)] = Convert.ToInt64(r.GetValue(1));
        return highest;
    }

    /// <summary>
    /// Each job's <c>job.submitted</c> as sequence number 1 of its stream, in the plugin's layout (serializer id and
    /// manifest, the payload, <c>created</c> in ticks, a writer id), so the entity's recovery and the job list read it
    /// like any other row. The plugin's unique index on (persistence_id, sequence_number) makes a repeated job id fail
    /// with a unique violation. Part of the caller's transaction; at most <see cref="InsertParameters"/> parameters a row.
    /// </summary>
    internal static async Task InsertFirstEventsAsync(DbConnection c, DbTransaction tx, IReadOnlyList<QueuedJob> jobs,
        string writerUuid, CancellationToken ct)
    {
        await using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        var rows = jobs.Select((j, i) => "(" + cmd.AddList($"j{i}_",
            [j.PersistenceId, 1L, false, j.Event, j.Manifest, j.SerializerId, j.CreatedAt.UtcTicks, writerUuid]) + ")");
        cmd.CommandText = "INSERT INTO journal (persistence_id, sequence_number, deleted, message, manifest, " +
                          "identifier, created, writer_uuid) VALUES " + string.Join(",", rows);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Removes the one row per stream that the plugin keeps marked deleted (it keeps the highest sequence number of a
    /// deleted stream that lives on; these streams are over). Part of the caller's transaction.
    /// </summary>
    internal static async Task DeleteMarkersAsync(DbConnection c, DbTransaction tx, IReadOnlyList<string> persistenceIds,
        CancellationToken ct)
    {
        foreach (var chunk in persistenceIds.Chunk(500))
        {
            await using var markers = c.CreateCommand();
            markers.Transaction = tx;
            markers.CommandText = $"DELETE FROM journal WHERE deleted = @deleted AND persistence_id IN ({markers.AddList("p", chunk)})";
            markers.Add("@deleted", true);
            await markers.ExecuteNonQueryAsync(ct);
        }
    }

    private static async Task<IReadOnlyList<TailRow>> ReadRowsAsync(DbCommand cmd, CancellationToken ct)
    {
        var rows = new List<TailRow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(new TailRow(
                Convert.ToInt64(r.GetValue(0)),
                r.GetString(1),
                r.IsDBNull(2) ? null : Convert.ToInt32(r.GetValue(2)),
                r.IsDBNull(3) ? null : r.GetString(3),
                r.IsDBNull(4) ? null : (byte[])r.GetValue(4)));
        }
        return rows;
    }
}
