using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure;

/// <summary>The client calls of PROTOCOL.md, over plain HTTP and JSON.</summary>
public sealed class TranscodeClient(Uri baseUrl, string clientToken, Func<string>? diagnostics = null) : IDisposable
{
    public const int JobInit = 0, JobReady = 1, JobInProgress = 2, JobCompleted = 3, JobFailed = 4, JobCanceled = 5;
    public const int TaskPending = 0, TaskRunning = 1, TaskDone = 2, TaskFailed = 3, TaskCanceled = 4;

    private readonly HttpClient _http = new() { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };

    public string ClientToken { get; } = clientToken;

    /// <summary>How the token travels.</summary>
    public enum TokenIn { Query, Bearer }

    /// <summary>POSTs <paramref name="body"/> serialized as JSON (anonymous objects with snake_case member names work).
    /// <paramref name="token"/> defaults to the client token; pass "" to send none.</summary>
    public Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, object body, string? token = null,
        TokenIn tokenIn = TokenIn.Query) =>
        PostRawAsync(path, JsonSerializer.Serialize(body), token, tokenIn);

    /// <summary>POSTs <paramref name="json"/> as is (it need not be valid JSON).</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> PostRawAsync(string path, string json,
        string? token = null, TokenIn tokenIn = TokenIn.Query)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, WithToken(path, token, tokenIn))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (tokenIn == TokenIn.Bearer && !string.IsNullOrEmpty(token ?? ClientToken))
            req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? ClientToken);
        return await SendAsync(req);
    }

    /// <summary>GET form of a read-only call: the fields go in the query string.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path,
        IReadOnlyDictionary<string, string> query, string? token = null)
    {
        var q = string.Join('&', query.Select(kv => $"{Uri.EscapeDataString(kv.Key)}={Uri.EscapeDataString(kv.Value)}"));
        var url = WithToken(path, token, TokenIn.Query);
        url += (url.Contains('?') ? "&" : "?") + q;
        using var req = new HttpRequestMessage(HttpMethod.Get, url);
        return await SendAsync(req);
    }

    private string WithToken(string path, string? token, TokenIn tokenIn)
    {
        var t = token ?? ClientToken;
        path = path.TrimStart('/');
        return tokenIn == TokenIn.Query && t.Length > 0 ? $"{path}?token={Uri.EscapeDataString(t)}" : path;
    }

    private async Task<(HttpStatusCode, JsonElement)> SendAsync(HttpRequestMessage req)
    {
        using var resp = await _http.SendAsync(req);
        var text = await resp.Content.ReadAsStringAsync();
        try
        {
            using var doc = JsonDocument.Parse(text);
            return (resp.StatusCode, doc.RootElement.Clone());
        }
        catch (JsonException)
        {
            throw new InvalidOperationException(
                $"{req.Method} {req.RequestUri} answered HTTP {(int)resp.StatusCode} with a body that is not JSON:\n{text}");
        }
    }

    // ---- the calls ---------------------------------------------------------------------------------------------

    public Task<(HttpStatusCode Status, JsonElement Body)> AddJobAsync(object job) =>
        PostAsync("master/add_job", new { type = 0, job });

    /// <summary>add_job that must succeed; returns the job id.</summary>
    public async Task<string> AddJobOkAsync(object job)
    {
        var (status, body) = await AddJobAsync(job);
        AssertOk(status, body, "add_job");
        var id = body.GetProperty("job_id").GetString();
        Assert.False(string.IsNullOrEmpty(id), $"add_job returned no job_id: {body}");
        return id!;
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> GetJobRawAsync(string jobId, bool detail = false) =>
        PostAsync("master/get_job", new { type = 0, job_id = jobId, detail });

    /// <summary>get_job that must succeed; returns the job object.</summary>
    public async Task<JsonElement> GetJobAsync(string jobId, bool detail = false)
    {
        var (status, body) = await GetJobRawAsync(jobId, detail);
        AssertOk(status, body, "get_job");
        return body.GetProperty("job");
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> GetJobsAsync(object request) =>
        PostAsync("master/get_jobs", request);

    public Task<(HttpStatusCode Status, JsonElement Body)> CancelJobAsync(string jobId) =>
        PostAsync("master/cancel_job", new { type = 0, job_id = jobId });

    /// <summary>Polls get_job every 200 ms until <paramref name="predicate"/> holds for the job object.</summary>
    public async Task<JsonElement> WaitForJobStateAsync(string jobId, Func<JsonElement, bool> predicate,
        TimeSpan timeout, bool detail = false, string? what = null)
    {
        var sw = Stopwatch.StartNew();
        JsonElement job = default;
        while (true)
        {
            job = await GetJobAsync(jobId, detail);
            if (predicate(job)) return job;
            if (sw.Elapsed > timeout) break;
            await Task.Delay(200);
        }
        throw new TimeoutException(
            $"job {jobId}: {what ?? "the awaited state"} not reached within {timeout.TotalSeconds} s; last seen:\n{job}\n{diagnostics?.Invoke()}");
    }

    /// <summary>Waits until the job has ended (COMPLETED, FAILED or CANCELED) and returns it with its task list.</summary>
    public Task<JsonElement> WaitForJobEndAsync(string jobId, TimeSpan timeout) =>
        WaitForJobStateAsync(jobId, j => State(j) >= JobCompleted, timeout, detail: true, what: "an end state");

    /// <summary>Waits until the job is COMPLETED; fails at once if it ends otherwise.</summary>
    public async Task<JsonElement> WaitForJobCompletedAsync(string jobId, TimeSpan timeout)
    {
        var job = await WaitForJobEndAsync(jobId, timeout);
        Assert.True(State(job) == JobCompleted, $"job {jobId} ended in state {State(job)}, not COMPLETED:\n{job}\n{diagnostics?.Invoke()}");
        return job;
    }

    // ---- reading answers ---------------------------------------------------------------------------------------

    public static int State(JsonElement job) => job.GetProperty("state").GetInt32();

    public static int ErrCode(JsonElement body) => body.GetProperty("err_code").GetInt32();

    public static IReadOnlyList<JsonElement> Tasks(JsonElement job) =>
        job.TryGetProperty("task_list", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().ToList()
            : [];

    public static void AssertOk(HttpStatusCode status, JsonElement body, string call)
    {
        Assert.True(status == HttpStatusCode.OK && body.TryGetProperty("err_code", out var c) && c.GetInt32() == 0,
            $"{call} failed: HTTP {(int)status} {body}");
        Assert.Equal(1, body.GetProperty("type").GetInt32());
        Assert.Equal("ok", body.GetProperty("err_msg").GetString());
    }

    public void Dispose() => _http.Dispose();
}
