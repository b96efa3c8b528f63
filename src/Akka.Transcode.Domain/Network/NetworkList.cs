using System.Net;
using System.Net.Sockets;

namespace Akka.Transcode.Domain.Network;

/// <summary>
/// Entries of the operator's network lists (Transcode:Jobs:CallbackAllowedNetworks, Transcode:Worker:AllowedNetworks):
/// one reading for both, so an entry means the same wherever it is written.
/// </summary>
public static class NetworkList
{
    /// <summary>A CIDR network; with <paramref name="singleAddresses"/>, a bare address too (as /32 or /128). Null
    /// when the entry is neither.</summary>
    public static IPNetwork? Parse(string entry, bool singleAddresses)
    {
        var s = entry.Trim();
        // 10.0.0.1/8 is refused, not read as 10.0.0.0/8: it may well have meant the single address.
        if (IPNetwork.TryParse(s, out var network))
            return IPAddress.TryParse(s[..s.IndexOf('/')], out var written) && written.Equals(network.BaseAddress) ? network : null;
        if (singleAddresses && !s.Contains('/') && IPAddress.TryParse(s.Trim('[', ']'), out var single))
            return new IPNetwork(single, single.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        return null;
    }
}
