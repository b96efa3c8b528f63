using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Akka.Transcode.Node.Configuration;

/// <summary>
/// Kestrel's connection limits from Transcode:Http:*, on every node (api nodes and HTTP workers alike): a flood of
/// connections, or clients that open one and dribble their headers, is cut off instead of holding sockets and memory.
/// </summary>
public static class KestrelLimits
{
    public static void Apply(KestrelServerLimits limits, HttpOptions http)
    {
        // Bodies are bounded by the call itself (ApiCall.ReadBodyAsync answers 413 with the envelope); this is the
        // backstop for anything that reads a body another way.
        limits.MaxRequestBodySize = http.MaxBodyBytes * 2;
        limits.MaxConcurrentConnections = http.MaxConnections > 0 ? http.MaxConnections : null;
        limits.MaxConcurrentUpgradedConnections = http.MaxUpgradedConnections > 0 ? http.MaxUpgradedConnections : null;
        limits.RequestHeadersTimeout = TimeSpan.FromSeconds(http.RequestHeadersTimeoutSeconds);
        limits.KeepAliveTimeout = TimeSpan.FromSeconds(http.KeepAliveTimeoutSeconds);
        limits.MaxRequestHeadersTotalSize = http.MaxRequestHeadersBytes;
    }
}
