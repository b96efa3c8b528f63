using System.Net;
using System.Text;
using System.Text.Json;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.TranscodeClient;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>
/// Hostile requests against the calls an HTTP worker node serves (docs/worker-protocol.md): exact err_code (and
/// error_code), HTTP status and words in err_msg, with the worker still registered and ready afterwards.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class HostileWorkerInputTests(HostileWorkerInputTests.Nodes nodes, ITestOutputHelper output)
    : IClassFixture<HostileWorkerInputTests.Nodes>
{
    /// <summary>A master and one HTTP worker, shared by the rows.</summary>
    public sealed class Nodes : IAsyncLifetime
    {
        public NodeProcess Master { get; private set; } = null!;
        public NodeProcess Worker { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Master = await NodeProcess.StartAsync(["--Transcode:Roles=api,master"]);
            Worker = await NodeProcess.StartAsync(["--Transcode:Roles=worker", $"--Transcode:Worker:MasterUrl={Master.BaseUrl}"]);
        }

        public async Task DisposeAsync()
        {
            if (Worker is not null) await Worker.DisposeAsync();
            if (Master is not null) await Master.DisposeAsync();
        }
    }

    public sealed record Row(string Method, string Path, string Token, string? Body, int ErrCode, int Status, string[] Message);

    private const string W = "worker", C = "client", A = "admin";

    private static string Task(string fields) => "{\"type\":0,\"task\":{" + fields + "}}";

    // A well-formed task object, with one field replaced or removed by each row.
    private static string TaskWith(string field, string? json)
    {
        var fields = new Dictionary<string, string>
        {
            ["id"] = "\"J-t0\"", ["job_id"] = "\"J\"", ["attempt"] = "1", ["index"] = "0", ["kind"] = "\"transcode\"",
            ["src_filename"] = "\"/nonexistent/record.bin\"", ["src_file_id"] = "\"0cc175b9c0f1b6a831c399e269772661\"",
            ["dst_dir"] = "\"/nonexistent/out\"", ["dst_filename"] = "\"out.ts\"", ["dst_format"] = "\"mpegts\"",
            ["from_time"] = "0", ["to_time"] = "1", ["duration"] = "1", ["cuts"] = "null", ["keyframe_cuts"] = "false",
            ["parts"] = "null", ["audio_part"] = "null",
            ["video"] = """{"action":"encode","codec":"h264"}""", ["audio"] = """{"action":"drop"}""",
        };
        if (json is null) fields.Remove(field);
        else fields[field] = json;
        return Task(string.Join(',', fields.Select(kv => $"\"{kv.Key}\":{kv.Value}")));
    }

    private static Row Add(string body, int code, params string[] words) =>
        new("POST", "worker/add_task", W, body, code, code switch { -5 => 401, -6 => 403, -7 => 404, _ => 400 }, words);

    public static readonly IReadOnlyDictionary<string, Row> Cases = new Dictionary<string, Row>
    {
        ["add_task invalid JSON"] = Add("""{"type":0,"task":{"id":""", -3, "invalid JSON"),
        ["add_task body an array"] = Add("[1]", -2, "object"),
        ["add_task type 2"] = Add("""{"type":2,"task":{}}""", -2, "type"),
        ["add_task without task"] = Add("""{"type":0}""", -2, "task"),
        ["add_task without id"] = Add(TaskWith("id", null), -2, "task.id", "missing"),
        ["add_task id with a path"] = Add(TaskWith("id", "\"../../x\""), -4, "id"),
        ["add_task attempt 0"] = Add(TaskWith("attempt", "0"), -4, "attempt"),
        ["add_task attempt a string"] = Add(TaskWith("attempt", "\"one\""), -2, "task.attempt", "wrong JSON type (string)"),
        ["add_task unknown kind"] = Add(TaskWith("kind", "\"shell\""), -4, "kind"),
        ["add_task unknown muxer"] = Add(TaskWith("dst_format", "\"-f\""), -4, "dst_format"),
        ["add_task file id not MD5"] = Add(TaskWith("src_file_id", "\"abc\""), -4, "src_file_id"),
        ["add_task dst_filename with a slash"] = Add(TaskWith("dst_filename", "\"../../etc/passwd\""), -4, "dst_filename"),
        ["add_task negative duration"] = Add(TaskWith("duration", "-1"), -4, "duration"),
        ["add_task video action unknown"] = Add(TaskWith("video", """{"action":"explode"}"""), -4, "video"),
        ["add_task src_filename null"] = Add(TaskWith("src_filename", "null"), -2, "task.src_filename", "null"),
        ["add_task keyframe_cuts on a transcode"] = Add(TaskWith("keyframe_cuts", "true"), -4, "keyframe_cuts"),
        ["add_task client token"] = new("POST", "worker/add_task", C, TaskWith("id", "\"J-t0\""), -6, 403, ["client token", "worker"]),
        ["add_task admin token"] = new("POST", "worker/add_task", A, TaskWith("id", "\"J-t0\""), -6, 403, ["an admin token", "worker"]),
        ["add_task no token"] = new("POST", "worker/add_task", "", TaskWith("id", "\"J-t0\""), -5, 401, ["token missing"]),
        ["get_task_info unknown task"] = new("POST", "worker/get_task_info", W, """{"type":0,"task_id":"no-such-task"}""", -7, 404, ["no-such-task"]),
        ["get_task_info without task_id"] = new("POST", "worker/get_task_info", W, """{"type":0}""", -2, 400, ["task_id"]),
        ["get_task_info GET unknown"] = new("GET", "worker/get_task_info?task_id=no-such-task", W, null, -7, 404, ["no-such-task"]),
        ["cancel_task unknown task"] = new("POST", "worker/cancel_task", W, """{"type":0,"task_id":"no-such-task"}""", -7, 404, ["no-such-task"]),
        ["cancel_task invalid JSON"] = new("POST", "worker/cancel_task", W, "{", -3, 400, ["invalid JSON"]),
        ["cancel_task id a number"] = new("POST", "worker/cancel_task", W, """{"type":0,"task_id":7}""", -2, 400, ["task_id"]),
    };

    public static IEnumerable<object[]> Names() => Cases.Keys.Select(k => new object[] { k });

    [Theory]
    [MemberData(nameof(Names))]
    public async Task A_hostile_request_to_an_http_worker_gets_its_exact_error(string name)
    {
        var c = Cases[name];
        await E2E.WithNodeLog(nodes.Worker, output, async () =>
        {
            using var http = new HttpClient { BaseAddress = nodes.Worker.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
            using var req = new HttpRequestMessage(new HttpMethod(c.Method), c.Path);
            var token = c.Token switch
            {
                W => NodeProcess.WorkerToken, C => NodeProcess.ClientToken, A => NodeProcess.AdminToken, var other => other,
            };
            if (token.Length > 0) req.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            if (c.Body is not null) req.Content = new StringContent(c.Body, Encoding.UTF8, "application/json");
            using var resp = await http.SendAsync(req);
            var text = await resp.Content.ReadAsStringAsync();
            output.WriteLine($"{c.Method} /{c.Path} -> HTTP {(int)resp.StatusCode} {text}");
            using var doc = JsonDocument.Parse(text);
            var body = doc.RootElement;
            Assert.Equal(c.ErrCode, ErrCode(body));
            Assert.Equal(c.ErrCode, body.GetProperty("error_code").GetInt32());
            Assert.Equal(c.Status, (int)resp.StatusCode);
            var message = body.GetProperty("err_msg").GetString()!;
            foreach (var word in c.Message)
                Assert.True(message.Contains(word, StringComparison.OrdinalIgnoreCase), $"err_msg does not name '{word}': {message}");
            Assert.DoesNotContain("System.", message);
            Assert.DoesNotContain("Akka.Transcode.", message);

            // Still a healthy, registered worker that holds no task from the hostile rows.
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("readyz")).StatusCode);
            var (status, info) = await GetInfoAsync(http, "J-t0");
            Assert.True(ErrCode(info) == -7, $"a refused add_task left a task behind: HTTP {(int)status} {info}");
        });
    }

    private static async Task<(HttpStatusCode, JsonElement)> GetInfoAsync(HttpClient http, string taskId)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, "worker/get_task_info")
        {
            Content = new StringContent($$"""{"type":0,"task_id":"{{taskId}}"}""", Encoding.UTF8, "application/json"),
        };
        req.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", NodeProcess.WorkerToken);
        using var resp = await http.SendAsync(req);
        using var doc = JsonDocument.Parse(await resp.Content.ReadAsStringAsync());
        return (resp.StatusCode, doc.RootElement.Clone());
    }
}
