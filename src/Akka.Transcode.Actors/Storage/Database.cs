using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Akka.Transcode.Actors.Storage;

public enum StorageProvider { Sqlite, Postgres }

/// <summary>Opens connections to the node's database, the same one the journal uses.</summary>
public sealed class Database(StorageProvider provider, string connectionString)
{
    public StorageProvider Provider { get; } = provider;
    public string ConnectionString { get; } = connectionString;

    public static StorageProvider Parse(string name) => name.ToLowerInvariant() switch
    {
        "sqlite" => StorageProvider.Sqlite,
        "postgres" or "postgresql" => StorageProvider.Postgres,
        _ => throw new ArgumentException($"Transcode:Storage:Provider must be sqlite or postgres, not '{name}'"),
    };

    /// <summary>Akka.Persistence.Sql's (linq2db's) name for the provider, as the node's HOCON gives it.</summary>
    public string PluginProviderName => Provider == StorageProvider.Sqlite ? SqlitePluginProvider : "PostgreSQL.15";

    private const string SqlitePluginProvider = "SQLite.MS";

    /// <summary>The database a persistence plugin's HOCON block (<c>connection-string</c>, <c>provider-name</c>) names.</summary>
    public static Database FromPluginConfig(Akka.Configuration.Config config) =>
        new(config.GetString("provider-name") == SqlitePluginProvider ? StorageProvider.Sqlite : StorageProvider.Postgres,
            config.GetString("connection-string"));

    private readonly SemaphoreSlim _writeGate = new(1, 1);

    /// <summary>
    /// The node's own SQLite writers (the job intake, the job list, the start queue) take turns here before they
    /// begin a transaction. SQLite has one write lock per file, and a writer that finds it taken sleeps in its busy
    /// handler (1, 2, 5 … up to 100 ms a time), so it kept the lock free for tens of milliseconds after the holder
    /// committed: add_job's p99. Queued here, the next writer starts the moment the last one commits. PostgreSQL
    /// needs no turns. Dispose the result to let the next writer in.
    /// </summary>
    public async Task<IDisposable> WriteTurnAsync(CancellationToken ct = default)
    {
        if (Provider != StorageProvider.Sqlite) return NoTurn.Instance;
        await _writeGate.WaitAsync(ct);
        return new Turn(_writeGate);
    }

    private sealed class Turn(SemaphoreSlim gate) : IDisposable
    {
        private int _released;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) gate.Release();
        }
    }

    private sealed class NoTurn : IDisposable
    {
        public static readonly NoTurn Instance = new();
        public void Dispose() { }
    }

    /// <summary>Any constant the nodes agree on: the advisory lock every node's schema step takes on PostgreSQL.</summary>
    private const long SchemaLockKey = 0x7472616e73636f64; // "transcod"

    private const int SchemaAttempts = 5;

    /// <summary>
    /// Runs <paramref name="ddl"/> (idempotent <c>CREATE ... IF NOT EXISTS</c> statements) so that nodes starting
    /// together on one fresh database do not trip over each other. On PostgreSQL, <c>IF NOT EXISTS</c> alone is not safe
    /// under concurrency (two sessions both find the table missing and the second fails with 23505 on pg_type), so the
    /// statements run in one transaction behind a transaction-scoped advisory lock: the second node waits, then finds
    /// the tables made. A collision with DDL that does not take the lock is retried. SQLite's file lock serializes DDL.
    /// </summary>
    public async Task EnsureSchemaAsync(string ddl, CancellationToken ct = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var c = await OpenAsync(ct);
                await using var tx = await c.BeginTransactionAsync(ct);
                if (Provider == StorageProvider.Postgres)
                {
                    await using var lockCmd = c.CreateCommand();
                    lockCmd.Transaction = tx;
                    lockCmd.CommandText = "SELECT pg_advisory_xact_lock(@key)";
                    lockCmd.Add("@key", SchemaLockKey);
                    await lockCmd.ExecuteNonQueryAsync(ct);
                }
                await using var cmd = c.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = ddl;
                await cmd.ExecuteNonQueryAsync(ct);
                await tx.CommitAsync(ct);
                return;
            }
            catch (Exception e) when (attempt < SchemaAttempts && DatabaseErrors.IsConcurrentDdl(e))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), ct);
            }
        }
    }

    public async Task<DbConnection> OpenAsync(CancellationToken ct = default)
    {
        DbConnection c = Provider == StorageProvider.Sqlite
            ? new SqliteConnection(ConnectionString)
            : new NpgsqlConnection(ConnectionString);
        await c.OpenAsync(ct);
        if (Provider == StorageProvider.Sqlite)
        {
            // Journal writes and projection writes share the file; wait for a lock rather than fail.
            await using var pragma = c.CreateCommand();
            pragma.CommandText = "PRAGMA busy_timeout = 10000;";
            await pragma.ExecuteNonQueryAsync(ct);
        }
        return c;
    }

    /// <summary>
    /// WAL lets readers (get_jobs) run while the journal writes, and roughly doubles journal throughput. The mode is
    /// stored in the file, and Microsoft.Data.Sqlite takes no journal mode in its connection string: set it once here.
    /// </summary>
    public void PrepareSqliteFile()
    {
        if (Provider != StorageProvider.Sqlite) return;
        var builder = new SqliteConnectionStringBuilder(ConnectionString);
        var dir = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        using var c = new SqliteConnection(ConnectionString);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode=WAL;";
        cmd.ExecuteNonQuery();
    }
}
