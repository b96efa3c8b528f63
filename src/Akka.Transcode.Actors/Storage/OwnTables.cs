namespace Akka.Transcode.Actors.Storage;

/// <summary>
/// The node's own tables, beside the persistence plugin's in the same database: the job list (<c>job_list</c>, its
/// per-state counts <c>job_counts</c>, the projection's offset <c>projection_offsets</c>; <see cref="JobReadStore"/>)
/// and the start queue (<c>job_queue</c>; <see cref="JobQueue"/>). Created before the actor system starts
/// (<see cref="SchemaSetup"/>); the plugin creates its own on first use.
/// </summary>
public static class OwnTables
{
    public const string Ddl = """
        CREATE TABLE IF NOT EXISTS job_list (
          id TEXT PRIMARY KEY,
          created_at BIGINT NOT NULL,
          state INTEGER NOT NULL,
          body TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS ix_job_list_created ON job_list (created_at, id);
        CREATE INDEX IF NOT EXISTS ix_job_list_state_created ON job_list (state, created_at, id);
        CREATE TABLE IF NOT EXISTS projection_offsets (
          name TEXT PRIMARY KEY,
          position BIGINT NOT NULL);
        CREATE TABLE IF NOT EXISTS job_counts (
          state INTEGER PRIMARY KEY,
          n BIGINT NOT NULL);
        CREATE TABLE IF NOT EXISTS job_queue (
          id TEXT PRIMARY KEY,
          priority INTEGER NOT NULL,
          created_at BIGINT NOT NULL,
          body TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS ix_job_queue_order ON job_queue (priority DESC, created_at, id);
        """;

    /// <summary>Creates what is missing, safely beside other nodes doing the same (<see cref="Database.EnsureSchemaAsync"/>).</summary>
    public static Task EnsureAsync(Database db, CancellationToken ct = default) => db.EnsureSchemaAsync(Ddl, ct);
}
