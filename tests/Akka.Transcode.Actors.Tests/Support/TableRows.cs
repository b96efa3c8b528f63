using Akka.Transcode.Actors.Storage;

namespace Akka.Transcode.Actors.Tests.Support;

/// <summary>Counts that only tests ask for, kept out of the production stores.</summary>
public static class TableRows
{
    public static long Count(Database db, string table)
    {
        using var c = db.OpenAsync().GetAwaiter().GetResult();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT COUNT(*) FROM {table}";
        return Convert.ToInt64(cmd.ExecuteScalar());
    }
}
