namespace Akka.Transcode.Protocol.Responses;

/// <summary>One task in a job's <c>task_list</c> (get_job with detail).</summary>
public sealed record TaskDto
{
    public required string Id { get; init; }
    /// <summary>What the task does, e.g. encode or concat.</summary>
    public required string Kind { get; init; }
    public required int State { get; init; }
    public int? Result { get; init; }
    public double Progress { get; init; }
    public string? WorkerId { get; init; }
    /// <summary>Seconds of the source this task covers.</summary>
    public double? FromTime { get; init; }
    public double? ToTime { get; init; }
    public int Attempts { get; init; }
}
