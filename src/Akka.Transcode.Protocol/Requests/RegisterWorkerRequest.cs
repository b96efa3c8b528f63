using Akka.Transcode.Domain;
using Akka.Transcode.Protocol.Reading;

namespace Akka.Transcode.Protocol.Requests;

/// <summary>/master/register_worker from a worker outside the cluster. <see cref="State"/>: 0 idle, 1 busy.</summary>
public sealed record RegisterWorkerRequest(string Ip, int Port, int State, int Slots = 1)
{
    public const int MaxSlots = 64;

    internal static Result<RegisterWorkerRequest> Read(FieldReader r)
    {
        r.RequestType();
        var ip = r.NonEmpty("ip");
        // The master calls back at http://<ip>:<port>, so the value must be a host and nothing that bends the URL.
        if (ip is not null && Uri.CheckHostName(ip) is UriHostNameType.Unknown or UriHostNameType.Basic)
            r.Fail<int>(ErrorCode.InvalidValue, "ip", $"'{ip}' is not an IP address or host name");
        var port = r.IntegerIn("port", 1, 65535, fallback: 0, required: true);
        var state = r.IntegerIn("state", 0, 1, fallback: 0, required: true);
        var slots = r.IntegerIn("slots", 1, MaxSlots, fallback: 1);
        return r.Error is { } e ? e : Result<RegisterWorkerRequest>.Ok(new RegisterWorkerRequest(ip!, port, state, slots));
    }
}
