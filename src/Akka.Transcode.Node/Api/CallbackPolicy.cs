using System.Net;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Callbacks;
using Akka.Transcode.Domain.Network;
using Akka.Transcode.Node.Configuration;

namespace Akka.Transcode.Node.Api;

/// <summary>The node's callback settings: the networks callbacks may reach beyond the public ones, and the signing key.</summary>
public sealed class CallbackPolicy(IReadOnlyList<IPNetwork> allowed, string? secret)
{
    public IReadOnlyList<IPNetwork> Allowed { get; } = allowed;
    public string? Secret { get; } = string.IsNullOrEmpty(secret) ? null : secret;

    public static CallbackPolicy From(JobOptions o) =>
        new(o.CallbackAllowedNetworks.Select(e => NetworkList.Parse(e, singleAddresses: true)
            ?? throw new InvalidOperationException($"Transcode:Jobs:CallbackAllowedNetworks: '{e}'")).ToList(), o.CallbackSecret);

    /// <summary>
    /// What add_job can tell before the job exists: a node without a secret sends no callbacks, and an address
    /// written into the URL is checked now. A host name is checked when the call is made (it may resolve
    /// differently by then), by <see cref="HttpJobCallback"/>.
    /// </summary>
    public Failure? CheckAtSubmit(string url)
    {
        if (Secret is null)
            return new Failure(ErrorCode.Forbidden, "job.callback_url: this node sends no callbacks: Transcode:Jobs:CallbackSecret " +
                                                    "is not set (callbacks are always signed)");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var u) || u.HostNameType is not (UriHostNameType.IPv4 or UriHostNameType.IPv6))
            return null;
        var address = IPAddress.Parse(u.IdnHost.Trim('[', ']'));
        return CallbackAddressPolicy.Refusal(address, Allowed) is { } why
            ? new Failure(ErrorCode.Forbidden, $"job.callback_url: the node may not call {why}")
            : null;
    }
}
