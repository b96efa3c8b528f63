using Akka.Transcode.Domain;
using Akka.Transcode.Protocol.Reading;

namespace Akka.Transcode.Protocol.Requests;

/// <summary>/master/worker_heartbeat. <see cref="WorkerState"/>: 0 idle, 1 busy.</summary>
public sealed record WorkerHeartbeatRequest(string WorkerId, int WorkerState)
{
    internal static Result<WorkerHeartbeatRequest> Read(FieldReader r)
    {
        r.RequestType();
        var id = r.Id("worker_id", required: true);
        var state = r.IntegerIn("worker_state", 0, 1, fallback: 0, required: true);
        return r.Error is { } e ? e : Result<WorkerHeartbeatRequest>.Ok(new WorkerHeartbeatRequest(id!, state));
    }
}
