using Npgsql;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The throwaway PostgreSQL server ops/test.sh starts and names in TRANSCODE_TEST_PG; each test makes a database
/// of its own on it.
/// </summary>
public static class TestPostgres
{
    public static string ServerConnectionString() =>
        Environment.GetEnvironmentVariable("TRANSCODE_TEST_PG") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                "TRANSCODE_TEST_PG is not set: run the tests with ./ops/test.sh, which starts a throwaway PostgreSQL, " +
                "or point TRANSCODE_TEST_PG at one (an Npgsql connection string with rights to create databases)");

    /// <summary>Creates an empty database and returns a connection string to it.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var name = "transcode_" + Guid.NewGuid().ToString("N")[..12];
        await using var c = new NpgsqlConnection(ServerConnectionString());
        await c.OpenAsync();
        await using (var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c)) await cmd.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(ServerConnectionString()) { Database = name }.ConnectionString;
    }

    /// <summary>How many events of the persisted type <paramref name="manifest"/> (a name from the node's
    /// Serialization/Manifests.cs, e.g. "job.completed.v1") each persistence id has in the journal.</summary>
    public static async Task<IReadOnlyDictionary<string, long>> EventCountsAsync(string database, string manifest)
    {
        await using var c = new NpgsqlConnection(database);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT persistence_id, COUNT(*) FROM journal WHERE manifest = @m GROUP BY persistence_id", c);
        cmd.Parameters.AddWithValue("m", manifest);
        var counts = new Dictionary<string, long>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) counts[r.GetString(0)] = r.GetInt64(1);
        return counts;
    }
}
