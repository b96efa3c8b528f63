using System.Net;
using System.Net.Sockets;

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

    /// <summary>Most specific first: the first network that holds an address names why it is refused.</summary>
    private static readonly (IPNetwork Network, string Kind)[] Refused =
    [
        // Cloud metadata services: instance credentials and user data. Some lie in ranges refused anyway, some
        // (Azure's wire server) in public space; named here so the refusal says what they are.
        (IPNetwork.Parse("169.254.169.254/32"), "a cloud metadata address"),
        (IPNetwork.Parse("169.254.170.2/32"), "a cloud metadata address"),
        (IPNetwork.Parse("100.100.100.200/32"), "a cloud metadata address"),
        (IPNetwork.Parse("168.63.129.16/32"), "a cloud metadata address"),
        (IPNetwork.Parse("192.0.0.192/32"), "a cloud metadata address"),
        (IPNetwork.Parse("fd00:ec2::254/128"), "a cloud metadata address"),
        (IPNetwork.Parse("0.0.0.0/8"), "unspecified"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        (IPNetwork.Parse("10.0.0.0/8"), "private"),
        (IPNetwork.Parse("172.16.0.0/12"), "private"),
        (IPNetwork.Parse("192.168.0.0/16"), "private"),
        (IPNetwork.Parse("100.64.0.0/10"), "shared address space (CGNAT)"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local"),
        (IPNetwork.Parse("192.0.0.0/24"), "reserved"),
        (IPNetwork.Parse("198.18.0.0/15"), "reserved"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast"),
        (IPNetwork.Parse("240.0.0.0/4"), "reserved"),
        (IPNetwork.Parse("::/128"), "unspecified"),
        (IPNetwork.Parse("::1/128"), "loopback"),
        // IPv4-compatible addresses (deprecated): nothing legitimate uses them.
        (IPNetwork.Parse("::/96"), "reserved"),
        (IPNetwork.Parse("fc00::/7"), "private"),
        (IPNetwork.Parse("fec0::/10"), "private"),
        (IPNetwork.Parse("fe80::/10"), "link-local"),
        (IPNetwork.Parse("ff00::/8"), "multicast"),
    ];

    /// <summary>IPv6 ranges that carry an IPv4 address (NAT64 at bytes 12..15, 6to4 at bytes 2..5): that address decides.</summary>
    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96"), SixToFour = IPNetwork.Parse("2002::/16");

    /// <summary>Null when the node may connect to <paramref name="address"/>; otherwise why not, for the job's record.</summary>
    public static string? Refusal(IPAddress address, IReadOnlyList<IPNetwork> allowed)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (allowed.Any(n => n.Contains(address))) return null;
        var decisive = Embedded(address) ?? address;
        if (!ReferenceEquals(decisive, address) && allowed.Any(n => n.Contains(decisive))) return null;
        foreach (var (network, kind) in Refused)
            if (network.Contains(decisive))
                return $"{address} is {kind}, not in {AllowKey}";
        return null;
    }

    private static IPAddress? Embedded(IPAddress a)
    {
        if (a.AddressFamily != AddressFamily.InterNetworkV6) return null;
        var b = a.GetAddressBytes();
        if (Nat64.Contains(a)) return new IPAddress(b[12..16]);
        if (SixToFour.Contains(a)) return new IPAddress(b[2..6]);
        return null;
    }

    /// <summary>One entry of the allow-list: a CIDR network, or a single address (as /32 or /128). Null when it is neither.</summary>
    public static IPNetwork? ParseNetwork(string entry)
    {
        var s = entry.Trim();
        // 10.0.0.1/8 is refused, not read as 10.0.0.0/8: it may well have meant the single address.
        if (IPNetwork.TryParse(s, out var network))
            return IPAddress.TryParse(s[..s.IndexOf('/')], out var written) && written.Equals(network.BaseAddress) ? network : null;
        if (!s.Contains('/') && IPAddress.TryParse(s.Trim('[', ']'), out var single))
            return new IPNetwork(single, single.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
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
