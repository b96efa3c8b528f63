using Akka.Transcode.Domain;
using Akka.Transcode.Protocol.Reading;

namespace Akka.Transcode.Protocol.Requests;

/// <summary>/worker/cancel_task, served by a worker outside the cluster.</summary>
public sealed record CancelTaskRequest(string TaskId)
{
    internal static Result<CancelTaskRequest> Read(FieldReader r)
    {
        r.RequestType();
        var id = r.Id("task_id", required: true);
        return r.Error is { } e ? e : Result<CancelTaskRequest>.Ok(new CancelTaskRequest(id!));
    }
}
