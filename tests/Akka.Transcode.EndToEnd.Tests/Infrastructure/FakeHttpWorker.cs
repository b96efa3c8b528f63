using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure;

/// <summary>
/// An HTTP worker the test plays itself (docs/worker-protocol.md), on 127.0.0.1: it registers with a master and
/// heartbeats, keeps every add_task task object it is given (with its file_token), answers get_task_info with
/// "running" for those, and records cancel_task. It runs no ffmpeg: the test decides what reaches the master.
/// </summary>
public sealed class FakeHttpWorker : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, JsonElement> _tasks = new();
    private readonly ConcurrentQueue<JsonElement> _added = new();
    private readonly ConcurrentQueue<string> _canceled = new();
    private Task _serving = Task.CompletedTask, _beating = Task.CompletedTask;
    private int _polls;

    public int Port { get; }
    public string? WorkerId { get; private set; }
    /// <summary>Every add_task task object, in order.</summary>
    public IReadOnlyList<JsonElement> Added => _added.ToList();
    public IReadOnlyList<string> Canceled => _canceled.ToList();
    /// <summary>How many get_task_info calls the master has made.</summary>
    public int Polls => Volatile.Read(ref _polls);

    private FakeHttpWorker(Uri master)
    {
        Port = NodeProcess.FreePorts(1)[0];
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _http = new HttpClient { BaseAddress = master, Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>Starts listening, registers with <paramref name="slots"/> and heartbeats every second.</summary>
    public static async Task<FakeHttpWorker> StartAsync(Uri master, int slots)
    {
        var w = new FakeHttpWorker(master);
        w._listener.Start();
        w._serving = Task.Run(w.ServeAsync);
        var (status, body) = await w.PostAsync("master/register_worker", new { type = 0, ip = "127.0.0.1", port = w.Port, state = 0, slots });
        if (status != HttpStatusCode.OK) throw new InvalidOperationException($"register_worker: HTTP {(int)status} {body}");
        w.WorkerId = body.GetProperty("worker_id").GetString();
        w._beating = Task.Run(w.HeartbeatAsync);
        return w;
    }

    /// <summary>A call on the master with the worker token, as this worker (or anyone holding that token) makes it.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, object body)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", NodeProcess.WorkerToken);
        using var resp = await _http.SendAsync(req);
        using var doc = JsonDocument.Parse(await resp.Content.ReadAsStringAsync());
        return (resp.StatusCode, doc.RootElement.Clone());
    }

    private async Task HeartbeatAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await PostAsync("master/worker_heartbeat", new { type = 0, worker_id = WorkerId, worker_state = 0 });
                await Task.Delay(TimeSpan.FromSeconds(1), _stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested) { return; }
            catch (HttpRequestException) { /* the master is busy or gone: the next beat tries again */ }
        }
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext ctx;
            try { ctx = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
            try { await AnswerAsync(ctx); }
            catch (Exception e) when (e is HttpListenerException or IOException or JsonException or KeyNotFoundException) { /* a broken call */ }
            // Disposing closes the listener under a call being answered: its response is then gone, which is no
            // failure of the test.
            catch (Exception e) when (_stop.IsCancellationRequested && e is InvalidOperationException or ObjectDisposedException) { return; }
        }
    }

    private async Task AnswerAsync(HttpListenerContext ctx)
    {
        using var doc = await JsonDocument.ParseAsync(ctx.Request.InputStream);
        var req = doc.RootElement;
        object answer;
        var status = 200;
        switch (ctx.Request.Url!.AbsolutePath)
        {
            case "/worker/add_task":
                var task = req.GetProperty("task").Clone();
                _added.Enqueue(task);
                _tasks[task.GetProperty("id").GetString()!] = task;
                answer = new { type = 1, error_code = 0, err_code = 0, err_msg = "ok" };
                break;
            case "/worker/get_task_info":
                Interlocked.Increment(ref _polls);
                var id = req.GetProperty("task_id").GetString()!;
                if (_tasks.TryGetValue(id, out var known))
                    answer = new
                    {
                        type = 1, error_code = 0, err_code = 0, err_msg = "ok",
                        task = new { id, attempt = known.GetProperty("attempt").GetInt32(), state = 1, progress = 10.0 },
                    };
                else (answer, status) = (new { type = 1, error_code = -7, err_code = -7, err_msg = $"no task {id}" }, 404);
                break;
            case "/worker/cancel_task":
                var canceled = req.GetProperty("task_id").GetString()!;
                _canceled.Enqueue(canceled);
                _tasks.TryRemove(canceled, out _);
                answer = new { type = 1, error_code = 0, err_code = 0, err_msg = "ok" };
                break;
            default:
                (answer, status) = (new { type = 1, error_code = -7, err_code = -7, err_msg = "no such call" }, 404);
                break;
        }
        var bytes = JsonSerializer.SerializeToUtf8Bytes(answer);
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength64 = bytes.Length;
        await ctx.Response.OutputStream.WriteAsync(bytes);
        ctx.Response.Close();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _listener.Close();
        try { await Task.WhenAll(_serving, _beating); }
        catch (Exception e) when (e is OperationCanceledException or HttpListenerException or ObjectDisposedException) { }
        _http.Dispose();
        _stop.Dispose();
    }
}
