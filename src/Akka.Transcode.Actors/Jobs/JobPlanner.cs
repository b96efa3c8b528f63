using Akka.Actor;
using Akka.Transcode.Actors.Workers;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Media.Execution;
using Akka.Transcode.Media.Hashing;
using Failure = Akka.Transcode.Domain.Failure;

namespace Akka.Transcode.Actors.Jobs;

/// <summary>
/// One job's planning step, spawned by its entity: probes the source beside a key-frame scan and the inputs' content
/// ids, asks the worker registry how many pieces can run at once, plans with <see cref="TaskPlanner"/>, answers its
/// parent with one <see cref="PlanReady"/> or <see cref="PlanFailed"/> and stops. While it lives, the job is planning.
/// </summary>
public sealed class JobPlanner : ReceiveActor
{
    /// <summary>How long the registry may take to say which workers there are before the plan assumes one slot.</summary>
    public static readonly TimeSpan RegistryTimeout = FixedTimeouts.RegistryQuery;

    public JobPlanner(string jobId, JobSpec spec, ISourceProber prober, IActorRef registry, double maxTaskSeconds)
    {
        Receive<PlanReady>(Answer);
        Receive<PlanFailed>(Answer);
        PlanAsync(jobId, spec, prober, registry, maxTaskSeconds)
            .PipeTo(Self, failure: ex => new PlanFailed(new Failure(ErrorCode.Internal, "planning failed: " + ex.Message)));
    }

    public static Props Props(string jobId, JobSpec spec, ISourceProber prober, IActorRef registry, double maxTaskSeconds) =>
        Akka.Actor.Props.Create(() => new JobPlanner(jobId, spec, prober, registry, maxTaskSeconds));

    private void Answer(object answer)
    {
        Context.Parent.Tell(answer);
        Context.Stop(Self);
    }

    // Static: it runs off the actor, on the probes' continuations.
    private static async Task<object> PlanAsync(string jobId, JobSpec spec, ISourceProber prober, IActorRef registry,
        double maxTaskSeconds)
    {
        // Content ids are computed once per job, beside the probe: workers check their inputs against them and
        // workers without shared storage fetch the inputs by them.
        var ids = FileIdsAsync(prober, spec);
        // The key frames come from a second ffprobe beside the first, so chunks can seek straight to them.
        var keyframes = TaskPlanner.MayEncodeVideo(spec)
            ? prober.KeyframesAsync(spec.SourcePath, CancellationToken.None)
            : Task.FromResult<IReadOnlyList<double>?>(null);
        var probe = await prober.ProbeAsync(spec.SourcePath, CancellationToken.None);
        if (!probe.IsOk) return new PlanFailed(probe.Error!);
        var media = probe.Value! with { Keyframes = probe.Value!.Video is null ? null : await keyframes };
        (IReadOnlyDictionary<string, string> Ids, IReadOnlyDictionary<string, string> Stamps) fileIds;
        try { fileIds = await ids; }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new PlanFailed(new Failure(ErrorCode.SourceUnusable, $"an input of the job cannot be read: {ex.Message}"));
        }
        // Chunks are sized for the pieces the workers registered now can run at once on cores of their own; an
        // unreachable registry just means one piece.
        var slots = 1;
        try
        {
            var workers = await registry.Ask<WorkersSnapshot>(GetWorkers.Instance, RegistryTimeout);
            slots = workers.Lanes(spec.Output.VideoCodec);
        }
        catch (AskTimeoutException) { /* no registry yet: plan for one slot */ }
        var plan = TaskPlanner.Plan(jobId, spec, media, new PlanningOptions(maxTaskSeconds, slots));
        if (!plan.IsOk) return new PlanFailed(plan.Error!);
        var tasks = plan.Value!.Tasks.Select(t => t with { FileIds = fileIds.Ids, FileStamps = fileIds.Stamps }).ToList();
        return new PlanReady(plan.Value with { Tasks = tasks });
    }

    private static async Task<(IReadOnlyDictionary<string, string>, IReadOnlyDictionary<string, string>)> FileIdsAsync(
        ISourceProber prober, JobSpec spec)
    {
        var paths = new List<string> { spec.SourcePath };
        if (spec.MapPath is not null) paths.Add(spec.MapPath);
        paths.AddRange(spec.MapTables.Select(t => t.Path));
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        var stamps = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in paths.Distinct())
        {
            // Stamped before it is hashed: a change while hashing leaves a stamp that no longer matches, so workers
            // hash the file themselves and find out.
            var stamp = FileStamp.Of(path);
            ids[path] = await prober.ContentIdAsync(path, CancellationToken.None);
            if (stamp is { } s) stamps[path] = s.Text;
        }
        return (ids, stamps);
    }
}
