using Akka.Transcode.EndToEnd.Tests.Infrastructure;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>The tests' fixed ports (seed lists, restarts on the same port) must not be ports the kernel can hand to an
/// outgoing connection in the meantime: CI once lost a chaos run to a node that could not bind its seed port.</summary>
[Collection(BesideEndToEndCollection.Name)]
public sealed class TestPortTests
{
    [Fact]
    public void Fixed_ports_lie_outside_the_kernels_ephemeral_range_and_are_handed_out_once()
    {
        var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range")
            .Split((char[])[' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        var ports = Enumerable.Range(0, 200).Select(_ => NodeProcess.FreePort()).ToList();

        Assert.All(ports, p => Assert.True(p < range[0] || p > range[1],
            $"port {p} lies in the ephemeral range {range[0]}-{range[1]}"));
        Assert.Equal(ports.Count, ports.Distinct().Count());
    }
}
