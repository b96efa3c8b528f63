using System.Data;
using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Akka.Transcode.Actors.Tests;

/// <summary>
/// What the node's SQLite journal settings rely on (Node/Cluster/AkkaConfig.cs, read-isolation-level): with
/// Microsoft.Data.Sqlite a read-uncommitted transaction begins deferred and takes no lock, so it does not wait for a
/// writer, and in WAL mode without a shared cache it still sees only committed rows; a transaction of any other
/// level begins with BEGIN IMMEDIATE and waits for the write lock.
/// </summary>
public sealed class SqliteReadTransactionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("akka-transcode-sqlite-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private SqliteConnection Open()
    {
        var c = new SqliteConnection($"Data Source={Path.Combine(_dir, "t.db")}") { DefaultTimeout = 1 };
        c.Open();
        return c;
    }

    private static void Exec(SqliteConnection c, string sql, SqliteTransaction? tx = null)
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    [Fact]
    public void A_read_uncommitted_transaction_neither_waits_for_a_writer_nor_sees_its_uncommitted_rows()
    {
        using var writer = Open();
        Exec(writer, "PRAGMA journal_mode=WAL; CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1);");
        using var writing = writer.BeginTransaction(IsolationLevel.Serializable);
        Exec(writer, "INSERT INTO t VALUES (2);", writing);

        using var reader = Open();
        var sw = Stopwatch.StartNew();
        using (var reading = reader.BeginTransaction(IsolationLevel.ReadUncommitted))
        {
            using var count = reader.CreateCommand();
            count.Transaction = reading;
            count.CommandText = "SELECT COUNT(*) FROM t";
            Assert.Equal(1L, (long)count.ExecuteScalar()!);
            reading.Commit();
        }
        Assert.True(sw.ElapsedMilliseconds < 500, $"the read waited {sw.ElapsedMilliseconds} ms for the writer");

        using var other = Open();
        sw.Restart();
        var busy = Assert.Throws<SqliteException>(() => other.BeginTransaction(IsolationLevel.Unspecified));
        Assert.Equal(5, busy.SqliteErrorCode); // SQLITE_BUSY, after the 1 s command timeout
        Assert.True(sw.ElapsedMilliseconds >= 900, $"BEGIN IMMEDIATE gave up after {sw.ElapsedMilliseconds} ms");
    }
}
