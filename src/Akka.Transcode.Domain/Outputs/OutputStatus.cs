using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Tasks;

namespace Akka.Transcode.Domain.Outputs;

/// <summary>Where one output of an output-group job stands (get_job's <c>outputs[].state</c>).</summary>
public enum OutputState
{
    Waiting,
    InProgress,
    /// <summary>Every task of the output is done; the job has not published its directory yet.</summary>
    Ready,
    Completed,
    Failed,
    Canceled,
}

/// <summary>The files of an output beyond its entry, as final paths: the playlists, the sprite and its index.</summary>
public sealed record OutputFiles(string? Hls = null, string? Dash = null, string? Sprite = null, string? Vtt = null);

/// <summary>
/// One output of an output-group job as get_job shows it: what it is, where its files will be once the job
/// publishes its directory, and how far it has come. Paths are final paths (under <see cref="OutputLayout.GroupDir"/>)
/// even while the job builds them elsewhere: that is where a client will find them.
/// </summary>
/// <param name="Type">The protocol's type: file, cmaf, hls, dash or thumbnails.</param>
/// <param name="Path">The output's entry (<see cref="OutputLayout.EntryOf"/>) under the group directory.</param>
/// <param name="Renditions">A ladder's renditions by name, as planned (renditions above the source's size are left
/// out once the job is planned); empty for other kinds.</param>
public sealed record OutputStatus(string Name, string Type, OutputState State, double Progress, string Path,
    OutputFiles Files, IReadOnlyList<string> Renditions)
{
    /// <summary>
    /// Every output of <paramref name="spec"/> with its state and progress. <paramref name="tasks"/> may be empty (a
    /// job not planned yet, or a view from the job list, which keeps no tasks): then the state follows the job's and
    /// an output's progress is the job's. <paramref name="package"/>, once planned, names the renditions kept.
    /// </summary>
    public static IReadOnlyList<OutputStatus> Of(JobSpec spec, IReadOnlyList<TaskSpec> tasks, PackagePlan? package,
        IReadOnlySet<int> completed, IReadOnlyDictionary<int, double> liveTaskPercent, JobState jobState, double jobProgress) =>
        Restate(WithPlan(Describe(spec), package), tasks, completed, liveTaskPercent, jobState, jobProgress);

    /// <summary>The outputs of <paramref name="spec"/> as they will be published, all <see cref="OutputState.Waiting"/>.</summary>
    public static IReadOnlyList<OutputStatus> Describe(JobSpec spec)
    {
        var dir = spec.OutputPath();
        return spec.Outputs.Select(o =>
        {
            var own = System.IO.Path.Combine(dir, o.Name);
            var (type, files, renditions) = o.Kind switch
            {
                OutputKind.Ladder => (o.Ladder!.Hls && o.Ladder.Dash ? "cmaf" : o.Ladder.Hls ? "hls" : "dash",
                    new OutputFiles(
                        Hls: o.Ladder.Hls ? System.IO.Path.Combine(own, OutputLayout.MasterPlaylist) : null,
                        Dash: o.Ladder.Dash ? System.IO.Path.Combine(own, OutputLayout.Mpd) : null),
                    o.Ladder.Renditions.Select(r => r.Name).ToList()),
                OutputKind.Thumbnails => ("thumbnails",
                    o.Thumbnails!.Sprite
                        ? new OutputFiles(Sprite: System.IO.Path.Combine(own, OutputLayout.Sprite(o.Thumbnails.Format)),
                            Vtt: System.IO.Path.Combine(own, OutputLayout.SpriteVtt))
                        : new OutputFiles(),
                    (IReadOnlyList<string>)[]),
                _ => ("file", new OutputFiles(), []),
            };
            return new OutputStatus(o.Name, type, OutputState.Waiting, 0, System.IO.Path.Combine(dir, OutputLayout.EntryOf(o)),
                files, renditions);
        }).ToList();
    }

    /// <summary>
    /// The same outputs with state and progress from the job's tasks (those whose <see cref="TaskSpec.OutputName"/>
    /// is the output's name), weighted like the job's own progress; with no tasks at all, from the job's. The job's end decides: a job that ended ended
    /// for every output, because it publishes all of them at once or none.
    /// </summary>
    public static IReadOnlyList<OutputStatus> Restate(IReadOnlyList<OutputStatus> outputs, IReadOnlyList<TaskSpec> tasks,
        IReadOnlySet<int> completed, IReadOnlyDictionary<int, double> liveTaskPercent, JobState jobState, double jobProgress) =>
        outputs.Select(o =>
        {
            var own = tasks.Where(t => t.OutputName == o.Name).ToList();
            var unplanned = tasks.Count == 0;
            var progress = unplanned ? Math.Clamp(jobProgress, 0, 100) : Weighted(own, completed, liveTaskPercent);
            var started = unplanned
                ? jobState == JobState.InProgress
                : own.Any(t => completed.Contains(t.Index) || liveTaskPercent.GetValueOrDefault(t.Index) > 0);
            var state = jobState switch
            {
                JobState.Completed => OutputState.Completed,
                JobState.Failed => OutputState.Failed,
                JobState.Canceled => OutputState.Canceled,
                _ when own.Count > 0 && own.All(t => completed.Contains(t.Index)) => OutputState.Ready,
                _ when started => OutputState.InProgress,
                _ => OutputState.Waiting,
            };
            return o with { State = state, Progress = state == OutputState.Completed ? 100 : Math.Round(progress, 1) };
        }).ToList();

    private static double Weighted(IReadOnlyList<TaskSpec> tasks, IReadOnlySet<int> completed, IReadOnlyDictionary<int, double> live)
    {
        var total = tasks.Sum(t => t.Weight);
        if (total <= 0) return tasks.Count > 0 && tasks.All(t => completed.Contains(t.Index)) ? 100 : 0;
        var done = tasks.Sum(t => t.Weight * (completed.Contains(t.Index)
            ? 1.0
            : Math.Clamp(live.GetValueOrDefault(t.Index), 0, 100) / 100.0));
        return done / total * 100;
    }

    /// <summary>The ladders' renditions narrowed to those the plan kept (no upscaling leaves some out).</summary>
    public static IReadOnlyList<OutputStatus> WithPlan(IReadOnlyList<OutputStatus> outputs, PackagePlan? package) =>
        package is null
            ? outputs
            : outputs.Select(o => package.Ladders.FirstOrDefault(l => l.Name == o.Name) is { } planned
                ? o with { Renditions = planned.Video.Select(v => v.Name).ToList() }
                : o).ToList();

    /// <summary>The protocol's word for a state.</summary>
    public static string Wire(OutputState s) => s switch
    {
        OutputState.Waiting => "WAITING",
        OutputState.InProgress => "IN_PROGRESS",
        OutputState.Ready => "READY",
        OutputState.Completed => "COMPLETED",
        OutputState.Failed => "FAILED",
        OutputState.Canceled => "CANCELED",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };
}
