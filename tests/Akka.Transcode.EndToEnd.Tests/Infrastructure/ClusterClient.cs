using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.TranscodeClient;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A client of a cluster whose nodes come and go: every call goes to the next node that is running (all of them
/// play the api role), and an answer that only says "not now" is retried, on another node, until a deadline. "Not
/// now" is err_code -10 (an entity that is moving between nodes does not answer in time), a refused connection (a
/// node stopping) or an HTTP time-out. Any other answer is final: a -7 for a job that was accepted, or a job that
/// ends FAILED, fails the test. <paramref name="onRetry"/>, when given, hears why each retried call was not answered.
/// </summary>
public sealed class ClusterClient(IReadOnlyList<NodeProcess> nodes, Action<string>? onRetry = null)
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(200);
    private int _next;
    private int _retries;

    /// <summary>How many calls were answered "not now" (-10 or no connection) and retried. Calls may run concurrently.</summary>
    public int Retries => Volatile.Read(ref _retries);

    /// <summary>One call to one live node: its answer, or why that node could not answer now.</summary>
    private async Task<((HttpStatusCode Status, JsonElement Body)? Answer, string Why)> TryOnceAsync(
        Func<TranscodeClient, Task<(HttpStatusCode, JsonElement)>> call)
    {
        var live = nodes.Where(n => n.IsRunning).ToList();
        if (live.Count == 0) return (null, "no node running");
        var node = live[(int)((uint)Interlocked.Increment(ref _next) % (uint)live.Count)];
        try
        {
            var (status, body) = await call(node.Client);
            if (body.TryGetProperty("err_code", out var code) && code.GetInt32() == -10)
                return (null, $"{node.BaseUrl.Authority}: -10 {(body.TryGetProperty("err_msg", out var m) ? m.GetString() : "")}");
            return ((status, body), "");
        }
        catch (HttpRequestException e) { return (null, $"{node.BaseUrl.Authority}: {e.Message}"); }
        catch (TaskCanceledException) { return (null, $"{node.BaseUrl.Authority}: no answer within the HTTP timeout"); }
    }

    /// <summary>Retries <paramref name="call"/> on live nodes until one answers other than "not now".</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> CallAsync(
        Func<TranscodeClient, Task<(HttpStatusCode, JsonElement)>> call, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var (answer, why) = await TryOnceAsync(call);
            if (answer is { } a) return a;
            Interlocked.Increment(ref _retries);
            onRetry?.Invoke($"{what}: {why}");
            if (sw.Elapsed > timeout)
                throw new TimeoutException($"{what}: no node answered within {timeout.TotalSeconds} s\n{Diagnostics()}");
            await Task.Delay(Pause);
        }
    }

    /// <summary>add_job with a client-chosen job_id, so that a retry after a lost answer is the same job
    /// (PROTOCOL.md: resubmitting the same id with the same body is idempotent).</summary>
    public async Task<string> AddJobOkAsync(string srcFilename, string dstDir, string dstFormat = "mp4")
    {
        var id = "e2e-" + Guid.NewGuid().ToString("N");
        var job = new { job_id = id, src_filename = srcFilename, dst_dir = dstDir, dst_format = dstFormat, video_codec = "h264", audio_codec = "aac" };
        var (status, body) = await CallAsync(c => c.AddJobAsync(job), TimeSpan.FromSeconds(60), $"add_job {id}");
        AssertOk(status, body, "add_job");
        Assert.Equal(id, body.GetProperty("job_id").GetString());
        return id;
    }

    public async Task<JsonElement> GetJobAsync(string jobId, bool detail = false, TimeSpan? timeout = null)
    {
        var (status, body) = await CallAsync(c => c.GetJobRawAsync(jobId, detail), timeout ?? TimeSpan.FromSeconds(60),
            $"get_job {jobId}");
        AssertOk(status, body, $"get_job {jobId}");
        return body.GetProperty("job");
    }

    /// <summary>Polls get_job until <paramref name="predicate"/> holds; a job that ends FAILED or CANCELED fails at once.</summary>
    public async Task<JsonElement> WaitForJobAsync(string jobId, Func<JsonElement, bool> predicate, TimeSpan timeout,
        bool detail = false, string? what = null)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var left = timeout - sw.Elapsed;
            var job = await GetJobAsync(jobId, detail, left > TimeSpan.FromSeconds(5) ? left : TimeSpan.FromSeconds(5));
            Assert.True(State(job) is not (JobFailed or JobCanceled),
                $"job {jobId} ended in state {State(job)}:\n{job}\n{Diagnostics()}");
            if (predicate(job)) return job;
            if (sw.Elapsed > timeout)
                throw new TimeoutException(
                    $"job {jobId}: {what ?? "the awaited state"} not reached within {timeout.TotalSeconds} s; last seen:\n{job}\n{Diagnostics()}");
            await Task.Delay(Pause);
        }
    }

    public Task<JsonElement> WaitForJobCompletedAsync(string jobId, TimeSpan timeout) =>
        WaitForJobAsync(jobId, j => State(j) == JobCompleted, timeout, detail: true, what: "COMPLETED");

    /// <summary>Every job get_jobs lists (one page of up to 1000).</summary>
    public async Task<(long Total, IReadOnlyList<JsonElement> Jobs)> ListJobsAsync()
    {
        var (status, body) = await CallAsync(
            c => c.GetJobsAsync(new { type = 0, start_index = 0, limit = 1000, sortby = "time" }),
            TimeSpan.FromSeconds(30), "get_jobs");
        AssertOk(status, body, "get_jobs");
        return (body.GetProperty("total").GetInt64(), body.GetProperty("jobs").EnumerateArray().ToList());
    }

    /// <summary>The tail of every node's log, for failure messages.</summary>
    public string Diagnostics()
    {
        var sb = new StringBuilder();
        foreach (var n in nodes) sb.AppendLine(n.LogTail(60));
        return sb.ToString();
    }
}
