using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>
/// callback_url: the node POSTs the final job object, signed, to a receiver once the job ends; it calls no inside
/// address unless Transcode:Jobs:CallbackAllowedNetworks lists it (the shared node lists 127.0.0.1/32), follows no
/// redirect, and writes no URL's query into its log.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class CallbackTests(SharedNodeFixture shared, MediaFixture media, ITestOutputHelper output)
{
    private NodeProcess Node => shared.Node;

    [Fact]
    public Task The_final_job_object_is_posted_to_the_callback_url_with_a_signature_over_its_body() => E2E.WithNodeLog(Node, output, async () =>
    {
        var port = NodeProcess.FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/hook/");
        listener.Start();
        var received = listener.GetContextAsync();

        var id = await Node.Client.AddJobOkAsync(new
        {
            src_filename = E2E.Short, dst_dir = "callback", dst_format = "mkv", callback_url = $"http://127.0.0.1:{port}/hook/",
        });

        var done = await Task.WhenAny(received, Task.Delay(TimeSpan.FromSeconds(90)));
        Assert.True(done == received, "no callback arrived within 90 s");
        var context = await received;
        Assert.Equal("POST", context.Request.HttpMethod);
        var bytes = await ReadAllAsync(context.Request.InputStream);
        var timestamp = context.Request.Headers["X-Transcode-Timestamp"];
        var signature = context.Request.Headers["X-Transcode-Signature"];
        context.Response.StatusCode = 200;
        context.Response.Close();

        // The signature: HMAC-SHA256 with the node's secret over "<timestamp>.<the exact body bytes>".
        Assert.NotNull(timestamp);
        Assert.NotNull(signature);
        using (var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(SharedNodeFixture.CallbackSecret)))
            Assert.Equal("sha256=" + Convert.ToHexString(hmac.ComputeHash([.. Encoding.ASCII.GetBytes(timestamp + "."), .. bytes])).ToLowerInvariant(), signature);
        Assert.InRange(long.Parse(timestamp), DateTimeOffset.UtcNow.AddMinutes(-2).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds());
        // ... and the README's openssl recipe says the same.
        await AssertOpensslRecipeAccepts(bytes, timestamp, signature);

        // The same envelope get_job answers, with the ended job in it.
        using var body = JsonDocument.Parse(bytes);
        var root = body.RootElement;
        Assert.Equal(1, root.GetProperty("type").GetInt32());
        Assert.Equal(0, root.GetProperty("err_code").GetInt32());
        var job = root.GetProperty("job");
        Assert.Equal(id, job.GetProperty("id").GetString());
        Assert.Equal(3, job.GetProperty("state").GetInt32());
        Assert.Equal(0, job.GetProperty("result").GetInt32());
        Assert.Equal(Path.Combine(Node.MediaRoot, "callback", Path.GetFileNameWithoutExtension(E2E.Short) + ".mkv"),
            job.GetProperty("dst_path").GetString());
    });

    [Fact]
    public Task A_redirect_is_not_followed_and_the_query_of_the_url_stays_out_of_the_log() => E2E.WithNodeLog(Node, output, async () =>
    {
        var mark = Node.LogMark();
        var secretInQuery = "query-secret-" + Guid.NewGuid().ToString("N")[..8];
        var (redirecting, elsewhere) = (NodeProcess.FreePort(), NodeProcess.FreePort());
        // Where the redirect points: a bare TCP listener, so that any connection at all is seen.
        var target = new TcpListener(IPAddress.Loopback, elsewhere);
        target.Start();
        var reached = target.AcceptTcpClientAsync();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{redirecting}/hook/");
        listener.Start();
        var posts = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var answering = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var c = await listener.GetContextAsync().WaitAsync(stop.Token);
                posts.Enqueue(c.Request.HttpMethod + " " + c.Request.Url?.PathAndQuery);
                c.Response.StatusCode = 302;
                c.Response.RedirectLocation = $"http://127.0.0.1:{elsewhere}/other/";
                c.Response.Close();
            }
        });
        try
        {
            var url = $"http://127.0.0.1:{redirecting}/hook/?token={secretInQuery}";
            var id = await Node.Client.AddJobOkAsync(new
            {
                src_filename = E2E.Short, dst_dir = "callback-redirect", dst_format = "ts", video_codec = "copy", audio_codec = "copy",
                callback_url = url,
            });
            // Every try meets a 302 and is not followed. Two tries (1 s apart) show it; the growing waits between
            // them and the give-up after five are the deliverer's own (CallbackDelivererTests), 15 s of waiting here.
            var triedTwice = E2E.Eventually(() => posts.Count >= 2 && Node.LogSince(mark, int.MaxValue).Split('\n')
                .Count(l => l.Contains($"job {id}: callback") && l.Contains("redirects are not followed")) >= 2, TimeSpan.FromSeconds(60));
            var first = await Task.WhenAny(triedTwice, reached);
            Assert.False(first == reached, "the redirect was followed: its target got a connection");
            Assert.True(await triedTwice, "the callback was not tried twice within 60 s");
            Assert.False(reached.IsCompleted, "the redirect was followed: its target got a connection");
            Assert.All(posts, p => Assert.StartsWith("POST /hook/", p));

            var log = Node.LogSince(mark, int.MaxValue);
            Assert.Contains("redirects are not followed", log);
            Assert.Contains($"callback to http://127.0.0.1:{redirecting}/hook/?…", log);
            Assert.DoesNotContain(secretInQuery, log);
        }
        finally
        {
            stop.Cancel();
            listener.Stop();
            target.Stop();
            // Cancelled, the loop ends at its next wait; a call it was answering may meet the stopped listener.
            try { await answering; }
            catch (Exception e) when (e is OperationCanceledException or HttpListenerException or ObjectDisposedException or InvalidOperationException) { }
        }
    });

    [Fact]
    public async Task Without_the_allow_list_a_loopback_callback_is_refused_and_nothing_arrives()
    {
        // The shared node's settings without CallbackAllowedNetworks; tries 50 ms apart, so the node gives up soon.
        await using var node = await NodeProcess.StartAsync([$"--Transcode:Jobs:CallbackSecret={SharedNodeFixture.CallbackSecret}",
            "--Transcode:Tasks:RetryBackoffSeconds=0.05"], root => E2E.StockMediaRoot(media.Media, root));
        await E2E.WithNodeLog(node, output, async () =>
        {
            var port = NodeProcess.FreePort();
            var receiver = new TcpListener(IPAddress.Loopback, port);
            receiver.Start();
            try
            {
                var arrived = receiver.AcceptTcpClientAsync();
                var job = new { src_filename = E2E.Short, dst_dir = "refused", dst_format = "ts", video_codec = "copy", audio_codec = "copy" };

                // An address in the URL is refused at once.
                foreach (var literal in new[] { $"http://127.0.0.1:{port}/hook", $"http://[::1]:{port}/hook", $"http://127.1:{port}/hook" })
                {
                    var (status, body) = await node.Client.AddJobAsync(new { job.src_filename, job.dst_dir, job.dst_format, callback_url = literal });
                    ErrorAssert.Is(-6, status, body, $"add_job with callback_url {literal}");
                    var message = body.GetProperty("err_msg").GetString()!;
                    Assert.Contains("callback_url", message);
                    Assert.Contains("loopback", message);
                    Assert.Contains("Transcode:Jobs:CallbackAllowedNetworks", message);
                }

                // A name is resolved when the call is made: localhost is loopback, so the call is not made, and the
                // job records that its callback failed.
                var mark = node.LogMark();
                var secretInQuery = "query-secret-" + Guid.NewGuid().ToString("N")[..8];
                var id = await node.Client.AddJobOkAsync(new
                {
                    job.src_filename, job.dst_dir, job.dst_format, job.video_codec, job.audio_codec,
                    callback_url = $"http://user:pw-{secretInQuery}@localhost:{port}/hook?token={secretInQuery}",
                });
                await node.Client.WaitForJobCompletedAsync(id, TimeSpan.FromSeconds(60));
                var gaveUp = E2E.Eventually(() => node.LogSince(mark, int.MaxValue).Contains("giving up"), TimeSpan.FromSeconds(30));
                await Task.WhenAny(gaveUp, arrived);
                Assert.False(arrived.IsCompleted, "the refused callback reached the receiver");
                Assert.True(await gaveUp, "the node did not give up on the refused callback");

                var log = node.LogSince(mark, int.MaxValue);
                output.WriteLine(string.Join('\n', log.Split('\n').Where(l => l.Contains("callback"))));
                Assert.Contains($"job {id}: callback to http://localhost:{port}/hook?… refused: the node may not call localhost: 127.0.0.1 is loopback", log);
                Assert.Contains($"job {id}: callback to http://localhost:{port}/hook?… failed 5 times, giving up", log);
                Assert.DoesNotContain(secretInQuery, log);
            }
            finally
            {
                receiver.Stop();
            }
        });
    }

    [Fact]
    public async Task A_node_without_a_callback_secret_refuses_callback_url()
    {
        await using var node = await NodeProcess.StartAsync(["--Transcode:Jobs:CallbackAllowedNetworks=127.0.0.1/32"],
            root => E2E.StockMediaRoot(media.Media, root));
        var (status, body) = await node.Client.AddJobAsync(new
        {
            src_filename = E2E.Short, dst_dir = "unsigned", dst_format = "ts", callback_url = $"http://127.0.0.1:{NodeProcess.FreePort()}/hook",
        });
        ErrorAssert.Is(-6, status, body, "add_job with a callback_url on a node without a secret");
        Assert.Contains("Transcode:Jobs:CallbackSecret", body.GetProperty("err_msg").GetString());
        Assert.Empty(E2E.Entries(Path.Combine(node.MediaRoot, "unsigned")));
    }

    /// <summary>The receiver's check as the README writes it, in shell with openssl.</summary>
    private async Task AssertOpensslRecipeAccepts(byte[] body, string timestamp, string signature)
    {
        var dir = Directory.CreateTempSubdirectory("akka-transcode-callback-").FullName;
        try
        {
            var file = Path.Combine(dir, "body.json");
            await File.WriteAllBytesAsync(file, body);
            const string recipe = """
                expected="sha256=$( { printf '%s.' "$TS"; cat body.json; } | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1 )"
                [ "$expected" = "$SIG" ] && [ $(( $(date +%s) - TS )) -lt 300 ] && echo valid
                """;
            var r = await Proc.RunAsync("/bin/bash", ["-c", recipe], TimeSpan.FromSeconds(30), dir,
                new Dictionary<string, string> { ["SECRET"] = SharedNodeFixture.CallbackSecret, ["TS"] = timestamp, ["SIG"] = signature });
            output.WriteLine($"openssl recipe: exit {r.ExitCode} {r.StdOut}{r.StdErr}");
            Assert.Equal("valid", r.StdOut.Trim());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<byte[]> ReadAllAsync(Stream s)
    {
        using var copy = new MemoryStream();
        await s.CopyToAsync(copy);
        return copy.ToArray();
    }
}
