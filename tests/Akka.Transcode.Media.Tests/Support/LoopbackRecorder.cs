using System.Net;
using System.Net.Sockets;

namespace Akka.Transcode.Media.Tests.Support;

/// <summary>
/// A TCP listener on 127.0.0.1 that records every connection and answers it with an HTTP 404, so a process that
/// was told to fetch a URL from it neither hangs nor goes unnoticed.
/// </summary>
public sealed class LoopbackRecorder : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private int _connections;

    public LoopbackRecorder()
    {
        _listener.Start();
        _ = AcceptAsync();
    }

    public string Url(string path) => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/{path}";

    public int Connections => Volatile.Read(ref _connections);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { return; }
            Interlocked.Increment(ref _connections);
            using (client)
            {
                try
                {
                    await client.GetStream().WriteAsync("HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), _stop.Token);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or SocketException) { }
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}
