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
    /// <summary>
    /// A master that calls workers on loopback (Transcode:Worker:AllowedNetworks 127.0.0.0/8), with small caps on
    /// workers per ip and on uploads, and one HTTP worker, shared by the rows; and a master with the defaults, which
    /// allows no loopback worker.
    /// </summary>
    public sealed class Nodes : IAsyncLifetime
    {
        public const int MaxWorkersPerAddress = 4;
        public const int MaxUploadBytes = 1 << 20;

        public NodeProcess Master { get; private set; } = null!;
        public NodeProcess Worker { get; private set; } = null!;
        public NodeProcess DefaultMaster { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var media = await MediaFactory.GetAsync();
            Master = await NodeProcess.StartAsync(
            [
                "--Transcode:Roles=api,master", NodeProcess.AllowLoopbackWorkers,
                $"--Transcode:Worker:MaxWorkersPerAddress={MaxWorkersPerAddress}", $"--Transcode:Worker:MaxUploadBytes={MaxUploadBytes}",
            ], root => E2E.StockMediaRoot(media, root));
            Worker = await NodeProcess.StartAsync(["--Transcode:Roles=worker", $"--Transcode:Worker:MasterUrl={Master.BaseUrl}"]);
            DefaultMaster = await NodeProcess.StartAsync(["--Transcode:Roles=api,master"]);
        }

        public async Task DisposeAsync()
        {
            if (Worker is not null) await Worker.DisposeAsync();
            if (Master is not null) await Master.DisposeAsync();
            if (DefaultMaster is not null) await DefaultMaster.DisposeAsync();
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

    // ---- workers are who they say they are ----------------------------------------------------------------------

    /// <summary>One register_worker call from this test process (so from 127.0.0.1) and what it must answer.</summary>
    public sealed record Registration(bool DefaultMaster, string Ip, int ErrCode, int Status, string[] Message);

    public static readonly IReadOnlyDictionary<string, Registration> Registrations = new Dictionary<string, Registration>
    {
        ["an ip that is not the caller's"] = new(false, "10.0.0.5", -6, 403, ["10.0.0.5", "not the address this request came from", "127.0.0.1", "AllowedNetworks"]),
        ["a public ip that is not the caller's"] = new(false, "203.0.113.7", -6, 403, ["not the address this request came from"]),
        ["loopback without AllowedNetworks"] = new(true, "127.0.0.1", -6, 403, ["127.0.0.1", "loopback", "Transcode:Worker:AllowedNetworks"]),
        ["IPv6 loopback without AllowedNetworks"] = new(true, "::1", -6, 403, ["loopback"]),
        ["a host name for loopback without AllowedNetworks"] = new(true, "localhost", -6, 403, ["loopback"]),
        ["the metadata address"] = new(true, "169.254.169.254", -6, 403, ["cloud metadata"]),
        ["the IPv6 metadata address"] = new(false, "fd00:ec2::254", -6, 403, ["cloud metadata"]),
        ["a link-local address"] = new(false, "169.254.10.1", -6, 403, ["link-local"]),
        ["an IPv6 link-local address"] = new(true, "fe80::1", -6, 403, ["link-local"]),
        ["the unspecified address"] = new(false, "0.0.0.0", -4, 400, ["ip", "unicast"]),
        ["a multicast address"] = new(false, "239.1.2.3", -4, 400, ["ip", "unicast"]),
        // Not 127.0.0.1 itself, whose workers the fixture counts against MaxWorkersPerAddress.
        ["loopback inside AllowedNetworks"] = new(false, "127.0.0.2", 0, 200, ["ok"]),
    };

    public static IEnumerable<object[]> RegistrationNames() => Registrations.Keys.Select(k => new object[] { k });

    [Theory]
    [MemberData(nameof(RegistrationNames))]
    public async Task A_worker_registers_only_its_own_address_or_one_inside_the_allowed_networks(string name)
    {
        var r = Registrations[name];
        var master = r.DefaultMaster ? nodes.DefaultMaster : nodes.Master;
        await E2E.WithNodeLog(master, output, async () =>
        {
            var port = NodeProcess.FreePorts(1)[0];
            var (status, body) = await RegisterAsync(master, r.Ip, port);

            AssertError(body, status, r.ErrCode, r.Status, r.Message);
            var workers = (await master.Client.GetAsync("admin/workers", new Dictionary<string, string>(), NodeProcess.AdminToken)).Body;
            var registered = workers.GetProperty("workers").EnumerateArray()
                .Any(w => w.GetProperty("node").GetString()!.EndsWith($":{port}", StringComparison.Ordinal));
            Assert.Equal(r.ErrCode == 0, registered);
        });
    }

    [Fact]
    public async Task No_more_than_MaxWorkersPerAddress_workers_register_under_one_ip() =>
        await E2E.WithNodeLog(nodes.Master, output, async () =>
        {
            // 127.0.0.3: an address of its own, so the fixture's workers on 127.0.0.1 do not count.
            var ports = NodeProcess.FreePorts(Nodes.MaxWorkersPerAddress + 1);
            foreach (var port in ports[..^1])
            {
                var (okStatus, ok) = await RegisterAsync(nodes.Master, "127.0.0.3", port);
                AssertError(ok, okStatus, 0, 200, ["ok"]);
            }

            var (status, body) = await RegisterAsync(nodes.Master, "127.0.0.3", ports[^1]);

            AssertError(body, status, -10, 503, [$"{Nodes.MaxWorkersPerAddress} workers are registered under 127.0.0.3", "MaxWorkersPerAddress"]);
            // One already registered may register again: that is not one more.
            var (againStatus, again) = await RegisterAsync(nodes.Master, "127.0.0.3", ports[0]);
            AssertError(again, againStatus, 0, 200, ["ok"]);
        });

    [Fact]
    public async Task A_forged_registration_of_a_live_workers_address_neither_evicts_it_nor_re_queues_its_task()
    {
        await using var worker = await FakeHttpWorker.StartAsync(nodes.Master.BaseUrl, slots: 8);
        await E2E.WithNodeLog(nodes.Master, output, async () =>
        {
            var jobId = await nodes.Master.Client.AddJobOkAsync(new { src_filename = E2E.Short, dst_dir = "forged-register", dst_format = "mkv" });
            try
            {
                Assert.True(await E2E.Eventually(() => worker.Added.Count == 1, TimeSpan.FromSeconds(30)), "the task never reached the worker");
                var polls = worker.Polls;

                // Anyone with a worker token, on the worker's machine, sends its ip:port.
                var (status, body) = await RegisterAsync(nodes.Master, "127.0.0.1", worker.Port, slots: 1);

                AssertError(body, status, 0, 200, ["ok"]);
                Assert.Equal(worker.WorkerId, body.GetProperty("worker_id").GetString());
                // The master asked the worker, which still runs its attempt, and left everything as it was.
                Assert.True(await E2E.Eventually(() => worker.Polls >= polls + 3 || worker.Canceled.Count > 0, TimeSpan.FromSeconds(15)),
                    "the master stopped polling the worker");
                Assert.Empty(worker.Canceled);
                Assert.Single(worker.Added);
                var task = Assert.Single(Tasks(await nodes.Master.Client.GetJobAsync(jobId, detail: true)));
                Assert.Equal((worker.WorkerId, 1, TranscodeClient.TaskRunning),
                    (task.GetProperty("worker_id").GetString(), task.GetProperty("attempts").GetInt32(), task.GetProperty("state").GetInt32()));
            }
            finally
            {
                await nodes.Master.Client.CancelJobAsync(jobId);
            }
        });
    }

    [Fact]
    public async Task Files_are_served_and_taken_only_with_the_file_token_of_the_attempt()
    {
        await using var worker = await FakeHttpWorker.StartAsync(nodes.Master.BaseUrl, slots: 8);
        await E2E.WithNodeLog(nodes.Master, output, async () =>
        {
            var client = nodes.Master.Client;
            var jobs = new[]
            {
                await client.AddJobOkAsync(new { src_filename = E2E.Short, dst_dir = "forged-files-1", dst_format = "mkv" }),
                await client.AddJobOkAsync(new { src_filename = E2E.Short, dst_dir = "forged-files-2", dst_format = "mkv" }),
            };
            try
            {
                Assert.True(await E2E.Eventually(() => worker.Added.Count == 2, TimeSpan.FromSeconds(30)), "the tasks never reached the worker");
                var (mine, other) = (worker.Added[0], worker.Added[1]);
                static string? TokenOf(JsonElement task) => task.TryGetProperty("file_token", out var t) ? t.GetString() : null;
                var (token, otherToken) = (TokenOf(mine), TokenOf(other));
                var taskId = mine.GetProperty("id").GetString()!;
                var dstDir = mine.GetProperty("dst_dir").GetString()!;
                var dstName = mine.GetProperty("dst_filename").GetString()!;
                var source = mine.GetProperty("src_file_id").GetString()!;
                using var http = new HttpClient { BaseAddress = nodes.Master.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };

                // Downloads: the attempt's input, only with its token.
                await AssertRefusedAsync(http, HttpMethod.Get, $"master/files/{source}", null, null, -6, 403, "X-File-Token missing");
                await AssertRefusedAsync(http, HttpMethod.Get, $"master/files/{source}", "not-the-token-0123456789", null, -6, 403, "does not match");
                using (var got = await SendAsync(http, HttpMethod.Get, $"master/files/{source}", token, null))
                {
                    Assert.Equal(HttpStatusCode.OK, got.StatusCode);
                    Assert.Equal(source, Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(await got.Content.ReadAsByteArrayAsync())));
                }

                // Uploads: without the token, with a wrong one, with another attempt's: refused, and nothing written.
                var bytes = Enumerable.Range(0, 4096).Select(i => (byte)i).ToArray();
                var md5 = Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(bytes));
                var put = $"master/files/{md5}?task_id={taskId}";
                await AssertRefusedAsync(http, HttpMethod.Put, put, null, bytes, -6, 403, "X-File-Token missing");
                await AssertRefusedAsync(http, HttpMethod.Put, put, "not-the-token-0123456789", bytes, -6, 403, "does not match");
                Assert.True(token is not null && otherToken is not null && token != otherToken, "each attempt gets a file_token of its own");
                await AssertRefusedAsync(http, HttpMethod.Put, put, otherToken, bytes, -6, 403, "does not match");
                Assert.DoesNotContain(E2E.Entries(dstDir), n => n.StartsWith(dstName, StringComparison.Ordinal));

                // Too large, announced or not: refused while streaming, and nothing of it stays.
                var big = new byte[Nodes.MaxUploadBytes * 2];
                var bigPut = $"master/files/{Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(big))}?task_id={taskId}";
                await AssertRefusedAsync(http, HttpMethod.Put, bigPut, token, big, -2, 413, "MaxUploadBytes");
                await AssertRefusedAsync(http, HttpMethod.Put, bigPut, token, big, -2, 413, "MaxUploadBytes", chunked: true);
                Assert.DoesNotContain(E2E.Entries(dstDir), n => n.StartsWith(dstName, StringComparison.Ordinal));

                // The attempt's own token sends its output.
                using (var sent = await SendAsync(http, HttpMethod.Put, put, token, bytes))
                {
                    var body = JsonDocument.Parse(await sent.Content.ReadAsStringAsync()).RootElement;
                    AssertError(body, sent.StatusCode, 0, 200, ["ok"]);
                    Assert.True(body.GetProperty("complete").GetBoolean());
                }
                Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(dstDir, dstName)));
            }
            finally
            {
                foreach (var id in jobs) await client.CancelJobAsync(id);
            }
        });
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string? fileToken,
        byte[]? body, bool chunked = false)
    {
        using var req = new HttpRequestMessage(method, path);
        req.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", NodeProcess.WorkerToken);
        if (fileToken is not null) req.Headers.Add("X-File-Token", fileToken);
        if (body is not null)
        {
            // Chunked: the master learns the size only by reading, so only its count while streaming can stop it.
            req.Content = chunked ? new StreamContent(new MemoryStream(body)) : new ByteArrayContent(body);
            req.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
            if (chunked) req.Headers.TransferEncodingChunked = true;
        }
        return await http.SendAsync(req);
    }

    private async Task AssertRefusedAsync(HttpClient http, HttpMethod method, string path, string? fileToken, byte[]? body,
        int errCode, int status, string words, bool chunked = false)
    {
        using var resp = await SendAsync(http, method, path, fileToken, body, chunked);
        var bytes = await resp.Content.ReadAsByteArrayAsync();
        var envelope = resp.Content.Headers.ContentType?.MediaType == "application/json";
        var text = envelope ? Encoding.UTF8.GetString(bytes) : $"({bytes.Length} bytes of {resp.Content.Headers.ContentType})";
        output.WriteLine($"{method} /{path} (X-File-Token {fileToken ?? "none"}) -> HTTP {(int)resp.StatusCode} {text}");
        Assert.True(envelope, $"expected err_code {errCode}, got HTTP {(int)resp.StatusCode} {text}");
        using var doc = JsonDocument.Parse(bytes);
        AssertError(doc.RootElement, resp.StatusCode, errCode, status, [words]);
    }

    private static async Task<(HttpStatusCode, JsonElement)> RegisterAsync(NodeProcess master, string ip, int port, int slots = 1)
    {
        using var http = new HttpClient { BaseAddress = master.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        using var req = new HttpRequestMessage(HttpMethod.Post, "master/register_worker")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { type = 0, ip, port, state = 0, slots }), Encoding.UTF8, "application/json"),
        };
        req.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", NodeProcess.WorkerToken);
        using var resp = await http.SendAsync(req);
        using var doc = JsonDocument.Parse(await resp.Content.ReadAsStringAsync());
        return (resp.StatusCode, doc.RootElement.Clone());
    }

    private static void AssertError(JsonElement body, HttpStatusCode status, int errCode, int httpStatus, string[] words)
    {
        Assert.True(errCode == ErrCode(body), $"expected err_code {errCode}, got HTTP {(int)status} {body}");
        Assert.Equal(errCode, body.GetProperty("error_code").GetInt32());
        Assert.Equal(httpStatus, (int)status);
        var message = body.GetProperty("err_msg").GetString()!;
        foreach (var word in words)
            Assert.True(message.Contains(word, StringComparison.OrdinalIgnoreCase), $"err_msg does not name '{word}': {message}");
        Assert.DoesNotContain("System.", message);
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
