using Akka.Transcode.Domain;
using Akka.Transcode.Protocol.Reading;

namespace Akka.Transcode.Protocol.Requests;

/// <summary>/worker/get_task_info, served by a worker outside the cluster.</summary>
public sealed record GetTaskInfoRequest(string TaskId)
{
    internal static Result<GetTaskInfoRequest> Read(FieldReader r)
    {
        r.RequestType();
        var id = r.Id("task_id", required: true);
        return r.Error is { } e ? e : Result<GetTaskInfoRequest>.Ok(new GetTaskInfoRequest(id!));
    }
}
