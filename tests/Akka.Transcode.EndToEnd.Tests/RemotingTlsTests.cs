using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>Akka remoting over TLS (Transcode:Cluster:Tls:*): a cluster whose nodes talk only TLS, checked from the wire.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class RemotingTlsTests(MediaFixture media, ITestOutputHelper output)
{
    [Fact]
    public async Task Nodes_with_a_certificate_form_a_cluster_over_TLS_and_run_a_job()
    {
        var dir = Directory.CreateTempSubdirectory("akka-transcode-tls-").FullName;
        var pfx = Path.Combine(dir, "node.pfx");
        using var certificate = SelfSigned("CN=akka-transcode-test");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pkcs12, "secret"));
        // Self-signed, so no chain to a trusted root: validation is suppressed here, never in production.
        string[] tls = ["--Transcode:Cluster:Tls:CertificatePath=" + pfx, "--Transcode:Cluster:Tls:CertificatePassword=secret",
            "--Transcode:Cluster:Tls:SuppressValidation=true"];

        await using var master = await NodeProcess.StartAsync(["--Transcode:Roles=api,master", .. tls],
            root => E2E.StockMediaRoot(media.Media, root));
        await using var worker = await NodeProcess.StartAsync(["--Transcode:Roles=worker", .. tls,
            $"--Transcode:Cluster:Seeds:0={master.ClusterAddress}", $"--Transcode:Media:Roots:0={master.MediaRoot}"]);
        await E2E.WithNodeLog(master, output, async () =>
        {
            // The master has no worker role: the job can only complete through the TLS link to the worker node.
            var id = await master.Client.AddJobOkAsync(new
            {
                src_filename = E2E.Short, dst_dir = "tls", dst_format = "flv", video_codec = "copy", audio_codec = "copy",
            });
            await master.Client.WaitForJobCompletedAsync(id, TimeSpan.FromSeconds(60));

            // The remoting port speaks TLS and presents the configured certificate.
            X509Certificate2? presented = null;
            using var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", master.ClusterPort);
            await using var ssl = new SslStream(tcp.GetStream(), false);
            try
            {
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = "127.0.0.1",
                    ClientCertificates = new X509CertificateCollection { certificate },
                    RemoteCertificateValidationCallback = (_, cert, _, _) =>
                    {
                        presented = cert is null ? null : new X509Certificate2(cert);
                        return true;
                    },
                });
            }
            catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException)
            {
                output.WriteLine($"handshake ended after the server's certificate: {e.Message}");
            }
            Assert.NotNull(presented);
            Assert.Equal(certificate.Thumbprint, presented!.Thumbprint);
        });
    }

    [Theory]
    [InlineData("akka.ssl.tcp://transcode@127.0.0.1:4999", "is a TLS address, but this node has no Transcode:Cluster:Tls:CertificatePath")]
    [InlineData("akka.tcp://other@127.0.0.1:4999", "must name the system 'transcode'")]
    [InlineData("127.0.0.1:4999", "is not an address like akka.tcp://transcode@host:4053")]
    public async Task A_seed_the_node_cannot_address_is_refused_at_start(string seed, string message)
    {
        // Akka's join process would otherwise crash and restart in a tight loop, flooding the log.
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            NodeProcess.StartAsync(["--Transcode:Roles=worker", $"--Transcode:Cluster:Seeds:0={seed}"]));
        output.WriteLine(failure.Message);
        Assert.Contains("exited with code", failure.Message);
        Assert.Contains(message, failure.Message);
    }

    private static X509Certificate2 SelfSigned(string subject)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false)); // server and client auth
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }
}
