using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Domain.Tasks;

namespace Akka.Transcode.Domain.Tests.Jobs;

/// <summary>A job with a hand-made plan whose weights are easy to reason about: two video chunks, audio, a join.</summary>
internal static class JobSamples
{
    public const string JobId = "j1";
    public static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public static DateTimeOffset At(int seconds) => T0.AddSeconds(seconds);

    public static TaskSpec Task(int index, TaskKind kind, double weight, params int[] dependsOn) => new()
    {
        TaskId = TaskPlanner.TaskId(JobId, index), JobId = JobId, Index = index, Kind = kind, SourcePath = "/m/in.ts",
        OutputPath = $"/m/.work/part-{index}", Muxer = "matroska", Video = VideoOp.Copy, Audio = AudioOp.Drop,
        Duration = weight, Weight = weight, DependsOn = dependsOn,
    };

    /// <summary>Weights 10 + 10 + 2 + 1 = 23; the join (3) depends on 0, 1 and 2.</summary>
    public static JobPlan Plan() => new(
        [Task(0, TaskKind.Video, 10), Task(1, TaskKind.Video, 10), Task(2, TaskKind.Audio, 2), Task(3, TaskKind.Join, 1, 0, 1, 2)],
        20, "/m/.in.mp4.j1.tmp", "/m/.transcode-j1", ["a note"]);

    public static JobSpec Spec(string segments = "1-5:2-10") => Tests.Planning.PlanSamples.Spec("mp4", segments, sourcePath: "/m/in.ts", dstDir: "/m");

    public static JobEntityState Apply(this JobEntityState state, IEnumerable<IJobEvent> events) =>
        events.Aggregate(state, (s, e) => s.Apply(e));

    public static JobEntityState Submitted() =>
        JobEntityState.Empty.Apply(JobEntityState.Empty.DecideSubmit(JobId, Spec(), At(0)).Value!);

    public static JobEntityState Ready()
    {
        var s = Submitted();
        return s.Apply(s.DecidePlanned(Plan(), At(1)));
    }

    public static JobEntityState Running()
    {
        var s = Ready();
        return s.Apply(s.DecideTaskStarted(At(2)));
    }

    public static JobEntityState WithCompleted(this JobEntityState state, params int[] indexes) =>
        indexes.Aggregate(state, (s, i) => s.Apply(s.DecideTaskCompleted(i, At(10 + i))));

    public static JobEntityState Completed()
    {
        var s = Running().WithCompleted(0, 1, 2, 3);
        return s.Apply(s.DecideCompleted("/m/in.mp4", At(20)));
    }

    public static JobEntityState Failed()
    {
        var s = Running();
        return s.Apply(s.DecideFailed(ErrorCode.Internal, "boom", At(20)));
    }

    public static JobEntityState Canceled()
    {
        var s = Running();
        return s.Apply(s.DecideCancel(At(20)).Value!);
    }
}
