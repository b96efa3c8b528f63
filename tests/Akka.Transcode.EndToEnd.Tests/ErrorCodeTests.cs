using System.Net;
using System.Text.Json;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.TranscodeClient;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>The error codes of PROTOCOL.md as a client sees them: err_code, HTTP status and a message.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class ErrorCodeTests(SharedNodeFixture shared, ITestOutputHelper output)
{
    private NodeProcess Node => shared.Node;
    private TranscodeClient Client => shared.Node.Client;

    private static object ValidJob(string dstDir) =>
        new { src_filename = E2E.Short, dst_dir = dstDir, dst_format = "ts" };

    [Fact]
    public Task Tokens_are_checked_before_anything_else() => E2E.WithNodeLog(Node, output, async () =>
    {
        var request = new { type = 0, job = ValidJob("tokens") };
        await Checks(
            ("no token", async () => Expect(-5, await Client.PostAsync("master/add_job", request, token: ""))),
            ("unknown token", async () => Expect(-5, await Client.PostAsync("master/add_job", request, token: "not-a-token"))),
            ("unknown bearer token", async () => Expect(-5,
                await Client.PostAsync("master/add_job", request, token: "not-a-token", tokenIn: TokenIn.Bearer))),
            ("worker token on a client call", async () => Expect(-6,
                await Client.PostAsync("master/add_job", request, token: NodeProcess.WorkerToken))),
            ("client token as bearer", async () =>
            {
                var (status, body) = await Client.PostAsync("master/get_jobs", new { type = 0, start_index = 0, limit = 1 },
                    tokenIn: TokenIn.Bearer);
                AssertOk(status, body, "get_jobs with a bearer token");
            }));
    });

    [Fact]
    public Task Malformed_requests_are_refused() => E2E.WithNodeLog(Node, output, async () =>
    {
        await Checks(
            ("invalid JSON", async () => Expect(-3, await Client.PostRawAsync("master/add_job", """{"type":0,"job":"""))),
            ("type 1", async () => Expect(-2, await Client.PostAsync("master/add_job", new { type = 1, job = ValidJob("type1") }))),
            ("missing job", async () => Expect(-2, await Client.PostAsync("master/add_job", new { type = 0 }))),
            ("limit of the wrong JSON type", async () => Expect(-2,
                await Client.GetJobsAsync(new { type = 0, start_index = 0, limit = "ten", sortby = "time" }))),
            ("segments 5-1", async () => Expect(-4, await Client.AddJobAsync(new
            {
                src_filename = E2E.Short, dst_dir = "bad-segments", dst_format = "ts", segments = "5-1",
            }))),
            ("dst_format avi", async () => Expect(-4, await Client.AddJobAsync(new
            {
                src_filename = E2E.Short, dst_dir = "avi", dst_format = "avi",
            }))));
    });

    [Fact]
    public Task Sources_must_be_files_inside_the_media_roots() => E2E.WithNodeLog(Node, output, async () =>
    {
        await Checks(
            ("source outside the media root", async () => Expect(-6, await Client.AddJobAsync(new
            {
                src_filename = "../../etc/passwd", dst_dir = "escape", dst_format = "ts",
            }))),
            ("URL source", async () => Expect(-6, await Client.AddJobAsync(new
            {
                src_filename = "http://x/y", dst_dir = "url", dst_format = "ts",
            }))),
            ("missing source", async () => Expect(-9, await Client.AddJobAsync(new
            {
                src_filename = "no-such-file.bin", dst_dir = "missing", dst_format = "ts",
            }))),
            ("not media", () => RejectedOrFails(-9, new
            {
                src_filename = E2E.NotMedia, dst_dir = "not-media", dst_format = "ts",
            }, Path.Combine(Node.MediaRoot, "not-media"))),
            ("empty file", () => RejectedOrFails(-9, new
            {
                src_filename = E2E.Empty, dst_dir = "empty", dst_format = "ts",
            }, Path.Combine(Node.MediaRoot, "empty"))));
    });

    [Fact]
    public Task A_segment_that_starts_after_the_end_fails_the_job_with_invalid_value() => E2E.WithNodeLog(Node, output, async () =>
    {
        var id = await Client.AddJobOkAsync(new
        {
            src_filename = E2E.Short, dst_dir = "past-end", dst_format = "ts", segments = "100-110",
        });
        await AssertFailedWith(id, -4);
        Assert.Empty(E2E.Entries(Path.Combine(Node.MediaRoot, "past-end")));
    });

    [Fact]
    public Task Unknown_ids_and_ended_jobs_and_existing_outputs() => E2E.WithNodeLog(Node, output, async () =>
    {
        var job = new { src_filename = E2E.Short, dst_dir = "conflicts", dst_format = "ts" };
        var id = await Client.AddJobOkAsync(job);
        await Client.WaitForJobCompletedAsync(id, TimeSpan.FromSeconds(60));

        await Checks(
            ("get_job of an unknown id", async () => Expect(-7, await Client.GetJobRawAsync("no-such-job"))),
            ("cancel_job of an unknown id", async () => Expect(-7, await Client.CancelJobAsync("no-such-job"))),
            ("cancel_job of a completed job", async () => Expect(-8, await Client.CancelJobAsync(id))),
            ("output exists, no overwrite", () => RejectedOrFails(-8, job, null)),
            ("task_id is a synonym of job_id", async () =>
            {
                var (status, body) = await Client.PostAsync("master/get_job", new { type = 0, task_id = id });
                AssertOk(status, body, "get_job by task_id");
                Assert.Equal(id, body.GetProperty("job").GetProperty("id").GetString());
            }),
            ("GET form of get_job", async () =>
            {
                var (status, body) = await Client.GetAsync("master/get_job", new Dictionary<string, string> { ["job_id"] = id });
                AssertOk(status, body, "GET get_job");
                Assert.Equal(id, body.GetProperty("job").GetProperty("id").GetString());
                Assert.Equal(JobCompleted, State(body.GetProperty("job")));
            }),
            ("GET form of get_jobs", async () =>
            {
                var (status, body) = await Client.GetAsync("master/get_jobs",
                    new Dictionary<string, string> { ["start_index"] = "0", ["limit"] = "5" });
                AssertOk(status, body, "GET get_jobs");
                Assert.True(body.GetProperty("num_jobs").GetInt32() is >= 1 and <= 5, body.ToString());
            }));

        // The refused second job must not have touched the first one's output.
        var outFile = Path.Combine(Node.MediaRoot, "conflicts", "short.ts");
        Assert.Equal(["short.ts"], E2E.Entries(Path.GetDirectoryName(outFile)!));
        MediaAssert.Near(MediaSet.ShortSeconds, await MediaAssert.DurationAsync(outFile), 0.1, "duration of short.ts");

        // With overwrite the same job runs again.
        var again = await Client.AddJobOkAsync(new { src_filename = E2E.Short, dst_dir = "conflicts", dst_format = "ts", overwrite = true });
        await Client.WaitForJobCompletedAsync(again, TimeSpan.FromSeconds(60));
        Assert.Equal(["short.ts"], E2E.Entries(Path.GetDirectoryName(outFile)!));
    });

    // ---- helpers -------------------------------------------------------------------------------------------------

    private static void Expect(int errCode, (HttpStatusCode Status, JsonElement Body) answer) =>
        ErrorAssert.Is(errCode, answer.Status, answer.Body, "call");

    /// <summary>add_job either refuses the job with <paramref name="errCode"/> at once, or accepts it and the job
    /// then ends FAILED with that err_code. Either way nothing is left in <paramref name="dstDir"/>.</summary>
    private async Task RejectedOrFails(int errCode, object job, string? dstDir)
    {
        var (status, body) = await Client.AddJobAsync(job);
        if (ErrCode(body) == 0)
        {
            var id = body.GetProperty("job_id").GetString()!;
            output.WriteLine($"add_job accepted {JsonSerializer.Serialize(job)} as {id}; expecting it to fail with {errCode}");
            await AssertFailedWith(id, errCode);
        }
        else
        {
            output.WriteLine($"add_job refused {JsonSerializer.Serialize(job)} at once: HTTP {(int)status} {body}");
            ErrorAssert.Is(errCode, status, body, "add_job");
        }
        if (dstDir is not null) Assert.Empty(E2E.Entries(dstDir));
    }

    private async Task AssertFailedWith(string id, int errCode)
    {
        var job = await Client.WaitForJobEndAsync(id, TimeSpan.FromSeconds(60));
        Assert.True(State(job) == JobFailed, $"job {id} should have FAILED:\n{job}");
        Assert.Equal(-1, job.GetProperty("result").GetInt32());
        Assert.True(job.TryGetProperty("err_code", out var code) && code.ValueKind == JsonValueKind.Number,
            $"the failed job carries no numeric err_code:\n{job}");
        Assert.True(code.GetInt32() == errCode, $"job {id} failed with err_code {code}, expected {errCode}:\n{job}");
        Assert.False(string.IsNullOrWhiteSpace(job.GetProperty("err_msg").GetString()), $"no err_msg:\n{job}");
    }

    /// <summary>Runs every check and reports all that failed together, so one run shows the whole picture.</summary>
    private async Task Checks(params (string What, Func<Task> Check)[] checks)
    {
        var failures = new List<string>();
        foreach (var (what, check) in checks)
        {
            try
            {
                await check();
                output.WriteLine($"ok: {what}");
            }
            catch (Exception e)
            {
                output.WriteLine($"FAILED: {what}: {e.Message}");
                failures.Add($"{what}: {e.Message}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {checks.Length} checks failed:\n" + string.Join("\n", failures));
    }
}
