using Akka.Transcode.Domain;
using Akka.Transcode.Protocol.Reading;

namespace Akka.Transcode.Protocol.Requests;

/// <summary>/master/cancel_job.</summary>
public sealed record CancelJobRequest(string JobId)
{
    internal static Result<CancelJobRequest> Read(FieldReader r)
    {
        r.RequestType();
        var id = r.Id("job_id", required: true);
        return r.Error is { } e ? e : Result<CancelJobRequest>.Ok(new CancelJobRequest(id!));
    }
}
