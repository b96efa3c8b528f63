using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Akka.Transcode.Actors;
using Akka.Transcode.Actors.Hosting;
using Akka.Transcode.Actors.Intake;
using Akka.Transcode.Actors.ReadModel;
using Akka.Transcode.Actors.Storage;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Media.Execution;
using Akka.Transcode.Media.Files;
using Akka.Transcode.Media.Packaging;
using Akka.Transcode.Media.Paths;
using Akka.Transcode.Media.Probing;
using Akka.Transcode.Media.Running;
using Akka.Transcode.Media.Hashing;
using Akka.Transcode.Media.Transfer;
using Akka.Transcode.Node.Configuration;
using Akka.Transcode.Node.Observability;

namespace Akka.Transcode.Node.Cluster;

public static class ClusterWiring
{
    public static TranscodeSettings Settings(TranscodeOptions o) => new()
    {
        MaxTaskSeconds = o.Planning.MaxTaskSeconds,
        TaskPolicy = new TaskPolicy(o.Tasks.MaxAttempts),
        AttemptSilenceTimeout = TimeSpan.FromSeconds(o.Tasks.AttemptSilenceSeconds),
        WorkerTimeout = TimeSpan.FromSeconds(o.Tasks.WorkerTimeoutSeconds),
        BaseRetryBackoff = TimeSpan.FromSeconds(o.Tasks.RetryBackoffSeconds),
        WorkerBreakerFailures = o.Tasks.WorkerBreakerFailures,
        WorkerQuarantine = TimeSpan.FromSeconds(o.Tasks.WorkerQuarantineSeconds),
        JobTimeout = o.Jobs.TimeoutSeconds > 0 ? TimeSpan.FromSeconds(o.Jobs.TimeoutSeconds) : null,
        IdlePassivation = TimeSpan.FromSeconds(o.Jobs.IdlePassivationSeconds),
        MaxHttpWorkersPerAddress = o.Worker.MaxWorkersPerAddress,
        Starter = StarterSettings.Default with { MinWindow = o.Jobs.StartWindow, WindowPerSlot = o.Jobs.StartWindowPerSlot },
        Retention = new RetentionSettings(TimeSpan.FromDays(o.Jobs.RetentionDays), TimeSpan.FromSeconds(o.Jobs.RetentionSweepSeconds)),
    };

    /// <summary>What runs a task on this worker: ffmpeg, or (soak tests and benchmarks) the instant stand-in.</summary>
    /// <param name="paths">The roots every path of a task must still lie in when the task uses it.</param>
    public static ITaskExecutor TaskExecutor(TranscodeOptions o, string pidDir, PathGuard paths) => o.Worker.InstantExecutor
        ? new InstantTaskExecutor(paths)
        : new FfmpegTaskExecutor(new FfmpegRunner(pidDir), paths, ThreadsPerTask(o), TimeSpan.FromSeconds(o.Media.ProbeTimeoutSeconds));

    /// <summary>Whether the real path of <paramref name="path"/> (links followed now) lies in <paramref name="roots"/>.</summary>
    public static bool IsInside(MediaRoots roots, string path) => roots.Recheck(path, "path").IsOk;

    /// <summary>Said at every start of a worker in instant mode: its outputs are copies, not media.</summary>
    public const string InstantWarning = "Transcode:Worker:Executor=instant: this worker runs no ffmpeg; every task " +
        "completes at once with a byte copy of its input (soak tests and benchmarks only, outputs are not real media)";

    /// <summary>Said at every start of a node whose remoting is open beyond loopback without TLS (AllowInsecureRemoting).</summary>
    public static string? InsecureRemotingWarning(ClusterNodeOptions c) => OptionsLoader.OpenRemotingHost(c) is { } host
        ? $"Transcode:Cluster:AllowInsecureRemoting=true: Akka remoting listens beyond loopback ({host}) without TLS; anyone " +
          "who reaches Transcode:Cluster:Port can join the cluster and command it. Set Transcode:Cluster:Tls:CertificatePath unless " +
          "only the cluster's own nodes can reach that port"
        : null;

    /// <summary>
    /// With TLS the nodes' addresses are akka.ssl.tcp://; a seed written as akka.tcp:// (as in a configuration that
    /// predates TLS) names the same node, and joining it under the plain protocol would fail over and over.
    /// </summary>
    public static string SeedFor(string seed, bool tls) =>
        tls && seed.StartsWith("akka.tcp://", StringComparison.Ordinal) ? "akka.ssl.tcp://" + seed["akka.tcp://".Length..] : seed;

    /// <summary>Remoting binds to Cluster:Hostname only; with a certificate configured every connection is TLS.</summary>
    public static RemoteOptions Remoting(ClusterNodeOptions c)
    {
        var remote = new RemoteOptions
        {
            HostName = c.Hostname, Port = c.Port,
            PublicHostName = string.IsNullOrWhiteSpace(c.PublicHostname) ? null : c.PublicHostname.Trim(),
        };
        if (!c.Tls.Enabled) return remote;
        remote.EnableSsl = true;
        remote.Ssl = new SslOptions
        {
            X509Certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(
                c.Tls.CertificatePath!, c.Tls.CertificatePassword),
            SuppressValidation = c.Tls.SuppressValidation,
            RequireMutualAuthentication = c.Tls.RequireMutualAuthentication,
        };
        return remote;
    }

    /// <summary>ffmpeg -threads per task: configured, or the cores shared among the slots (0: one slot takes them all).</summary>
    public static int ThreadsPerTask(TranscodeOptions o) => o.Worker.ThreadsPerTask > 0
        ? o.Worker.ThreadsPerTask
        : o.Worker.Slots > 1 ? Math.Max(1, Environment.ProcessorCount / o.Worker.Slots) : 0;

    public static IServiceCollection AddTranscodeCluster(this IServiceCollection services, TranscodeOptions o, Database db,
        JobReadStore readStore, JobQueue queue, string? workerToken)
    {
        var settings = Settings(o);
        services.AddAkka(AkkaConfig.SystemName, (b, sp) =>
        {
            b.AddHocon(ConfigurationFactory.ParseString(AkkaConfig.Hocon(o, db)), HoconAddMode.Prepend);
            // Without Akka.Persistence.Sql.Hosting nothing loads the plugin's own defaults (class names, table
            // layout); add them under ours.
            b.AddHocon(Akka.Persistence.Sql.SqlPersistence.DefaultConfiguration, HoconAddMode.Append);
            if (PersistencePlugin.SqliteConnectionSetup(db) is { } sqlite) b.AddSetup(sqlite);
            b.WithNodeLogging(o.Logging);
            b.WithRemoting(Remoting(o.Cluster));
            b.WithClustering(new ClusterOptions
            {
                Roles = o.RoleSet.ToArray(),
                SeedNodes = o.Cluster.Seeds.Select(seed => SeedFor(seed, o.Cluster.Tls.Enabled)).ToArray(),
            });
            if (o.Cluster.Seeds.Count == 0)
            {
                // No seeds: this node founds the cluster. Joining its own address also works with port 0.
                b.AddStartup((system, _) => Akka.Cluster.Cluster.Get(system).Join(Akka.Cluster.Cluster.Get(system).SelfAddress));
            }

            // Pub-sub carries the entities' changes to the api nodes' live feeds; started at once on every node so
            // a node's first change finds the subscribers already known.
            b.WithDistributedPubSub(role: "");
            if (o.Has("api")) b.WithDashboardFeed(new Dashboard.DashboardFormatter());

            // One memory of content ids per node: a worker on a master's node checks inputs the master just hashed.
            var contentIds = new ContentIdCache();
            if (o.Has("master"))
            {
                var roots = sp.GetRequiredService<MediaRoots>();
                var prober = new LimitedProber(new MediaProber(TimeSpan.FromSeconds(o.Media.ProbeTimeoutSeconds)), Math.Max(2, Environment.ProcessorCount * 2),
                    sharedIds: o.Has("worker") ? contentIds : null, roots: roots);
                var callback = new Api.HttpJobCallback(sp.GetRequiredService<Api.CallbackPolicy>(),
                    sp.GetRequiredService<ILoggerFactory>().CreateLogger<Api.HttpJobCallback>());
                b.WithTranscodeMaster(settings, prober, readStore, queue, callback, new Workers.HttpWorkerGateway(workerToken),
                    new OutputPublisher(roots), new OutputPackager());
            }
            else
            {
                b.WithTranscodeProxies();
            }
            if (o.Has("api")) b.WithJobIntake(queue);

            if (o.Has("worker"))
            {
                var pidDir = Path.Combine(o.DataDir, "ffmpeg-pids");
                var reaped = OrphanReaper.ReapLeftovers(pidDir);
                if (reaped > 0)
                    sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ClusterWiring))
                        .LogWarning("stopped {Count} ffmpeg process(es) left over from an earlier run", reaped);
                // Cluster workers share the master's storage: staging only checks inputs against their content ids,
                // and every path must lie in this node's own media roots (AssignTask is not taken on trust).
                var roots = sp.GetRequiredService<MediaRoots>();
                var executor = new StagingTaskExecutor(TaskExecutor(o, pidDir, new PathGuard(roots)),
                    new StagingOptions(path => IsInside(roots, path), Path.Combine(o.DataDir, "transfer")), null, contentIds);
                // ProcessorCount honours the process's CPU affinity (taskset, cpusets): the cores this node really has.
                b.WithTranscodeWorker(o.Worker.Slots, executor, settings, (Environment.ProcessorCount, ThreadsPerTask(o)));
            }
        });
        return services;
    }
}
