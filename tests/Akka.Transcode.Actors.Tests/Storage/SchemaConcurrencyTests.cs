using Akka.Transcode.Actors.Storage;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Npgsql;

namespace Akka.Transcode.Actors.Tests.Storage;

/// <summary>
/// Nodes started together on one fresh database each create the node's tables at start. Against the real PostgreSQL
/// that ops/test.sh starts (TRANSCODE_TEST_PG), every test on a database of its own.
/// </summary>
public sealed class SchemaConcurrencyTests
{
    private const int Nodes = 12;

    [Fact]
    public async Task Many_schema_steps_at_once_on_a_fresh_PostgreSQL_database_all_succeed()
    {
        // A few fresh databases: the collision is a matter of timing, and each database gets one chance at it.
        for (var round = 0; round < 4; round++)
        {
            var db = new Database(StorageProvider.Postgres, await TestPostgres.CreateDatabaseAsync());
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var starts = Enumerable.Range(0, Nodes).Select(_ => Task.Run(async () =>
            {
                await go.Task;
                await OwnTables.EnsureAsync(db);
            })).ToList();
            go.SetResult();
            await Task.WhenAll(starts);

            await using var c = new NpgsqlConnection(db.ConnectionString);
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand(
                "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN " +
                "('job_list', 'projection_offsets', 'job_counts', 'job_queue')", c);
            Assert.Equal(4L, (long)(await cmd.ExecuteScalarAsync())!);
        }
    }

    [Fact]
    public async Task A_schema_step_that_fails_for_a_passing_reason_is_tried_again()
    {
        var tries = 0;
        var retried = new List<TimeSpan>();
        await SchemaSetup.RunAsync([_ => ++tries < 3 ? throw new TimeoutException("server starting") : Task.CompletedTask],
            (_, wait) => retried.Add(wait), firstWait: TimeSpan.FromMilliseconds(10));

        Assert.Equal(3, tries);
        Assert.Equal([TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(20)], retried);
    }

    [Fact]
    public async Task A_schema_step_that_cannot_succeed_fails_at_once()
    {
        var tries = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(() => SchemaSetup.RunAsync(
            [_ => { tries++; throw new InvalidOperationException("password authentication failed"); }],
            (_, _) => { }, firstWait: TimeSpan.FromMilliseconds(10)));
        Assert.Equal(1, tries);
    }
}
