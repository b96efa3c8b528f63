using System.Net;
using System.Net.Sockets;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Network;
using Akka.Transcode.Node.Configuration;

namespace Akka.Transcode.Node.Workers;

/// <summary>
/// Which <c>ip</c> an HTTP worker may register (/master/register_worker). The master will call that address with
/// tasks, so a worker token alone must not point it anywhere: the address must be the one the request came from
/// (as this node's socket sees it; X-Forwarded-For is not read), or inside <c>Transcode:Worker:AllowedNetworks</c>.
/// Loopback, link-local and cloud metadata addresses are refused even as the caller's own unless a listed network
/// holds them: on a shared host they reach services that trust the machine.
/// </summary>
public sealed class WorkerAddressPolicy(IReadOnlyList<System.Net.IPNetwork> allowed)
{
    public static WorkerAddressPolicy From(WorkerOptions o) =>
        new(o.AllowedNetworks.Select(n => NetworkList.Parse(n, singleAddresses: false)
            ?? throw new InvalidOperationException($"Transcode:Worker:AllowedNetworks: '{n}'")).ToList());

    /// <summary>
    /// The address to register for <paramref name="ipOrHost"/> (a host name is resolved once, here, and the master
    /// calls the address that was checked), or why not: -4 for no usable unicast address, -6 for one this caller
    /// may not register.
    /// </summary>
    public async Task<Result<IPAddress>> CheckAsync(string ipOrHost, IPAddress? caller, CancellationToken ct)
    {
        IPAddress[] candidates;
        if (IPAddress.TryParse(ipOrHost, out var literal)) candidates = [literal];
        else
        {
            try { candidates = await Dns.GetHostAddressesAsync(ipOrHost, ct); }
            catch (SocketException) { candidates = []; }
            if (candidates.Length == 0)
                return Result<IPAddress>.Fail(ErrorCode.InvalidValue, $"ip: the host name '{ipOrHost}' does not resolve");
        }
        candidates = candidates.Select(Normal).ToArray();
        var from = caller is null ? null : Normal(caller);
        var unicast = candidates.Where(IsUnicast).ToList();
        if (unicast.Count == 0)
            return Result<IPAddress>.Fail(ErrorCode.InvalidValue, $"ip: '{ipOrHost}' is not a unicast address");

        // A listed network wins; otherwise only the caller's own address, and not a special one.
        var accepted = unicast.FirstOrDefault(a => a.Equals(from) && IsAllowed(a))
                       ?? unicast.FirstOrDefault(IsAllowed)
                       ?? unicast.FirstOrDefault(a => a.Equals(from) && Special(a) is null);
        if (accepted is not null) return Result<IPAddress>.Ok(accepted);

        var shown = ipOrHost == unicast[0].ToString() ? ipOrHost : $"{ipOrHost} ({unicast[0]})";
        if (unicast.Select(Special).FirstOrDefault(s => s is not null) is { } kind)
            return Result<IPAddress>.Fail(ErrorCode.Forbidden,
                $"ip: {shown} is a {kind} address; a master calls such addresses only inside Transcode:Worker:AllowedNetworks");
        return Result<IPAddress>.Fail(ErrorCode.Forbidden,
            $"ip: {shown} is not the address this request came from ({from?.ToString() ?? "unknown"}); a worker registers " +
            "its own address, or one inside Transcode:Worker:AllowedNetworks");
    }

    private bool IsAllowed(IPAddress a) => allowed.Any(n => n.Contains(a));

    /// <summary>Why the master must not call this address on a worker's word alone; null for an ordinary one. Private
    /// networks are where workers live, so of the special ranges only these three are refused.</summary>
    public static string? Special(IPAddress a) => AddressKinds.Special(a) switch
    {
        AddressKinds.Metadata => "cloud metadata",
        AddressKinds.Loopback => "loopback",
        AddressKinds.LinkLocal => "link-local",
        _ => null,
    };

    private static bool IsUnicast(IPAddress a) =>
        !a.Equals(IPAddress.Any) && !a.Equals(IPAddress.IPv6Any) && !a.Equals(IPAddress.Broadcast) && !a.IsIPv6Multicast
        && !(a.AddressFamily == AddressFamily.InterNetwork && a.GetAddressBytes()[0] is >= 224 and <= 239);

    /// <summary>A dual-stack socket shows IPv4 callers as ::ffff:a.b.c.d.</summary>
    private static IPAddress Normal(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;
}
