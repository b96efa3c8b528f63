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
}
