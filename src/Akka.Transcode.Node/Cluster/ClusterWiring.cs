using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Akka.Transcode.Actors;
using Akka.Transcode.Actors.Hosting;
using Akka.Transcode.Actors.ReadModel;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Media.Execution;
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
    };

    /// <summary>ffmpeg -threads per task: configured, or the cores shared among the slots (0: one slot takes them all).</summary>
    public static int ThreadsPerTask(TranscodeOptions o) => o.Worker.ThreadsPerTask > 0
        ? o.Worker.ThreadsPerTask
        : o.Worker.Slots > 1 ? Math.Max(1, Environment.ProcessorCount / o.Worker.Slots) : 0;

    public static IServiceCollection AddTranscodeCluster(this IServiceCollection services, TranscodeOptions o, Database db,
        JobReadStore readStore, string? workerToken)
    {
        var settings = Settings(o);
        services.AddAkka(AkkaConfig.SystemName, (b, sp) =>
        {
            b.AddHocon(ConfigurationFactory.ParseString(AkkaConfig.Hocon(o, db)), HoconAddMode.Prepend);
            // Without Akka.Persistence.Sql.Hosting nothing loads the plugin's own defaults (class names, table
            // layout); add them under ours.
            b.AddHocon(Akka.Persistence.Sql.SqlPersistence.DefaultConfiguration, HoconAddMode.Append);
            b.WithNodeLogging(o.Logging);
            b.WithRemoting(o.Cluster.Hostname, o.Cluster.Port);
            b.WithClustering(new Akka.Cluster.Hosting.ClusterOptions
            {
                Roles = o.RoleSet.ToArray(),
                SeedNodes = o.Cluster.Seeds.ToArray(),
            });
            if (o.Cluster.Seeds.Count == 0)
            {
                // No seeds: this node founds the cluster. Joining its own address also works with port 0.
                b.AddStartup((system, _) => Akka.Cluster.Cluster.Get(system).Join(Akka.Cluster.Cluster.Get(system).SelfAddress));
            }

            if (o.Has("master"))
            {
                var prober = new LimitedProber(new MediaProber(), Math.Max(2, Environment.ProcessorCount * 2));
                b.WithTranscodeMaster(settings, prober, readStore, new Api.HttpJobCallback(), new Workers.HttpWorkerGateway(workerToken));
            }
            else
            {
                b.WithTranscodeProxies();
            }

            if (o.Has("worker"))
            {
                var pidDir = Path.Combine(o.DataDir, "ffmpeg-pids");
                var reaped = OrphanReaper.ReapLeftovers(pidDir);
                if (reaped > 0)
                    sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ClusterWiring))
                        .LogWarning("stopped {Count} ffmpeg process(es) left over from an earlier run", reaped);
                // Cluster workers share the master's storage: staging only checks inputs against their content ids.
                var executor = new StagingTaskExecutor(new FfmpegTaskExecutor(new FfmpegRunner(pidDir), ThreadsPerTask(o)),
                    new StagingOptions(_ => true, Path.Combine(o.DataDir, "transfer")), null, new ContentIdCache());
                b.WithTranscodeWorker(o.Worker.Slots, executor, settings);
            }
        });
        return services;
    }
}
