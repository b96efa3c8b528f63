using System.Data.Common;

namespace Akka.Transcode.Actors.ReadModel;

/// <summary>One journal row as the job list reads it; <see cref="Message"/> is null for rows of other entities.</summary>
public sealed record TailRow(long Ordering, string PersistenceId, int? SerializerId, string? Manifest, byte[]? Message);

/// <summary>
/// Reads Akka.Persistence.Sql's journal table (default table mapping) directly.
/// The plugin's events-by-tag query was not usable for the job list: each page sorted every tagged event from the
/// offset onwards, so the further the list lagged the slower it read (100,000-job soak: 37,800 listed at 85,000
/// accepted), and its ordering tracker walks the whole journal 10,000 rows a second after a restart and waits 10 s
/// per hole, so a master singleton that moved after a crash listed nothing for most of a minute (chaos test).
/// Here one query reads the next rows by the journal's primary key. The rows wanted are told by their persistence
/// id's prefix, not by a tag: the plugin inserts every tagged row on its own, which made tags the largest cost of
/// accepting a job (docs/performance.md). Rows tagged by earlier versions are read the same way.
/// </summary>
public sealed class JournalTail(Database db, string persistenceIdPrefix)
{
    // LIKE: no '%' or '_' in the prefixes used, and both SQLite and PostgreSQL compare it left to right.
    private readonly string _like = persistenceIdPrefix + "%";

    /// <summary>The next <paramref name="limit"/> rows after <paramref name="after"/>, in ordering order; only
    /// rows of the prefix carry their payload.</summary>
    public async Task<IReadOnlyList<TailRow>> ReadAfterAsync(long after, int limit, CancellationToken ct = default)
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
        cmd.Add("@like", _like);
        cmd.Add("@after", after);
        cmd.Add("@limit", limit);
        return await ReadRowsAsync(cmd, ct);
    }

    /// <summary>Persistence ids of the prefix's rows that have appeared inside gaps given up on earlier.</summary>
    public async Task<IReadOnlyList<(long Ordering, string PersistenceId)>> ReadInAsync(
        IReadOnlyList<OrderingGap> gaps, CancellationToken ct = default)
    {
        var found = new List<(long, string)>();
        if (gaps.Count == 0) return found;
        await using var c = await db.OpenAsync(ct);
        foreach (var chunk in gaps.Chunk(200))
        {
            await using var cmd = c.CreateCommand();
            var ranges = chunk.Select((_, i) => $"(ordering BETWEEN @f{i} AND @t{i})");
            cmd.CommandText = $"SELECT ordering, persistence_id FROM journal WHERE persistence_id LIKE @like AND ({string.Join(" OR ", ranges)})";
            cmd.Add("@like", _like);
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
