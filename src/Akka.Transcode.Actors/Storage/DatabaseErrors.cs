using Microsoft.Data.Sqlite;
using Npgsql;

namespace Akka.Transcode.Actors.Storage;

/// <summary>The few database errors the node acts on, told apart the same way for SQLite and PostgreSQL.</summary>
public static class DatabaseErrors
{
    /// <summary>A table the statement needs does not exist yet (the journal plugin creates its tables on first use).</summary>
    public static bool IsMissingTable(Exception e) => e switch
    {
        SqliteException { SqliteErrorCode: 1 } sqlite => sqlite.Message.Contains("no such table", StringComparison.Ordinal),
        PostgresException { SqlState: PostgresErrorCodes.UndefinedTable } => true,
        _ => e.InnerException is { } inner && IsMissingTable(inner),
    };

    /// <summary>A row with the same unique key exists already.</summary>
    public static bool IsUniqueViolation(Exception e) => e switch
    {
        // 19 is SQLITE_CONSTRAINT; its extended code tells unique (2067) and primary key (1555) apart from the rest.
        SqliteException { SqliteErrorCode: 19 } sqlite => sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } => true,
        _ => e.InnerException is { } inner && IsUniqueViolation(inner),
    };

    /// <summary>
    /// Another session created the same table, index or type at the same moment. PostgreSQL's
    /// <c>CREATE ... IF NOT EXISTS</c> checks the catalog before it inserts, so two sessions can both pass the check and
    /// the second then fails on the catalog's own unique index (23505 on pg_type or pg_class) or with 42P07/42710.
    /// </summary>
    public static bool IsConcurrentDdl(Exception e) => e switch
    {
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable
            or PostgresErrorCodes.DuplicateObject or PostgresErrorCodes.DeadlockDetected } => true,
        _ => e.InnerException is { } inner && IsConcurrentDdl(inner),
    };

    /// <summary>
    /// A failure that may pass by itself: the server is starting, restarting or unreachable, the connection broke, a
    /// lock was not had in time, or another node's DDL collided with ours. Not a wrong password or a missing database.
    /// </summary>
    public static bool IsTransient(Exception e) => e switch
    {
        _ when IsConcurrentDdl(e) => true,
        NpgsqlException { IsTransient: true } => true,
        // 5 SQLITE_BUSY, 6 SQLITE_LOCKED: another process holds the file.
        SqliteException { SqliteErrorCode: 5 or 6 } => true,
        System.Net.Sockets.SocketException or TimeoutException => true,
        _ => e.InnerException is { } inner && IsTransient(inner),
    };
}
