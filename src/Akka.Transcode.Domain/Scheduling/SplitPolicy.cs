namespace Akka.Transcode.Domain.Scheduling;

/// <summary>
/// What one worker offers a job that could be split: its slots, and (cluster workers say so when they register) the
/// cores its node has and the threads each of its ffmpeg runs may use. HTTP workers do not tell: 0 means unknown.
/// </summary>
/// <param name="Node">Workers on the same node share its cores; distinct nodes add cores.</param>
/// <param name="ThreadsPerTask">0: every task may use all the node's cores.</param>
public sealed record WorkerCapacity(string Node, int Slots, int Cores = 0, int ThreadsPerTask = 0);

/// <summary>
/// When splitting a job pays: only as far as its pieces can run at the same time on cores that would otherwise idle.
/// Pure, so the planner and its tests agree on it.
/// </summary>
public static class SplitPolicy
{
    /// <summary>
    /// How many threads one encoder keeps busy at 720p–1080p before adding more stops helping (x264 and x265 use a
    /// thread per few macroblock rows and frame threads; libvpx-vp9 with row-mt is bound by its tile columns; SVT-AV1
    /// scales furthest). Only nodes with more cores than this gain from running pieces of one job side by side with
    /// all threads each: on the usual 2–16 core node one such encoder already uses them all.
    /// </summary>
    public static int EncoderThreads(string codec) => codec switch
    {
        "h264" => 16,
        "hevc" => 16,
        "vp9" => 8,
        "av1" => 32,
        _ => 16,
    };

    /// <summary>
    /// The pieces of one job that can run at once, each on cores of its own: the planner's chunk count (within the
    /// task length bounds). Per node:
    /// <list type="bullet">
    /// <item>slots whose tasks use a fixed number of threads: as many as the cores hold (a 2-core node with 2 slots of
    /// one thread: 2; with 4 such slots: still 2);</item>
    /// <item>slots whose tasks use all cores: one, unless the node has more cores than the encoder keeps busy;</item>
    /// <item>unknown cores (HTTP workers): each slot counts, as the operator configured it.</item>
    /// </list>
    /// At least 1: with no worker registered yet a job is planned as one piece.
    /// </summary>
    public static int Lanes(IReadOnlyList<WorkerCapacity> workers, string videoCodec)
    {
        var lanes = 0;
        foreach (var node in workers.GroupBy(w => w.Node))
        {
            var slots = node.Sum(w => Math.Max(0, w.Slots));
            var cores = node.Max(w => w.Cores);
            if (cores <= 0)
            {
                lanes += slots;
                continue;
            }
            var threads = node.Max(w => w.ThreadsPerTask);
            var perTask = threads > 0 ? threads : Math.Min(cores, EncoderThreads(videoCodec));
            lanes += Math.Min(slots, Math.Max(1, cores / perTask));
        }
        return Math.Max(1, lanes);
    }
}
