using System.Data.Common;

namespace Akka.Transcode.Actors.ReadModel;

internal static class DbCommandExtensions
{
    /// <summary>Adds a named parameter the same way for Microsoft.Data.Sqlite and Npgsql.</summary>
    public static void Add(this DbCommand cmd, string name, object value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        cmd.Parameters.Add(p);
    }

    /// <summary>The journal's tables do not exist yet: the plugin creates them at its first write.</summary>
    public static bool IsMissingTable(this DbException e) =>
        e is Npgsql.PostgresException { SqlState: "42P01" }
        || (e is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 1 } && e.Message.Contains("no such table"));
}
