using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Hosting;
using Akka.Transcode.Actors.Feed;
using Akka.Transcode.Actors.Intake;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Actors.ReadModel;
using Akka.Transcode.Actors.Storage;
using Akka.Transcode.Actors.Tasks;
using Akka.Transcode.Actors.Workers;
using Akka.Transcode.Media.Execution;
using Akka.Transcode.Media.Files;
using Akka.Transcode.Media.Packaging;

namespace Akka.Transcode.Actors.Hosting;

/// <summary>
/// Wires the actors for each role. A master hosts the job and task shards, the worker registry singleton and the
/// job-list projection; other roles reach them through proxies, so any mix of roles forms one system.
/// </summary>
public static class TranscodeHosting
{
    public const string MasterRole = "master";
    public const string JobTypeName = "job";
    public const string TaskTypeName = "task";
    public const string RegistryName = "worker-registry";
    public const string ProjectorName = "job-projector";
    public const string StarterName = "job-starter";
    public const string RetentionName = "job-retention";

    private static ShardOptions Sharded() => new()
    {
        Role = MasterRole,
        StateStoreMode = StateStoreMode.DData,
        // Remembered entities come back after any crash: running jobs resume and pending tasks ask again.
        // Durable ddata (LightningDB) is broken with the packages available, so the store is the journal.
        RememberEntities = true,
        RememberEntitiesStore = RememberEntitiesStore.Eventsourced,
    };

    private static ClusterSingletonOptions OnMasters() => new() { Role = MasterRole };

    public static AkkaConfigurationBuilder WithTranscodeMaster(this AkkaConfigurationBuilder b, TranscodeSettings settings,
        ISourceProber prober, JobReadStore readStore, JobQueue queue, IJobCallback callback, IWorkerGateway? httpWorkers = null,
        IOutputPublisher? publisher = null, IOutputPackager? packager = null)
    {
        b.WithShardRegion<TaskRegion>(TaskTypeName,
            (system, registry, _) => id => TaskEntity.Props(id, registry.Get<JobRegion>(), registry.Get<WorkerRegistryProxy>(),
                settings, Changes(system)),
            new TaskMessageExtractor(), Sharded());
        b.WithShardRegion<JobRegion>(JobTypeName,
            (system, registry, _) => id => JobEntity.Props(id, registry.Get<TaskRegion>(), registry.Get<WorkerRegistryProxy>(),
                prober, settings, callback, Changes(system), registry.Get<JobStarterProxy>(), publisher, packager),
            new JobMessageExtractor(), Sharded());
        b.WithSingleton<WorkerRegistryProxy>(RegistryName,
            (system, registry, _) => WorkerRegistry.Props(registry.Get<TaskRegion>(), settings, httpWorkers, Changes(system)),
            OnMasters(), createProxyToo: true);
        b.WithSingleton<JobProjectorActor>(ProjectorName, JobProjector.Props(readStore, readStore.Journal), OnMasters(), createProxyToo: false);
        b.WithSingleton<RetentionSweeperActor>(RetentionName,
            (_, registry, _) => RetentionSweeper.Props(readStore, registry.Get<JobRegion>(), settings.Retention),
            OnMasters(), createProxyToo: false);
        b.WithSingleton<JobStarterProxy>(StarterName,
            (_, registry, _) => JobStarter.Props(queue, readStore, registry.Get<JobRegion>(), registry.Get<WorkerRegistryProxy>(), settings.Starter),
            OnMasters(), createProxyToo: true);
        return b;
    }

    /// <summary>Changes go to the cluster's pub-sub mediator (started on every node, see the node's wiring).</summary>
    private static ChangeFeed Changes(ActorSystem system) => new(DistributedPubSub.Get(system).Mediator);

    /// <summary>
    /// The api role's live feed: a <see cref="DashboardFeed"/> that relays the entities' and the registry's changes and
    /// membership to the dashboards connected to this node.
    /// </summary>
    public static AkkaConfigurationBuilder WithDashboardFeed(this AkkaConfigurationBuilder b, IFeedFormatter formatter)
    {
        b.WithActors((system, registry) =>
            registry.Register<DashboardFeedActor>(
                system.ActorOf(DashboardFeed.Props(DistributedPubSub.Get(system).Mediator, formatter), "dashboard-feed")));
        return b;
    }

    /// <summary>For nodes without the master role: proxies to the shards and the registry on the masters.</summary>
    public static AkkaConfigurationBuilder WithTranscodeProxies(this AkkaConfigurationBuilder b)
    {
        b.WithShardRegionProxy<TaskRegion>(TaskTypeName, MasterRole, new TaskMessageExtractor());
        b.WithShardRegionProxy<JobRegion>(JobTypeName, MasterRole, new JobMessageExtractor());
        b.WithSingletonProxy<WorkerRegistryProxy>(RegistryName, OnMasters());
        b.WithSingletonProxy<JobStarterProxy>(StarterName, OnMasters());
        return b;
    }

    /// <summary>The api role's <see cref="JobIntake"/>: add_job's submissions, stored in batches.</summary>
    public static AkkaConfigurationBuilder WithJobIntake(this AkkaConfigurationBuilder b, JobQueue queue)
    {
        b.WithActors((system, registry) =>
            registry.Register<JobIntakeActor>(system.ActorOf(
                JobIntake.Props(queue, registry.Get<JobRegion>(), registry.Get<JobStarterProxy>()), "job-intake")));
        return b;
    }

    /// <summary>
    /// A worker outside the cluster (Transcode:Worker:MasterUrl): an actor system of its own, without remoting, whose
    /// <see cref="HttpWorkerHost"/> talks to the master over HTTP. On shutdown it stops its attempts first.
    /// </summary>
    public static AkkaConfigurationBuilder WithHttpWorker(this AkkaConfigurationBuilder b, int slots, ITaskExecutor executor,
        IMasterLink master, TranscodeSettings settings)
    {
        b.WithActors((system, registry) =>
        {
            var host = system.ActorOf(HttpWorkerHost.Props(slots, executor, master, settings), "worker");
            registry.Register<HttpWorkerHostActor>(host);
            // No cluster to leave: the HTTP worker drains before its HTTP server stops.
            AddDrain(system, CoordinatedShutdown.PhaseBeforeServiceUnbind, host, settings);
        });
        return b;
    }

    /// <summary>The worker role: one <see cref="WorkerNode"/> that registers this node's slots.</summary>
    public static AkkaConfigurationBuilder WithTranscodeWorker(this AkkaConfigurationBuilder b, int slots,
        ITaskExecutor executor, TranscodeSettings settings, (int Cores, int ThreadsPerTask) capacity = default)
    {
        b.WithActors((system, registry) =>
        {
            var key = "akka:" + Akka.Cluster.Cluster.Get(system).SelfAddress;
            var node = system.ActorOf(WorkerNode.Props(key, slots, registry.Get<WorkerRegistryProxy>(),
                registry.Get<TaskRegion>(), executor, settings, capacity), "worker");
            registry.Register<WorkerNodeActor>(node);
            // On SIGTERM (or when downed) the worker drains while the cluster still works: its attempts go back to
            // the queue at once and its ffmpeg processes have ended before the process exits.
            AddDrain(system, CoordinatedShutdown.PhaseBeforeClusterShutdown, node, settings);
        });
        return b;
    }

    /// <summary>Coordinated shutdown waits in <paramref name="phase"/> until the worker has drained, at most DrainTimeout.</summary>
    private static void AddDrain(ActorSystem system, string phase, IActorRef worker, TranscodeSettings settings) =>
        CoordinatedShutdown.Get(system).AddTask(phase, "drain-worker", async () =>
        {
            try { await worker.Ask<WorkerDrained>(DrainWorker.Instance, settings.DrainTimeout); }
            catch (AskTimeoutException) { /* what still runs is stopped by the reaper at the next start */ }
            return Done.Instance;
        });
}
