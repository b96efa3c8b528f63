using System.Net;

namespace Akka.Transcode.Domain.Network;

/// <summary>
/// The address ranges a node must not call on someone else's word alone, with the name a refusal gives them. One
/// table for every policy that decides whom the node calls (job callbacks, HTTP workers), so a metadata address
/// added for one is refused by all.
/// </summary>
public static class AddressKinds
{
    public const string Metadata = "a cloud metadata address";
    public const string Loopback = "loopback";
    public const string LinkLocal = "link-local";

    /// <summary>Most specific first: the first network that holds an address names why it is refused.</summary>
    private static readonly (IPNetwork Network, string Kind)[] Kinds =
    [
        // Cloud metadata services: instance credentials and user data. Some lie in ranges refused anyway, some
        // (Azure's wire server) in public space; named here so the refusal says what they are.
        (IPNetwork.Parse("169.254.169.254/32"), Metadata),
        (IPNetwork.Parse("169.254.170.2/32"), Metadata),
        (IPNetwork.Parse("100.100.100.200/32"), Metadata),
        (IPNetwork.Parse("168.63.129.16/32"), Metadata),
        (IPNetwork.Parse("192.0.0.192/32"), Metadata),
        (IPNetwork.Parse("fd00:ec2::254/128"), Metadata),
        (IPNetwork.Parse("0.0.0.0/8"), "unspecified"),
        (IPNetwork.Parse("127.0.0.0/8"), Loopback),
        (IPNetwork.Parse("10.0.0.0/8"), "private"),
        (IPNetwork.Parse("172.16.0.0/12"), "private"),
        (IPNetwork.Parse("192.168.0.0/16"), "private"),
        (IPNetwork.Parse("100.64.0.0/10"), "shared address space (CGNAT)"),
        (IPNetwork.Parse("169.254.0.0/16"), LinkLocal),
        (IPNetwork.Parse("192.0.0.0/24"), "reserved"),
        (IPNetwork.Parse("198.18.0.0/15"), "reserved"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast"),
        (IPNetwork.Parse("240.0.0.0/4"), "reserved"),
        (IPNetwork.Parse("::/128"), "unspecified"),
        (IPNetwork.Parse("::1/128"), Loopback),
        // IPv4-compatible addresses (deprecated): nothing legitimate uses them.
        (IPNetwork.Parse("::/96"), "reserved"),
        (IPNetwork.Parse("fc00::/7"), "private"),
        (IPNetwork.Parse("fec0::/10"), "private"),
        (IPNetwork.Parse("fe80::/10"), LinkLocal),
        (IPNetwork.Parse("ff00::/8"), "multicast"),
    ];

    /// <summary>What kind of special address <paramref name="address"/> is (the most specific); null for a public
    /// unicast one. An IPv4 address written as IPv6 (::ffff:a.b.c.d) is taken as the IPv4 one.</summary>
    public static string? Special(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        foreach (var (network, kind) in Kinds)
            if (network.Contains(address))
                return kind;
        return null;
    }
}
