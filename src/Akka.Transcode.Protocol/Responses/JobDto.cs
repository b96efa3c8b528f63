using System.Text.Json.Serialization;

namespace Akka.Transcode.Protocol.Responses;

/// <summary>
/// The job object of PROTOCOL.md as clients see it. Numbers are the protocol's (state 0..5, result 0/-1); null
/// members are left out of the JSON, so fields that only apply to some states simply stay null.
/// </summary>
public sealed record JobDto
{
    public required string Id { get; init; }
    public required int State { get; init; }
    /// <summary>0 ok, -1 failed; null while the job runs.</summary>
    public int? Result { get; init; }
    /// <summary>The drafts' spelling of <see cref="SrcPath"/>, kept so their clients keep working.</summary>
    public string SrtPath => SrcPath;
    public required string SrcPath { get; init; }
    public string? DstPath { get; init; }
    /// <summary>0..100.</summary>
    public double Progress { get; init; }
    public string? DstFormat { get; init; }
    public string? Segments { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    /// <summary>The err_code of a failed job.</summary>
    public int? ErrCode { get; init; }
    public string? ErrMsg { get; init; }
    public double? EtaSeconds { get; init; }
    /// <summary>Encoding speed as a multiple of real time, while running.</summary>
    public double? Speed { get; init; }
    public TaskCountsDto? Tasks { get; init; }

    /// <summary>Remarks such as "copy with segments cuts at key frames"; an empty list is stored as null so it is left out.</summary>
    public IReadOnlyList<string>? Notes { get; init => field = value is { Count: > 0 } ? value : null; }

    public int Priority { get; init; }
    /// <summary>Output-group jobs only (add_job with <c>outputs</c>): each output, its final paths and state.</summary>
    public IReadOnlyList<OutputDto>? Outputs { get; init; }
    /// <summary>Only for get_job with detail; null otherwise.</summary>
    public IReadOnlyList<TaskDto>? TaskList { get; init; }
}

/// <summary>How many tasks the job was planned into and how many have finished.</summary>
public sealed record TaskCountsDto(int Count, int Done);
