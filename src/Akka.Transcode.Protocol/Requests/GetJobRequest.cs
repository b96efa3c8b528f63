using Akka.Transcode.Domain;
using Akka.Transcode.Protocol.Reading;

namespace Akka.Transcode.Protocol.Requests;

/// <summary>/master/get_job. <see cref="Detail"/> adds the task list to the job object.</summary>
public sealed record GetJobRequest(string JobId, bool Detail = false)
{
    internal static Result<GetJobRequest> Read(FieldReader r)
    {
        r.RequestType();
        var id = r.IdOrSynonym("job_id", "task_id");
        var detail = r.Boolean("detail") ?? false;
        return r.Error is { } e ? e : Result<GetJobRequest>.Ok(new GetJobRequest(id!, detail));
    }
}
