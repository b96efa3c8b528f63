using System.Text.Json;
using Akka.Persistence.Sql.Config;
using LinqToDB;
using LinqToDB.Data;

namespace Akka.Transcode.Actors.Storage;

/// <summary>
/// How the node configures Akka.Persistence.Sql (by HOCON: no Hosting package for it is available here) over the
/// node's <see cref="Database"/>: the journal (<see cref="SequenceNumberJournal"/>), the snapshot store and the query
/// side, all creating their tables on first use. The node's HOCON and the storage tests use this one block.
/// </summary>
public static class PersistencePlugin
{
    public static string Hocon(Database db)
    {
        var provider = db.PluginProviderName;
        var cs = Quote(db.ConnectionString);
        // Microsoft.Data.Sqlite starts every transaction but a read-uncommitted one with BEGIN IMMEDIATE, which takes
        // the database's single write lock: the plugin's reads (a recovering entity's replay, its highest sequence
        // number, the job list's events by tag) then queued behind the writers, and one that found the lock taken
        // slept 150 ms before trying again. read-uncommitted begins deferred ("BEGIN"), so reads take no lock, and
        // outside shared-cache mode SQLite ignores read_uncommitted: a read still sees only committed rows.
        var reads = db.Provider == StorageProvider.Sqlite ? "read-uncommitted" : "unspecified";
        // SQLite takes one writer at a time: the plugin's three parallel batch writers only queued on its lock (and
        // each wait there is a sleep). One writer lets the next batch grow while the current one commits, so rows
        // of many jobs share one commit and its fsync.
        var writers = db.Provider == StorageProvider.Sqlite ? 1 : 3;
        return $$"""
            akka.persistence {
              journal {
                plugin = "akka.persistence.journal.sql"
                sql {
                  # The plugin's journal, with the highest-sequence-number read of every starting entity in plain SQL.
                  class = "{{typeof(SequenceNumberJournal).AssemblyQualifiedName}}"
                  connection-string = {{cs}}
                  provider-name = "{{provider}}"
                  auto-initialize = on
                  read-isolation-level = {{reads}}
                  parallelism = {{writers}}
                }
              }
              snapshot-store {
                plugin = "akka.persistence.snapshot-store.sql"
                sql {
                  connection-string = {{cs}}
                  provider-name = "{{provider}}"
                  auto-initialize = on
                  read-isolation-level = {{reads}}
                }
              }
              query.journal.sql {
                connection-string = {{cs}}
                provider-name = "{{provider}}"
                read-isolation-level = {{reads}}
                refresh-interval = 250ms
              }
            }
            """;
    }

    /// <summary>
    /// The plugin's SQLite connections, set up as ours are (<see cref="Database.OpenAsync"/>): when another connection
    /// holds the write lock, Microsoft.Data.Sqlite by itself retries a busy statement only every 150 ms, so a journal
    /// write that met the job list's write (or another journal batch) waited 150 ms or more. With busy_timeout SQLite's
    /// own handler retries within a millisecond or so. Only a DataOptions setup reaches every connection the plugin opens.
    /// </summary>
    public static DataOptionsSetup? SqliteConnectionSetup(Database db)
    {
        if (db.Provider != StorageProvider.Sqlite) return null;
        const string pragma = "PRAGMA busy_timeout = 10000;";
        var options = new DataOptions()
            .UseConnectionString(ProviderName.SQLiteMS, db.ConnectionString)
            .UseAfterConnectionOpened(c =>
            {
                using var cmd = c.CreateCommand();
                cmd.CommandText = pragma;
                cmd.ExecuteNonQuery();
            }, async (c, ct) =>
            {
                await using var cmd = c.CreateCommand();
                cmd.CommandText = pragma;
                await cmd.ExecuteNonQueryAsync(ct);
            });
        return new DataOptionsSetup(options);
    }

    /// <summary>A JSON string literal is a valid HOCON quoted string, so any connection string survives.</summary>
    private static string Quote(string s) => JsonSerializer.Serialize(s);
}
