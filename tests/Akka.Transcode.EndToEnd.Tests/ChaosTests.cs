using System.Diagnostics;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Akka.Transcode.EndToEnd.Tests.Infrastructure.Chaos;
using Xunit.Abstractions;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>
/// The chaos test (issue 6): three api,master nodes and two worker nodes on loopback with PostgreSQL run a stream of
/// short jobs of every shape (stream-copy remux, re-encode, cut-and-join, chunked, chunked cut-and-join) while a random
/// node is killed with SIGKILL every few seconds and restarted. Every job must end COMPLETED exactly once, with an
/// output that decodes cleanly at the right duration and nothing else left behind (see <see cref="ChaosChecks"/>).
/// The suite runs the short form (20 jobs); ops/chaos.sh runs the long one (100 jobs) through this same test, and
/// TRANSCODE_CHAOS_* variables change its size, pace and seed (<see cref="ChaosOptions"/>).
/// </summary>
[Collection(BesideEndToEndCollection.Name)]
public sealed class ChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Random_SIGKILLs_of_masters_and_workers_lose_no_job_and_complete_none_twice()
    {
        var options = ChaosOptions.FromEnvironment();
        output.WriteLine($"chaos seed {options.Seed}; to replay: {options.ReplayHint()}");
        var clock = Stopwatch.StartNew();
        var media = await ChaosMedia.GetAsync();
        var database = await TestPostgres.CreateDatabaseAsync();
        await using var cluster = await ChaosCluster.StartAsync(database, media.StockMediaRoot);
        var clusterStart = clock.Elapsed;

        // Separate generators: the job mix does not depend on how many kills the machine's speed allowed.
        var jobs = ChaosJob.Plan(options.Jobs, media, new Random(options.Seed));
        var timeline = new ChaosTimeline(clock);
        var client = new ClusterClient(cluster.ApiNodes, why => timeline.Add("retried: " + why));
        var driver = new ChaosDriver(client, jobs, options.InFlight, clock, timeline);
        var monkey = new ChaosMonkey(cluster, new Random(unchecked(options.Seed * 31 + 7)), options.KillInterval,
            options.MaxDown, clock, timeline, () => jobs.Where(j => j.SubmittedAt is not null && !j.Ended).Select(j => j.Id).ToHashSet());

        await cluster.Set.WithLogs(output, async () =>
        {
            var chaosStart = clock.Elapsed;
            TimeSpan chaosEnd = default, settleEnd = default;
            var hitLimit = false;
            ChaosJournal? journal = null;
            var problems = new List<string>();
            try
            {
                using (var stop = new CancellationTokenSource())
                {
                    var chaos = monkey.RunAsync(stop.Token);
                    try
                    {
                        await driver.RunAsync(chaosStart + options.ChaosLimit);
                        chaosEnd = clock.Elapsed;
                        hitLimit = !driver.Done;
                        // Jobs left when the chaos hit its limit must end on the quiet cluster (still supervised).
                        monkey.StopKilling();
                        await driver.RunAsync(chaosEnd + options.SettleLimit);
                        settleEnd = clock.Elapsed;
                    }
                    finally
                    {
                        // Every node is up again before anything else happens, even when the driver failed.
                        await stop.CancelAsync();
                        await chaos;
                    }
                }

                var checks = new ChaosChecks(cluster, jobs, client);
                checks.JobsEnded();
                await checks.ListedAsync();
                await checks.OutputsAsync();
                await checks.LeftoversAsync();
                journal = await ChaosJournal.ReadAsync(database);
                checks.Journal(journal);
                problems.AddRange(checks.Problems);
            }
            catch (Exception e)
            {
                problems.Add($"the run stopped: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
                throw;
            }
            finally
            {
                var now = clock.Elapsed;
                if (chaosEnd == default) chaosEnd = now;
                if (settleEnd == default) settleEnd = now;
                var times = new ChaosTimes(clusterStart, chaosEnd - chaosStart, hitLimit, settleEnd - chaosEnd, now - settleEnd, now);
                var report = ChaosReport.Render(options, cluster, jobs, monkey.Outages, journal, ChaosLogStats.Read(cluster),
                    client.Retries, times, problems);
                output.WriteLine(report);
                output.WriteLine("----- timeline -----");
                output.WriteLine(timeline.Render());
                if (options.ReportPath is { } path)
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                    await File.WriteAllTextAsync(path, report);
                    await File.WriteAllTextAsync(ChaosOptions.TimelinePath(path), timeline.Render());
                }
                if (problems.Count > 0) output.WriteLine(ChaosDiagnostics.About(cluster, problems));
            }

            Assert.True(monkey.Outages.Any(o => o.Killed), "the run ended before the first kill: nothing was tested");
            Assert.True(problems.Count == 0, $"the chaos run found {problems.Count} problem(s):\n{string.Join("\n", problems)}");
        });
    }
}
