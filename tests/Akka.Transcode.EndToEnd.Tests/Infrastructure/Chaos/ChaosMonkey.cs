using System.Diagnostics;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure.Chaos;

/// <summary>A time a node was down: killed by the monkey, or exited on its own (the cluster downed it).</summary>
/// <param name="Killed">SIGKILL by the monkey; else the node's process exited by itself with <see cref="ExitCode"/>.</param>
/// <param name="WholeTree">Killed with its ffmpeg processes (a machine crash); else only the node's process (a runtime
/// crash), leaving its ffmpeg running until the node's restart stops it.</param>
/// <param name="FfmpegRuns">ffmpeg runs the node had going (its pid files), for worker nodes.</param>
/// <param name="JobEntities">Unfinished jobs whose entity lived on the node, for master nodes.</param>
public sealed record ChaosOutage(TimeSpan At, ChaosNode Node, bool Killed, bool WholeTree, int FfmpegRuns, int JobEntities,
    int? ExitCode)
{
    /// <summary>From the kill or exit until ready again; null while it is still down.</summary>
    public TimeSpan? DownFor { get; set; }
    /// <summary>Starts that failed before one got the node ready (it exited or never got ready).</summary>
    public int FailedStarts { get; set; }
}

/// <summary>
/// Every few seconds (a random wait between half and one and a half of the interval) kills a random node with
/// SIGKILL (a worker once it runs ffmpeg, if it does within 5 s), then restarts it on the same ports and data
/// directory after a pause of 0.5 to 3 s. A node counts as down
/// from the kill until it is ready again; at most <c>maxDown</c> nodes are down at once, never a majority of the five,
/// so the split-brain resolver's keep-majority side is always the live one.
/// It also plays the supervisor the deployments have (systemd's Restart=always, a StatefulSet): a node that exits on
/// its own, as one the cluster downed does, is started again after a second, and so is a start that fails.
/// </summary>
public sealed class ChaosMonkey(ChaosCluster cluster, Random rng, TimeSpan interval, int maxDown, Stopwatch clock,
    ChaosTimeline timeline, Func<IReadOnlyCollection<string>> unfinishedJobs)
{
    private const int MaxStartsPerOutage = 5;
    private static readonly TimeSpan WorkerBusyWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan SupervisorDelay = TimeSpan.FromSeconds(1);

    private readonly object _lock = new();
    private readonly HashSet<ChaosNode> _down = new();
    private readonly List<Task> _restarts = new();
    private readonly List<Exception> _restartFailures = new();
    private readonly List<ChaosOutage> _outages = new();
    private volatile bool _killing = true;

    public IReadOnlyList<ChaosOutage> Outages
    {
        get { lock (_lock) return _outages.ToList(); }
    }

    /// <summary>No more kills from now on; nodes that exit on their own are still started again.</summary>
    public void StopKilling() => _killing = false;

    /// <summary>Kills, restarts and supervises until <paramref name="stop"/> is cancelled, then waits until every node
    /// is up.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var nextKill = clock.Elapsed + NextWait();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                try { await Task.Delay(TimeSpan.FromMilliseconds(200), stop); }
                catch (OperationCanceledException) { break; }
                Supervise();
                if (!_killing || clock.Elapsed < nextKill) continue;
                nextKill = clock.Elapsed + NextWait();
                ChaosNode[] candidates;
                lock (_lock)
                    candidates = _down.Count >= maxDown ? [] : cluster.Nodes.Where(n => !_down.Contains(n)).ToArray();
                if (candidates.Length > 0) await KillAsync(candidates[rng.Next(candidates.Length)], stop);
            }
        }
        finally
        {
            // Whatever happened, every node is started again before the checks (or the disposal) run.
            while (true)
            {
                Task[] pending;
                lock (_lock) pending = _restarts.Where(t => !t.IsCompleted).ToArray();
                if (pending.Length == 0) break;
                await Task.WhenAll(pending.Select(t => t.ContinueWith(_ => { })));
            }
        }
        lock (_lock)
            if (_restartFailures.Count > 0)
                throw new AggregateException("a node did not start again", _restartFailures);
    }

    private TimeSpan NextWait() => interval * (0.5 + rng.NextDouble());

    /// <summary>Starts again every node that exited while nobody was restarting it.</summary>
    private void Supervise()
    {
        foreach (var node in cluster.Nodes)
        {
            lock (_lock)
            {
                if (_down.Contains(node) || node.Process.IsRunning) continue;
                _down.Add(node);
            }
            var outage = new ChaosOutage(clock.Elapsed, node, Killed: false, WholeTree: false, 0, 0, node.Process.ExitCode);
            timeline.Add($"{node.Name} exited on its own with code {outage.ExitCode}; starting it again in {SupervisorDelay.TotalSeconds:0} s");
            Restart(outage, SupervisorDelay);
        }
    }

    private async Task KillAsync(ChaosNode node, CancellationToken stop)
    {
        // A worker is killed while it encodes, when it gets work within a few seconds: that is the kill that loses
        // attempts and leaves ffmpeg orphans and partial files behind. Jobs are short, so an idle moment is common.
        var busyBy = clock.Elapsed + WorkerBusyWait;
        while (!node.IsMaster && FfmpegRuns(node.Process) == 0 && clock.Elapsed < busyBy && !stop.IsCancellationRequested)
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        var wholeTree = rng.Next(2) == 0;
        var pause = TimeSpan.FromSeconds(0.5 + 2.5 * rng.NextDouble());
        var ffmpeg = FfmpegRuns(node.Process);
        var unfinished = unfinishedJobs();
        var hosted = node.IsMaster
            ? cluster.Set.CurrentHosts().Count(h => h.Value == node.Process && unfinished.Contains(h.Key))
            : 0;
        lock (_lock) _down.Add(node);
        var outage = new ChaosOutage(clock.Elapsed, node, Killed: true, wholeTree, ffmpeg, hosted, null);
        await node.Process.KillAsync(wholeTree);
        timeline.Add($"SIGKILL {node.Name} ({(wholeTree ? "with its ffmpeg" : "its process only")}): " +
                     (node.IsMaster ? $"{hosted} unfinished job entities" : $"{ffmpeg} ffmpeg runs") + $"; restart in {pause.TotalSeconds:0.0} s");
        Restart(outage, pause);
    }

    private void Restart(ChaosOutage outage, TimeSpan pause)
    {
        var node = outage.Node;
        var restart = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(pause);
                while (true)
                {
                    try
                    {
                        await node.Process.RestartAsync();
                        break;
                    }
                    catch (Exception e) when (e is InvalidOperationException or TimeoutException)
                    {
                        // Exited before it was ready (the cluster downed it while it joined) or never got ready.
                        outage.FailedStarts++;
                        timeline.Add($"{node.Name} start {outage.FailedStarts} failed: {e.Message.Split('\n')[0]}");
                        if (outage.FailedStarts >= MaxStartsPerOutage) throw;
                        if (node.Process.IsRunning) await node.Process.KillAsync();
                        await Task.Delay(SupervisorDelay);
                    }
                }
                outage.DownFor = clock.Elapsed - outage.At;
                timeline.Add($"{node.Name} ready again, {outage.DownFor.Value.TotalSeconds:0.0} s after it went down");
            }
            catch (Exception e)
            {
                timeline.Add($"{node.Name} did not start again: {e.Message.Split('\n')[0]}");
                lock (_lock) _restartFailures.Add(new InvalidOperationException($"{node.Name} did not start again", e));
            }
            finally
            {
                lock (_lock) _down.Remove(node);
            }
        });
        lock (_lock)
        {
            _outages.Add(outage);
            _restarts.Add(restart);
        }
    }

    /// <summary>ffmpeg runs under way on a node: each has a pid file in its data directory while it lives.</summary>
    public static int FfmpegRuns(NodeProcess node)
    {
        var dir = Path.Combine(node.DataDir, "ffmpeg-pids");
        return Directory.Exists(dir) ? Directory.GetFiles(dir, "*.pid").Length : 0;
    }
}
