using System.Data.Common;

namespace Akka.Transcode.Actors.Storage;

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

    /// <summary>Adds one parameter per value (<c>@{prefix}0</c>, <c>@{prefix}1</c>, …) and returns them comma-separated,
    /// for an <c>IN (…)</c> list or one row of a multi-row <c>VALUES</c>.</summary>
    public static string AddList(this DbCommand cmd, string prefix, IReadOnlyList<object> values)
    {
        var names = new string[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            names[i] = $"@{prefix}{i}";
            cmd.Add(names[i], values[i]);
        }
        return string.Join(",", names);
    }
}
