using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Outputs;
using Akka.Transcode.Protocol.Responses;

namespace Akka.Transcode.Node.Api;

/// <summary>Turns the actors' and read model's views of a job into the job object of PROTOCOL.md.</summary>
public static class JobMapping
{
    private static int? ResultOf(JobState s) => s switch
    {
        JobState.Completed => 0,
        JobState.Failed or JobState.Canceled => -1,
        _ => null,
    };

    public static JobDto ToDto(JobView v) => ToDto(v.Summary) with
    {
        EtaSeconds = v.EtaSeconds,
        Speed = v.Speed,
        TaskList = v.Tasks?.Select(ToDto).ToList(),
    };

    public static TaskDto ToDto(TaskView t) => new()
    {
        Id = t.Id, Kind = t.Kind, State = t.State, Result = t.Result, Progress = t.Progress, WorkerId = t.WorkerId,
        FromTime = t.FromTime, ToTime = t.ToTime, Attempts = t.Attempts,
    };

    public static JobDto ToDto(JobSummary s) => new()
    {
        Id = s.Id,
        State = (int)s.State,
        Result = ResultOf(s.State),
        SrcPath = s.SourcePath,
        DstPath = s.OutputPath,
        Progress = s.Progress,
        DstFormat = s.DstFormat,
        Segments = s.Segments,
        CreatedAt = s.CreatedAt,
        UpdatedAt = s.UpdatedAt,
        ErrCode = s.State == JobState.Failed ? (int)(s.ErrorCode ?? ErrorCode.Internal) : null,
        ErrMsg = s.State == JobState.Failed ? s.ErrorMessage : null,
        Tasks = new TaskCountsDto(s.TaskCount, s.CompletedTasks.Count),
        Notes = s.Notes,
        Priority = s.Priority,
        Outputs = s.Outputs.Count == 0 ? null : s.Outputs.Select(ToDto).ToList(),
    };

    public static OutputDto ToDto(OutputStatus o) => new(o.Name, o.Type, OutputStatus.Wire(o.State), o.Progress, o.Path,
        o.Files == new OutputFiles() ? null : new OutputFilesDto(o.Files.Hls, o.Files.Dash, o.Files.Sprite, o.Files.Vtt),
        o.Renditions.Count == 0 ? null : o.Renditions);
}
