using Akka.Transcode.Domain.Tasks;

namespace Akka.Transcode.Domain.Planning;

/// <param name="TempOutputPath">Where the last task writes; renamed to the real output only when complete. For an
/// output-group job, the temporary directory every output is built in.</param>
/// <param name="WorkDir">Chunk and audio parts of a chunked job; removed when the job ends.</param>
/// <param name="Package">Output-group jobs: what the master makes of the task outputs before the rename.</param>
public sealed record JobPlan(
    IReadOnlyList<TaskSpec> Tasks,
    double OutputDuration,
    string TempOutputPath,
    string WorkDir,
    IReadOnlyList<string> Notes,
    Outputs.PackagePlan? Package = null);

/// <param name="MaxTaskSeconds">Longest piece of video one task encodes (Transcode:Planning:MaxTaskSeconds).</param>
/// <param name="WorkerSlots">Slots the cluster has now; chunks are sized so they share the work.</param>
/// <param name="MinTaskSeconds">Below this, a chunk costs more in process start and join than it saves.</param>
/// <param name="PrerollDecodeCost">
/// What decoding one pre-roll frame (decoded before a cut, then thrown away) costs, as a share of what a chunk
/// spends on one frame it decodes and encodes. Measured with x264 veryfast at 720p: decoding alone is ~0.19 of
/// decode plus encode. Chunks that start mid-source get that much less video, so parallel chunks end together.
/// </param>
public sealed record PlanningOptions(double MaxTaskSeconds = PlanningOptions.DefaultMaxTaskSeconds, int WorkerSlots = 1,
    double MinTaskSeconds = 5, double PrerollDecodeCost = 0.2)
{
    /// <summary>The default of Transcode:Planning:MaxTaskSeconds; the node's options and the actors' settings start from it.</summary>
    public const double DefaultMaxTaskSeconds = 60;
}
