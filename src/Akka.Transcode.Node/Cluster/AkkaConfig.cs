using Akka.Transcode.Actors.Storage;
using Akka.Transcode.Actors.Serialization;
using Akka.Transcode.Node.Configuration;

namespace Akka.Transcode.Node.Cluster;

/// <summary>
/// The one HOCON block of the node: the split-brain resolver, sharding's stores, persistence
/// (<see cref="PersistencePlugin"/>, the storage area's) and the serializer bindings.
/// </summary>
public static class AkkaConfig
{
    public const string SystemName = "transcode";

    public static string Hocon(TranscodeOptions o, Database db)
    {
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
              # A leaving oldest master hands its singletons to the next oldest and waits until it takes them over (about
              # 1 s on loopback). When that one is leaving too (every node stopped at once) nobody ever takes over, and
              # only this timeout ends the wait: at Akka's 10 s the last node took 10-11 s to stop. 5 s keeps room for a
              # slow hand-over and halves that wait (docs/operations.md, "Stopping nodes").
              coordinated-shutdown.phases.cluster-exiting.timeout = 5s
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
                # Akka 1.5's proxy fires its "failed to find an associated singleton ... after 30 seconds" warning at once
                # (its timer starts with no delay) each time it starts looking: at every start and every change of the
                # oldest master, when nothing is wrong. A singleton that is really missing shows in /admin/workers and
                # in jobs staying INIT.
                singleton-proxy.log-singleton-identification-failure = off
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
            }
            {{PersistencePlugin.Hocon(db)}}
            {{TranscodeSerializer.Hocon}}
            """;
    }

    /// <summary>A HOCON duration.</summary>
    public static string Duration(TimeSpan t) => $"{(long)t.TotalMilliseconds}ms";
}
