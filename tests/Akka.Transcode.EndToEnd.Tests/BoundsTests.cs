using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>
/// Bounded by default: the queue, the open live feeds, Kestrel's connections and request heads have finite,
/// documented defaults; refusals are clear; and /readyz does not hand out the database driver's words.
/// </summary>
[Collection(BesideEndToEndCollection.Name)]
public sealed class BoundsTests(ITestOutputHelper output)
{
    /// <summary>The bounds and their defaults, as the README's configuration table must give them.</summary>
    public static TheoryData<string, string> Bounds => new()
    {
        { "Transcode:Jobs:MaxQueued", "10000" },
        { "Transcode:Jobs:RetentionDays", "30" },
        { "Transcode:Jobs:RetentionSweepSeconds", "600" },
        { "Transcode:Dashboard:MaxFeeds", "200" },
        { "Transcode:Dashboard:MaxFeedsPerToken", "20" },
        { "Transcode:Http:MaxConnections", "1000" },
        { "Transcode:Http:MaxUpgradedConnections", "100" },
        { "Transcode:Http:RequestHeadersTimeoutSeconds", "10" },
        { "Transcode:Http:KeepAliveTimeoutSeconds", "60" },
        { "Transcode:Http:MaxRequestHeadersBytes", "32768" },
    };

    [Theory]
    [MemberData(nameof(Bounds))]
    public void Every_bound_has_a_finite_default_that_the_README_documents(string key, string expected)
    {
        Assert.True(OptionKeys.Defaults.TryGetValue(key, out var actual), $"the node has no option {key}");
        Assert.Equal(expected, actual);
        Assert.True(double.Parse(actual, CultureInfo.InvariantCulture) > 0, $"{key} defaults to {actual}: no bound");
        var readme = File.ReadAllText(Path.Combine(DeploymentFiles.RepoRoot, "README.md"));
        var row = Regex.Match(readme, $@"^\| `{Regex.Escape(key)}` \| ([^|]+) \|", RegexOptions.Multiline);
        Assert.True(row.Success, $"README's configuration table has no row for {key}");
        Assert.Equal(expected, row.Groups[1].Value.Trim().Trim('`'));
    }

    [Fact]
    public async Task Live_feeds_beyond_the_per_token_and_per_node_caps_are_refused_until_one_closes()
    {
        await using var node = await NodeProcess.StartAsync(["--Transcode:Dashboard:MaxFeedsPerToken=2", "--Transcode:Dashboard:MaxFeeds=3"]);
        await E2E.WithNodeLog(node, output, async () =>
        {
            using var http = new HttpClient { BaseAddress = node.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
            var open = new List<HttpResponseMessage>();
            try
            {
                open.Add(await OpenFeed(http, NodeProcess.ClientToken));
                open.Add(await OpenFeed(http, NodeProcess.ClientToken));
                await AssertRefused(http, NodeProcess.ClientToken, "MaxFeedsPerToken is 2");
                // Another token still gets one: the third feed of the node ...
                open.Add(await OpenFeed(http, NodeProcess.AdminToken));
                // ... and the node's cap holds for every token.
                await AssertRefused(http, NodeProcess.AdminToken, "MaxFeeds is 3");

                // A closed feed frees its place.
                open[0].Dispose();
                open.RemoveAt(0);
                HttpResponseMessage? again = null;
                Assert.True(await E2E.Eventually(async () =>
                {
                    var res = await SendFeed(http, NodeProcess.ClientToken);
                    if (res.StatusCode != HttpStatusCode.OK) { res.Dispose(); return false; }
                    again = res;
                    return true;
                }, TimeSpan.FromSeconds(20)), "a closed feed's place was not freed");
                open.Add(again!);
            }
            finally
            {
                foreach (var r in open) r.Dispose();
            }
        });
    }

    private static async Task<HttpResponseMessage> SendFeed(HttpClient http, string token)
    {
        var req = new HttpRequestMessage(HttpMethod.Get, "dashboard/events");
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
    }

    private static async Task<HttpResponseMessage> OpenFeed(HttpClient http, string token)
    {
        var res = await SendFeed(http, token);
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        // Read up to the hello: the node has counted the feed by then.
        var reader = new StreamReader(await res.Content.ReadAsStreamAsync());
        Assert.Equal("event: hello", await reader.ReadLineAsync());
        return res;
    }

    private static async Task AssertRefused(HttpClient http, string token, string names)
    {
        using var res = await SendFeed(http, token);
        // An accepted feed never ends: reading it whole would wait forever.
        Assert.True(res.StatusCode != HttpStatusCode.OK, "a live feed beyond the cap was accepted");
        var body = JsonDocument.Parse(await res.Content.ReadAsStringAsync()).RootElement;
        ErrorAssert.Is(-10, res.StatusCode, body, "a live feed beyond the cap");
        Assert.Contains(names, body.GetProperty("err_msg").GetString());
        Assert.Contains("live feeds", body.GetProperty("err_msg").GetString());
    }

    [Fact]
    public async Task Connections_beyond_the_limit_are_refused_until_others_close()
    {
        await using var node = await NodeProcess.StartAsync(["--Transcode:Http:MaxConnections=4"]);
        await E2E.WithNodeLog(node, output, async () =>
        {
            var idle = new List<TcpClient>();
            try
            {
                for (var i = 0; i < 4; i++)
                {
                    // A connection holds its slot once a request on it is answered; it then stays open, idle
                    // (keep-alive). One can be refused while fewer than four are held: Kestrel releases a closed
                    // connection's slot only when it has seen the close, and the start-up's readiness probe closed
                    // its connection just before this test began. It is retried until that slot is free again.
                    TcpClient? held = null;
                    Assert.True(await E2E.Eventually(async () =>
                    {
                        var c = new TcpClient();
                        await c.ConnectAsync(IPAddress.Loopback, node.HttpPort);
                        if (await AnsweredOn(c)) { held = c; return true; }
                        c.Dispose();
                        return false;
                    }, TimeSpan.FromSeconds(20)), $"connection {i + 1} of the 4 allowed was refused for 20 s");
                    idle.Add(held!);
                }
                Assert.Null(await TryHealthz(node));
            }
            finally
            {
                foreach (var c in idle) c.Dispose();
            }
            Assert.True(await E2E.Eventually(async () => await TryHealthz(node) == "ok", TimeSpan.FromSeconds(20)),
                "/healthz still refused after the idle connections closed");
        });
    }

    /// <summary>
    /// Sends GET /healthz on the open connection and reads until its whole answer ("ok") is in: true once it is, false
    /// when the node closed the connection first (it was refused).
    /// </summary>
    private static async Task<bool> AnsweredOn(TcpClient connection)
    {
        var stream = connection.GetStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var answer = new StringBuilder();
        var buffer = new byte[1024];
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"), timeout.Token);
            while (!answer.ToString().EndsWith("\r\n\r\nok", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer, timeout.Token);
                if (read == 0) return false;
                answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (IOException)
        {
            return false; // reset by the node
        }
        Assert.StartsWith("HTTP/1.1 200", answer.ToString());
        return true;
    }

    /// <summary>/healthz over a fresh connection: its body, or null when the connection was refused or cut.</summary>
    private static async Task<string?> TryHealthz(NodeProcess node)
    {
        using var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero };
        using var http = new HttpClient(handler) { BaseAddress = node.BaseUrl, Timeout = TimeSpan.FromSeconds(5) };
        try { return await http.GetStringAsync("healthz"); }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException) { return null; }
    }

    [Fact]
    public async Task A_client_that_dribbles_its_request_head_is_cut_off()
    {
        await using var node = await NodeProcess.StartAsync(["--Transcode:Http:RequestHeadersTimeoutSeconds=2"]);
        await E2E.WithNodeLog(node, output, async () =>
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, node.HttpPort);
            var stream = tcp.GetStream();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
            // One more header line a second, never the blank line that ends the head.
            var buffer = new byte[4096];
            var read = stream.ReadAsync(buffer).AsTask();
            for (var i = 0; i < 15 && !read.IsCompleted; i++)
            {
                try { await stream.WriteAsync(Encoding.ASCII.GetBytes($"X-Slow-{i}: 1\r\n")); }
                catch (IOException) { break; }
                await Task.WhenAny(read, Task.Delay(1000));
            }
            Assert.True(read.IsCompleted, "the connection was still open after 15 s of a request head that never ends");
            var answer = read.IsCompletedSuccessfully ? Encoding.ASCII.GetString(buffer, 0, read.Result) : "";
            output.WriteLine($"after {clock.Elapsed.TotalSeconds:0.0} s: '{answer}'");
            Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), answer);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"cut off only after {clock.Elapsed.TotalSeconds:0.0} s");
        });
    }

    [Fact]
    public async Task Readyz_says_the_database_is_unreachable_without_the_drivers_words_which_go_to_the_log()
    {
        var root = Directory.CreateTempSubdirectory("akka-transcode-readyz-").FullName;
        var gone = root + "-gone";
        try
        {
            var file = Path.Combine(root, "transcode.db");
            // Without pooling every check opens the file anew, as a check after a restart of the database would.
            await using var node = await NodeProcess.StartAsync([$"--Transcode:Storage:ConnectionString=Data Source={file};Pooling=False"]);
            await E2E.WithNodeLog(node, output, async () =>
            {
                using var http = new HttpClient { BaseAddress = node.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
                Assert.Equal("ready", await http.GetStringAsync("readyz"));
                // The database goes away: its directory moves aside in one step. (Deleting the files and putting a
                // directory in the file's place raced the node, whose journal writes created the file anew between.)
                Directory.Move(root, gone);
                using var res = await http.GetAsync("readyz");
                var body = await res.Content.ReadAsStringAsync();
                output.WriteLine(body);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, res.StatusCode);
                Assert.Equal("storage unreachable (the reason is in the node's log)", body);
                Assert.True(await E2E.Eventually(() => node.LogSince(0).Contains("readyz: the database is unreachable"), TimeSpan.FromSeconds(10)),
                    "the reason is not in the node's log");
                Assert.Contains("SQLite Error", node.LogSince(0));
            });
        }
        finally
        {
            foreach (var dir in new[] { root, gone })
                if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
