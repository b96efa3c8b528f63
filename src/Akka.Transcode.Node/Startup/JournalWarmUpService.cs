using Akka.Actor;
using Akka.Transcode.Actors.Storage;
using Akka.Transcode.Node.Configuration;

namespace Akka.Transcode.Node.Startup;

/// <summary>
/// Once the actor system runs, a master takes the journal through a job's use of it (<see cref="JournalWarmUp"/>);
/// /readyz says "warming up" until then (<see cref="WarmUp.IsDone"/>), so a client that waits for ready gets a first
/// job as fast as the third. Registered after Akka's hosted service, so its start comes after the system's.
/// </summary>
public sealed class JournalWarmUpService(ActorSystem system, TranscodeOptions options, ILogger<JournalWarmUpService> log)
    : BackgroundService
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (!options.WarmUp || !options.Has("master") || !options.UsesStorage) return;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            // One stream per node address: a restart reuses it instead of leaving a marker behind each time.
            var self = Akka.Cluster.Cluster.Get(system).SelfAddress;
            var node = $"{self.Host}-{self.Port}";
            var actor = system.ActorOf(JournalWarmUp.Props(node), "journal-warm-up");
            try
            {
                await actor.Ask<JournalWarmUp.Warm>(JournalWarmUp.Run.Instance, Limit, stoppingToken);
                log.LogInformation("journal warm-up took {Milliseconds} ms", clock.ElapsedMilliseconds);
            }
            catch (Exception e) when (e is AskTimeoutException or OperationCanceledException)
            {
                // Only speed is at stake: the first job pays for what was not warmed.
                actor.Tell(PoisonPill.Instance);
                log.LogDebug("journal warm-up skipped after {Milliseconds} ms", clock.ElapsedMilliseconds);
            }
        }
        finally
        {
            WarmUp.JournalDone();
        }
    }
}
