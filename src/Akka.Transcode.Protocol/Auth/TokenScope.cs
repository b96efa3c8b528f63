namespace Akka.Transcode.Protocol.Auth;

/// <summary>Who a token speaks for (PROTOCOL.md "Tokens and scopes").</summary>
public enum TokenScope
{
    /// <summary>The /master/*_job* calls.</summary>
    Client,
    /// <summary>register, heartbeat, and the calls a master makes on a worker.</summary>
    Worker,
    /// <summary>Cluster inspection and control.</summary>
    Admin,
}
