using System.Text.Json;
using Akka.Persistence.Sql.Config;
using Akka.Transcode.Actors.ReadModel;
using LinqToDB;
using LinqToDB.Data;
using Akka.Transcode.Actors.Serialization;
using Akka.Transcode.Node.Configuration;

namespace Akka.Transcode.Node.Cluster;

/// <summary>
/// The one HOCON block of the node: persistence (Akka.Persistence.Sql has no Hosting package here, so it is
/// configured by HOCON), the split-brain resolver, sharding's stores and the serializer bindings.
/// </summary>
public static class AkkaConfig
{
    public const string SystemName = "transcode";

    public static string Hocon(TranscodeOptions o, Database db)
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
        var drainPhase = Duration(ClusterWiring.Settings(o).DrainPhaseTimeout);
        return $$"""
            akka {
              loglevel = INFO
              actor.ask-timeout = 10s
              # The scheduler's timer thread wakes every tick; at the default 10 ms that alone kept an idle node at ~4 %
              # of a core. Nothing here needs timers finer than 50 ms (heartbeats are 1 s, timeouts seconds).
              scheduler.tick-duration = 50ms
              # A leaving worker stops its ffmpeg in this phase (TranscodeSettings.DrainTimeout at most).
              coordinated-shutdown.phases.before-cluster-shutdown.timeout = {{drainPhase}}
              cluster {
                # A node restarted after a crash is not let in while its previous incarnation is still a member: its
                # first Join only makes the cluster down the old one, and it is welcomed at its next try. At the
                # default 10 s that wait was most of a restarted node's time to ready (chaos test, docs/operations.md).
                retry-unsuccessful-join-after = 2s
                downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
                split-brain-resolver {
                  active-strategy = keep-majority
                  stable-after = 7s
                }
                run-coordinated-shutdown-when-down = on
                # Changes for live views (the dashboard) are dropped when no api node listens; not dead letters.
                pub-sub.send-to-dead-letters-when-no-subscribers = off
                sharding {
                  # Durable ddata needs LightningDB, which fails at run time with the packages available here;
                  # remembered entities are kept in the journal instead (remember-entities-store = eventsourced).
                  distributed-data.durable.keys = []
                  # Shards of a crashed node start again quickly on the survivors.
                  retry-interval = 1s
                  shard-start-timeout = 5s
                  entity-restart-backoff = 2s
                  # A rebalance waits for every region to let go of the shard, and nobody may reach the shard
                  # meanwhile. When a region's node has just crashed it never answers, and at the default 60 s its
                  # jobs stood still that long (chaos test); entities stop at once on hand-off, so 10 s is plenty.
                  handoff-timeout = 10s
                }
              }
              persistence {
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
            }
            {{TranscodeSerializer.Hocon}}
            """;
    }

    /// <summary>
    /// The plugin's SQLite connections, set up as ours are (Database.OpenAsync): when another connection holds the
    /// write lock, Microsoft.Data.Sqlite by itself retries a busy statement only every 150 ms, so a journal write that
    /// met the job list's write (or another journal batch) waited 150 ms or more. With busy_timeout SQLite's own handler
    /// retries within a millisecond or so. Only a DataOptions setup reaches every connection the plugin opens.
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

    /// <summary>A HOCON duration.</summary>
    public static string Duration(TimeSpan t) => $"{(long)t.TotalMilliseconds}ms";
}
