using System.Net;
using System.Security.Cryptography;
using System.Text;
using Akka.Transcode.Domain.Callbacks;
using Akka.Transcode.Domain.Network;

namespace Akka.Transcode.Domain.Tests.Callbacks;

/// <summary>Which addresses a callback may connect to: one row per address, with and without an allow-list.</summary>
public class CallbackAddressPolicyTests
{
    private static readonly IReadOnlyList<IPNetwork> None = [];

    /// <summary>address, allow-list (comma-separated, "" for none), the kind named in the refusal (null: allowed).</summary>
    public static TheoryData<string, string, string?> Rows => new()
    {
        // Public unicast: called without any list.
        { "93.184.215.14", "", null },
        { "8.8.8.8", "", null },
        { "2606:4700::1111", "", null },
        // Loopback, both families, the whole of 127/8, and IPv4 written as IPv6.
        { "127.0.0.1", "", "loopback" },
        { "127.1.2.3", "", "loopback" },
        { "::1", "", "loopback" },
        { "::ffff:127.0.0.1", "", "loopback" },
        // Private, shared (CGNAT) and unique-local networks, at their edges.
        { "10.0.0.1", "", "private" },
        { "10.255.255.255", "", "private" },
        { "172.16.0.1", "", "private" },
        { "172.31.255.254", "", "private" },
        { "172.32.0.1", "", null },
        { "192.168.1.10", "", "private" },
        { "100.64.0.1", "", "shared address space" },
        { "100.127.255.254", "", "shared address space" },
        { "100.128.0.1", "", null },
        { "fc00::1", "", "private" },
        { "fd12:3456::1", "", "private" },
        { "::ffff:10.1.2.3", "", "private" },
        // Link-local, unspecified, multicast, reserved.
        { "169.254.1.1", "", "link-local" },
        { "fe80::1", "", "link-local" },
        { "0.0.0.0", "", "unspecified" },
        { "0.1.2.3", "", "unspecified" },
        { "::", "", "unspecified" },
        { "224.0.0.1", "", "multicast" },
        { "239.255.255.250", "", "multicast" },
        { "ff02::1", "", "multicast" },
        { "255.255.255.255", "", "reserved" },
        { "240.0.0.1", "", "reserved" },
        // Cloud metadata services, named as such.
        { "169.254.169.254", "", "cloud metadata" },
        { "fd00:ec2::254", "", "cloud metadata" },
        { "100.100.100.200", "", "cloud metadata" },
        { "168.63.129.16", "", "cloud metadata" },
        { "::ffff:169.254.169.254", "", "cloud metadata" },
        // IPv6 forms that carry an IPv4 address: the IPv4 address decides.
        { "64:ff9b::7f00:1", "", "loopback" },
        { "64:ff9b::a9fe:a9fe", "", "cloud metadata" },
        { "64:ff9b::808:808", "", null },
        { "2002:7f00:1::1", "", "loopback" },
        { "2002:c0a8:101::1", "", "private" },
        // The allow-list opens exactly what it lists.
        { "127.0.0.1", "127.0.0.1/32", null },
        { "127.0.0.2", "127.0.0.1/32", "loopback" },
        { "127.0.0.1", "127.0.0.1", null },
        { "::ffff:127.0.0.1", "127.0.0.0/8", null },
        { "::1", "127.0.0.0/8", "loopback" },
        { "::1", "::1/128", null },
        { "10.20.30.40", "10.20.0.0/16", null },
        { "10.21.0.1", "10.20.0.0/16", "private" },
        { "10.20.30.40", "192.168.0.0/16, 10.20.0.0/16", null },
        { "169.254.169.254", "10.0.0.0/8", "cloud metadata" },
        { "169.254.169.254", "169.254.169.254/32", null },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Refuses_what_is_not_public_unless_listed(string address, string allowList, string? kind)
    {
        var allowed = allowList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(e => NetworkList.Parse(e, singleAddresses: true) ?? throw new InvalidOperationException(e)).ToList();
        var refusal = CallbackAddressPolicy.Refusal(IPAddress.Parse(address), allowed);
        if (kind is null)
        {
            Assert.Null(refusal);
            return;
        }
        Assert.NotNull(refusal);
        Assert.Contains(kind, refusal);
        Assert.Contains("Transcode:Jobs:CallbackAllowedNetworks", refusal);
    }

    [Theory]
    [InlineData("10.0.0.0/8", true, true)]
    [InlineData(" 10.0.0.0/8 ", true, true)]
    [InlineData("fd00::/8", true, true)]
    [InlineData("192.168.1.7", true, false)]
    [InlineData("[::1]", true, false)]
    [InlineData("10.0.0.0/33", false, false)]
    [InlineData("10.0.0.1/8", false, false)]
    [InlineData("localhost", false, false)]
    [InlineData("", false, false)]
    public void Allow_list_entries_are_networks_or_where_allowed_single_addresses(string entry, bool callbacks, bool workers)
    {
        // Callbacks take single addresses (Transcode:Jobs:CallbackAllowedNetworks); workers' networks only CIDR.
        Assert.Equal(callbacks, NetworkList.Parse(entry, singleAddresses: true) is not null);
        Assert.Equal(workers, NetworkList.Parse(entry, singleAddresses: false) is not null);
    }

    [Fact]
    public void A_single_address_is_its_own_network()
    {
        Assert.Equal(IPNetwork.Parse("192.168.1.7/32"), NetworkList.Parse("192.168.1.7", singleAddresses: true));
        Assert.Equal(IPNetwork.Parse("::1/128"), NetworkList.Parse("[::1]", singleAddresses: true));
    }

    [Theory]
    [InlineData("https://hooks.example.com/done?token=s3cret&x=1", "https://hooks.example.com/done?…")]
    [InlineData("http://user:pa55@hooks.example.com:8080/a/b", "http://hooks.example.com:8080/a/b")]
    [InlineData("http://127.0.0.1:9/hook#frag", "http://127.0.0.1:9/hook")]
    [InlineData("http://[::1]:9/", "http://[::1]:9/")]
    [InlineData("not a url ?token=s3cret", "(not a URL)")]
    public void Redact_leaves_out_query_and_user_info(string url, string shown)
    {
        Assert.Equal(shown, CallbackAddressPolicy.Redact(url));
        Assert.DoesNotContain("s3cret", CallbackAddressPolicy.Redact(url));
        Assert.DoesNotContain("pa55", CallbackAddressPolicy.Redact(url));
    }

    [Fact]
    public void The_signature_is_the_hmac_of_the_timestamp_a_dot_and_the_exact_body()
    {
        var body = Encoding.UTF8.GetBytes("{\"type\":1,\"err_code\":0,\"err_msg\":\"ok\",\"job\":{\"id\":\"é\"}}");
        const string secret = "a-callback-secret-of-32-bytes!!!";
        var signature = CallbackSignature.Compute(secret, 1733550000, body);

        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
        var expected = hmac.ComputeHash([.. "1733550000."u8.ToArray(), .. body]);
        Assert.Equal("sha256=" + Convert.ToHexString(expected).ToLowerInvariant(), signature);
        // Another timestamp, body or secret gives another signature.
        Assert.NotEqual(signature, CallbackSignature.Compute(secret, 1733550001, body));
        Assert.NotEqual(signature, CallbackSignature.Compute(secret, 1733550000, [.. body, (byte)' ']));
        Assert.NotEqual(signature, CallbackSignature.Compute(secret + "x", 1733550000, body));
    }
}
