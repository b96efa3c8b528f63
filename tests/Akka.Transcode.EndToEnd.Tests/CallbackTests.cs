using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>callback_url: the node POSTs the final job object to a receiver on loopback once the job ends.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class CallbackTests(SharedNodeFixture shared, ITestOutputHelper output)
{
    private NodeProcess Node => shared.Node;

    [Fact]
    public Task The_final_job_object_is_posted_to_the_callback_url() => E2E.WithNodeLog(Node, output, async () =>
    {
        var port = FreePort();
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
        using var body = await JsonDocument.ParseAsync(context.Request.InputStream);
        context.Response.StatusCode = 200;
        context.Response.Close();

        // The same envelope get_job answers, with the ended job in it.
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

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
