using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Protocol.Reading;

namespace Akka.Transcode.Protocol.Requests;

/// <summary>/master/get_jobs: one page of jobs by creation time, newest first unless asked otherwise.</summary>
public sealed record GetJobsRequest(int StartIndex = 0, int Limit = GetJobsRequest.DefaultLimit,
    string SortBy = "time", SortOrder Order = SortOrder.Desc, JobState? State = null)
{
    public const int DefaultLimit = 10;
    public const int MaxLimit = 1000;

    private static readonly string[] SortKeys = ["time"];
    private static readonly string[] Orders = ["asc", "desc"];

    internal static Result<GetJobsRequest> Read(FieldReader r)
    {
        r.RequestType();
        var start = r.IntegerIn("start_index", 0, int.MaxValue, fallback: 0);
        var limit = r.IntegerIn("limit", 1, MaxLimit, fallback: DefaultLimit);
        // The drafts spell it sortby; sort_by is what a snake_case client would guess.
        var sortField = r.Raw("sortby").Kind == RawKind.Absent && r.Raw("sort_by").Kind != RawKind.Absent ? "sort_by" : "sortby";
        var sortBy = r.Word(sortField, SortKeys, "time", "sort key");
        var order = r.Word("order", Orders, "desc", "order");
        var state = r.Raw("state").Kind == RawKind.Absent
            ? (JobState?)null
            : (JobState)r.IntegerIn("state", (int)JobState.Init, (int)JobState.Canceled, fallback: 0);

        if (r.Error is { } e) return e;
        return Result<GetJobsRequest>.Ok(new GetJobsRequest(start, limit, sortBy!,
            order == "asc" ? SortOrder.Asc : SortOrder.Desc, state));
    }
}
