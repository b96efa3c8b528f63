using System.Globalization;
using System.Text;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.TranscodeClient;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure.Chaos;

/// <summary>Times of the run's phases, on the test's clock.</summary>
public sealed record ChaosTimes(TimeSpan ClusterStart, TimeSpan Chaos, bool ChaosHitLimit, TimeSpan Settle, TimeSpan Checks, TimeSpan Total);

/// <summary>The run's summary table, for the test output and ops/chaos.sh.</summary>
public static class ChaosReport
{
    public static string Render(ChaosOptions o, ChaosCluster cluster, IReadOnlyList<ChaosJob> jobs,
        IReadOnlyList<ChaosOutage> outages, ChaosJournal? journal, ChaosLogStats logs, int clientRetries, ChaosTimes times,
        IReadOnlyList<string> problems)
    {
        var sb = new StringBuilder();
        void Line(string s = "") => sb.AppendLine(s);
        string S(TimeSpan t) => t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";

        Line($"chaos run, seed {o.Seed}{(o.SeedGiven ? "" : " (random)")}; again with: {o.ReplayHint()}");
        Line($"cluster: {string.Join(", ", cluster.Nodes.Select(n => $"{n.Name} {n.Roles}"))}; masters are the seeds; " +
             $"one PostgreSQL database; workers {ChaosCluster.WorkerSlots} slots each; chunks of at most {ChaosCluster.MaxTaskSeconds} s");
        Line($"jobs: {jobs.Count} ({string.Join(", ", jobs.GroupBy(j => j.Kind.Name).Select(g => $"{g.Key} {g.Count()}"))}), " +
             $"at most {o.InFlight} in flight");
        Line($"kills: SIGKILL every {S(o.KillInterval / 2)} to {S(o.KillInterval * 1.5)} (a worker once it runs ffmpeg, if within 5 s), " +
             $"restart after 0.5 to 3 s, at most {o.MaxDown} node(s) down at once");
        Line();
        Line($"{"node",-5} {"roles",-11} {"kills",5} {"tree",5} {"alone",5} {"exits",5} {"restarts",8} {"failed",6} {"down mean",10} {"down max",9}  killed while working");
        foreach (var n in cluster.Nodes)
        {
            var os = outages.Where(k => k.Node == n).ToList();
            Line(Row(n.Name, n.Roles, os, Working(os.Where(k => k.Killed).ToList(), n.IsMaster)));
        }
        var kills = outages.Where(k => k.Killed).ToList();
        Line(Row("all", "", outages.ToList(),
            $"{kills.Count(k => k.FfmpegRuns > 0 || k.JobEntities > 0)} ({kills.Sum(k => k.FfmpegRuns)} ffmpeg runs, {kills.Sum(k => k.JobEntities)} job entities)"));
        Line("  tree: killed with its ffmpeg; alone: the node's process only, its ffmpeg left to the restart's reaper;");
        Line("  exits: exited on its own (downed by the cluster) and started again; failed: starts that exited or hung before ready");
        Line();

        var completed = jobs.Count(j => j.State == JobCompleted);
        var failed = jobs.Count(j => j.State == JobFailed);
        var ended = jobs.Where(j => j.EndedAt is not null && j.SubmittedAt is not null).ToList();
        Line($"jobs: {jobs.Count(j => j.SubmittedAt is not null)} submitted, {completed} COMPLETED, {failed} FAILED, " +
             $"{jobs.Count(j => j.Lost is not null)} lost, {jobs.Count(j => !j.Ended)} not ended");
        if (ended.Count > 0)
        {
            var spans = ended.Select(j => (j.EndedAt!.Value - j.SubmittedAt!.Value).TotalSeconds).Order().ToList();
            Line($"  submission to end: median {spans[spans.Count / 2]:0.0} s, max {spans[^1]:0.0} s; " +
                 $"first submission to last end {S(ended.Max(j => j.EndedAt!.Value) - jobs.Where(j => j.SubmittedAt is not null).Min(j => j.SubmittedAt!.Value))}");
        }
        if (journal is not null)
        {
            Line($"tasks: {journal.Total("task.created.v1")} created, {journal.Total("task.succeeded.v1")} succeeded; attempts " +
                 $"{journal.Total("task.attempt-started.v1")} started, {journal.Total("task.attempt-lost.v1")} lost, " +
                 $"{journal.Total("task.attempt-failed.v1")} failed");
            var maxCompleted = journal["job.completed.v1"].Values.DefaultIfEmpty(0).Max();
            var maxSucceeded = journal["task.succeeded.v1"].Values.DefaultIfEmpty(0).Max();
            Line($"journal: job.completed {journal.Total("job.completed.v1")} event(s) for {journal["job.completed.v1"].Count} job(s) " +
                 $"(at most {maxCompleted} per job); task.succeeded at most {maxSucceeded} per task");
        }
        Line($"node logs: {logs.JobsRecovered} job entity recoveries, {logs.OrphansStopped} orphaned ffmpeg stopped by a restart, " +
             $"{logs.CopiesStopped} second copies of an attempt stopped, {logs.DownAll} cluster-wide down(s) by the split-brain resolver");
        Line($"client: {clientRetries} call(s) retried (-10, refused or timed out)");
        Line($"time: cluster start {S(times.ClusterStart)}, chaos {S(times.Chaos)}{(times.ChaosHitLimit ? " (stopped at its limit)" : " (until every job ended)")}, " +
             $"settle {S(times.Settle)}, checks {S(times.Checks)}, total {S(times.Total)}");
        Line(problems.Count == 0 ? "problems: none" : $"problems ({problems.Count}):");
        foreach (var p in problems) Line("  - " + p);
        return sb.ToString();

        string Row(string name, string roles, List<ChaosOutage> os, string working)
        {
            var downs = os.Where(k => k.DownFor is not null).Select(k => k.DownFor!.Value.TotalSeconds).ToList();
            var mean = downs.Count > 0 ? downs.Average().ToString("0.0", CultureInfo.InvariantCulture) + " s" : "-";
            var max = downs.Count > 0 ? downs.Max().ToString("0.0", CultureInfo.InvariantCulture) + " s" : "-";
            var k = os.Where(o => o.Killed).ToList();
            return $"{name,-5} {roles,-11} {k.Count,5} {k.Count(o => o.WholeTree),5} {k.Count(o => !o.WholeTree),5} " +
                   $"{os.Count(o => !o.Killed),5} {downs.Count,8} {os.Sum(o => o.FailedStarts),6} {mean,10} {max,9}  {working}";
        }
    }

    private static string Working(List<ChaosOutage> ks, bool master) => master
        ? $"{ks.Count(k => k.JobEntities > 0)} ({ks.Sum(k => k.JobEntities)} unfinished job entities)"
        : $"{ks.Count(k => k.FfmpegRuns > 0)} ({ks.Sum(k => k.FfmpegRuns)} ffmpeg runs)";
}
