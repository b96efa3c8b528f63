using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Jobs;
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

    public static JobDto ToDto(JobView v) => new()
    {
        Id = v.Id,
        State = (int)v.State,
        Result = ResultOf(v.State),
        SrcPath = v.SourcePath,
        DstPath = v.OutputPath,
        Progress = v.Progress,
        DstFormat = v.DstFormat,
        Segments = v.Segments,
        CreatedAt = v.CreatedAt,
        UpdatedAt = v.UpdatedAt,
        ErrCode = v.State == JobState.Failed ? (int)(v.ErrorCode ?? ErrorCode.Internal) : null,
        ErrMsg = v.State == JobState.Failed ? v.ErrorMessage : null,
        EtaSeconds = v.EtaSeconds,
        Speed = v.Speed,
        Tasks = new TaskCountsDto(v.TaskCount, v.TasksDone),
        Notes = v.Notes,
        Priority = v.Priority,
        TaskList = v.Tasks?.Select(t => new TaskDto
        {
            Id = t.Id, Kind = t.Kind, State = t.State, Result = t.Result, Progress = t.Progress, WorkerId = t.WorkerId,
            FromTime = t.FromTime, ToTime = t.ToTime, Attempts = t.Attempts,
        }).ToList(),
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
    };
}
