using Microsoft.Data.Sqlite;
using Npgsql;

namespace Akka.Transcode.Actors.ReadModel;

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
}
