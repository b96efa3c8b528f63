using System.Net;
using System.Net.Sockets;
using Akka.Transcode.Domain.Network;

namespace Akka.Transcode.Domain.Callbacks;

/// <summary>
/// Which addresses a job's callback_url may make the node connect to. A client names the URL, so without this a
/// client could make the master call anything the master can reach: its own loopback services, the cluster's
/// private network, a cloud's metadata service. Only public unicast addresses are called, and those the operator
/// lists in Transcode:Jobs:CallbackAllowedNetworks. Applied to every address a host name resolves to, right
/// before connecting, so a name that resolves elsewhere later (DNS rebinding) is caught too.
/// </summary>
public static class CallbackAddressPolicy
{
    public const string AllowKey = "Transcode:Jobs:CallbackAllowedNetworks";

    /// <summary>IPv6 ranges that carry an IPv4 address (NAT64 at bytes 12..15, 6to4 at bytes 2..5): that address decides.</summary>
    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96"), SixToFour = IPNetwork.Parse("2002::/16");

    /// <summary>Null when the node may connect to <paramref name="address"/>; otherwise why not, for the job's record.</summary>
    public static string? Refusal(IPAddress address, IReadOnlyList<IPNetwork> allowed)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (allowed.Any(n => n.Contains(address))) return null;
        var decisive = Embedded(address) ?? address;
        if (!ReferenceEquals(decisive, address) && allowed.Any(n => n.Contains(decisive))) return null;
        return AddressKinds.Special(decisive) is { } kind ? $"{address} is {kind}, not in {AllowKey}" : null;
    }

    private static IPAddress? Embedded(IPAddress a)
    {
        if (a.AddressFamily != AddressFamily.InterNetworkV6) return null;
        var b = a.GetAddressBytes();
        if (Nat64.Contains(a)) return new IPAddress(b[12..16]);
        if (SixToFour.Contains(a)) return new IPAddress(b[2..6]);
        return null;
    }

    /// <summary>
    /// The URL as logs and job records may show it: scheme, host, port and path. The query and the user info are
    /// left out, as they are where receivers put their own secrets (?token=..., user:password@).
    /// </summary>
    public static string Redact(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var u)) return "(not a URL)";
        var query = u.Query.Length > 1 ? "?…" : "";
        return $"{u.Scheme}://{u.Authority}{u.AbsolutePath}{query}";
    }
}
