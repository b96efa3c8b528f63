using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Microsoft.OpenApi;
using Xunit.Abstractions;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>
/// docs/openapi.json, as a real api node and a real HTTP worker serve it at /openapi/v1.json, against what those
/// nodes really serve (/debug/routes, Development only) and really answer. How to document a new call:
/// docs/openapi.md.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class OpenApiTests(OpenApiNodes nodes, ITestOutputHelper output) : IClassFixture<OpenApiNodes>
{
    /// <summary>The calls that take no token. Any other operation must declare the scopes that may call it.</summary>
    private static readonly HashSet<string> PublicCalls = ["GET /healthz", "GET /readyz", "GET /openapi/v1.json", "GET /", "GET /dashboard/{}", "GET /metrics"];

    private static readonly string[] Scopes = ["client", "worker", "admin"];

    private static string TokenOf(string scope) => scope switch
    {
        "client" => NodeProcess.ClientToken,
        "worker" => NodeProcess.WorkerToken,
        "admin" => NodeProcess.AdminToken,
        _ => throw new ArgumentException($"unknown scope {scope}"),
    };

    /// <summary>The HTTP statuses an err_code goes with (PROTOCOL.md; -2 is also 413 for a body over the limit).</summary>
    private static int[] StatusesOf(int errCode) => errCode switch
    {
        0 => [200],
        -2 => [400, 413],
        -3 or -4 or -9 => [400],
        -5 => [401],
        -6 => [403],
        -7 => [404],
        -8 => [409],
        -10 => [503],
        _ => [500],
    };

    private OpenApiSpec Spec => nodes.Spec;

    private DocOperation Op(string key) =>
        Spec.Operations.FirstOrDefault(o => o.Key == OpenApiSpec.RouteKey(key.Split(' ')[0], key.Split(' ')[1]))
        ?? throw new InvalidOperationException($"docs/openapi.json has no operation {key}");

    [Fact]
    public async Task The_document_is_valid_OpenAPI_3_1_and_every_node_serves_it_without_a_token()
    {
        foreach (var (name, node) in nodes.Nodes)
        {
            var served = await nodes.SendAsync(node, HttpMethod.Get, "openapi/v1.json");
            Assert.True(served is { Status: HttpStatusCode.OK, MediaType: "application/json" }, $"{name} node: {served}");
            Assert.Equal(nodes.DocumentText, served.Text);
        }

        var (document, diagnostic) = OpenApiDocument.Parse(nodes.DocumentText, "json");
        Assert.NotNull(diagnostic);
        Assert.True(diagnostic.Errors.Count == 0,
            "not a valid OpenAPI document: " + string.Join("; ", diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}")));
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, diagnostic.SpecificationVersion);
        Assert.True(diagnostic.Warnings.Count == 0,
            "OpenAPI reader warnings: " + string.Join("; ", diagnostic.Warnings.Select(e => $"{e.Pointer}: {e.Message}")));
        var problems = document!.Validate(ValidationRuleSet.GetDefaultRuleSet()) ?? [];
        Assert.True(!problems.Any(), "OpenAPI rule violations: " + string.Join("; ", problems.Select(e => $"{e.Pointer}: {e.Message}")));

        var ids = Spec.Operations.Select(o => o.Node.TryGetProperty("operationId", out var id) ? id.GetString() : null).ToList();
        Assert.All(Spec.Operations, o => Assert.True(
            o.Node.TryGetProperty("operationId", out _) && o.Node.TryGetProperty("summary", out _) && o.Node.TryGetProperty("tags", out _)
            && Spec.Responses(o).Keys.Any(s => s is >= 200 and < 300), $"{o}: needs operationId, summary, tags and a 2xx response"));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        output.WriteLine($"{Spec.Operations.Count} operations, {nodes.DocumentText.Length} bytes");
    }

    [Fact]
    public void Every_route_the_nodes_serve_is_documented_and_every_documented_call_is_served()
    {
        var documented = Spec.Operations.Select(o => o.Key).ToHashSet();
        // A route mapped for any method (app.Map, a middleware pipeline) is documented by the methods it is meant for.
        var documentedPaths = documented.Select(k => k.Split(' ', 2)[1]).ToHashSet();
        var undocumented = nodes.Routes.SelectMany(n => n.Value
            .Where(r => r.StartsWith("* ") ? !documentedPaths.Contains(r[2..]) : !documented.Contains(r))
            .Select(r => r.StartsWith("* ") ? $"{r[2..]} (any method, the {n.Key} node)" : $"{r} (the {n.Key} node)")).Order().ToList();
        Assert.True(undocumented.Count == 0,
            $"served but not in docs/openapi.json: {string.Join(", ", undocumented)}. Add each under \"paths\", with its security " +
            "(or add it to PublicCalls in this test), request and response schemas and examples: see docs/openapi.md.");

        var phantom = Spec.Operations.Where(o => !nodes.Routes.Values.Any(r => OpenApiNodes.Serves(r, o.Key))).Select(o => o.ToString()).ToList();
        Assert.True(phantom.Count == 0, $"documented in docs/openapi.json but served by neither node: {string.Join(", ", phantom)}");
        // The lists are the real ones: both kinds of node are represented.
        Assert.Contains("POST /master/add_job", nodes.Routes["api"]);
        Assert.Contains("POST /worker/add_task", nodes.Routes["HTTP worker"]);
        output.WriteLine($"api node: {nodes.Routes["api"].Count} routes, HTTP worker: {nodes.Routes["HTTP worker"].Count} routes");
    }

    [Fact]
    public async Task Every_call_declares_the_token_scopes_the_nodes_enforce()
    {
        var schemes = Spec.Root.GetProperty("components").GetProperty("securitySchemes").EnumerateObject().Select(s => s.Name).ToHashSet();
        var calls = 0;
        foreach (var op in Spec.Operations)
        {
            var node = nodes.ServerOf(op) ?? throw new InvalidOperationException($"{op}: served by neither node");
            var scopes = Spec.Scopes(op);
            Assert.True(scopes is not null, $"{op}: declares no \"security\" (use [] for a public call)");
            var url = UrlOf(op);
            if (PublicCalls.Contains(op.Key))
            {
                Assert.True(scopes.Count == 0, $"{op}: a public call must declare \"security\": []");
                var open = await nodes.SendAsync(node, new HttpMethod(op.Method), url, headersOnly: true);
                Assert.True(open.Code is not (401 or 403), $"{op} without a token: {open}");
                AssertDocumented(op, open);
                continue;
            }
            Assert.True(scopes.Count > 0, $"{op}: \"security\" is empty, but {op.Key} is not one of the public calls ({string.Join(", ", PublicCalls)})");
            Assert.True(scopes.IsSubsetOf(Scopes), $"{op}: unknown scopes {string.Join(", ", scopes.Except(Scopes))}");
            foreach (var requirement in op.Node.GetProperty("security").EnumerateArray())
                Assert.All(requirement.EnumerateObject(), s => Assert.Contains(s.Name, schemes));
            Assert.True(Spec.Responses(op).ContainsKey(401) && Spec.Responses(op).ContainsKey(403), $"{op}: must document 401 and 403");

            var none = await nodes.SendAsync(node, new HttpMethod(op.Method), url, headersOnly: true);
            AssertError(op, none, -5, "without a token");
            foreach (var scope in Scopes)
            {
                var answer = await nodes.SendAsync(node, new HttpMethod(op.Method), url, TokenOf(scope), headersOnly: true);
                if (scopes.Contains(scope))
                {
                    // No body and no parameters: whatever the call answers to that must be documented too.
                    Assert.True(answer.Code is not (401 or 403), $"{op} with a {scope} token, a scope the document allows: {answer}");
                    AssertDocumented(op, answer);
                }
                else
                    AssertError(op, answer, -6, $"with a {scope} token, a scope the document does not allow");
            }
            calls++;
        }
        output.WriteLine($"{calls} secured operations checked with no token and each scope's token");
    }

    [Fact]
    public void Every_example_matches_its_schema_and_every_error_example_its_status()
    {
        var checkedExamples = 0;
        var problems = new List<string>();
        void Check(string where, JsonElement schema, JsonElement value)
        {
            checkedExamples++;
            if (Spec.Invalid(schema, value) is { } why) problems.Add($"{where}: {why}");
        }

        foreach (var op in Spec.Operations)
        {
            if (op.Node.TryGetProperty("requestBody", out var body) && Spec.Resolve(body).GetProperty("content").TryGetProperty("application/json", out _))
            {
                var examples = Spec.RequestExamples(op);
                if (examples.Count == 0) problems.Add($"{op}: the JSON request body has no example");
                // One paired with an error example is wrong on purpose (the pairs test sends it).
                var errors = Spec.Responses(op).Keys.Where(s => s >= 400).SelectMany(s => Spec.ResponseExamples(op, s).Keys).ToHashSet();
                foreach (var (name, value) in examples.Where(e => !errors.Contains(e.Key)))
                    Check($"{op} request example '{name}'", Spec.RequestSchema(op), value);
            }
            foreach (var p in Spec.Parameters(op))
            {
                if (p.TryGetProperty("example", out var e)) Check($"{op} parameter {p.GetProperty("name")}", p.GetProperty("schema"), e);
                foreach (var (name, value) in Spec.Examples(p)) Check($"{op} parameter {p.GetProperty("name")} '{name}'", p.GetProperty("schema"), value);
            }
            foreach (var status in Spec.Responses(op).Keys)
            {
                foreach (var (mediaType, media) in Spec.Content(op, status))
                {
                    var examples = Spec.Examples(media);
                    if (mediaType == "application/json" && examples.Count == 0 && (status >= 400 || op.Node.GetProperty("tags")[0].GetString() != "meta"))
                        problems.Add($"{op} {status}: no example");
                    foreach (var (name, value) in examples)
                    {
                        var where = $"{op} {status} example '{name}'";
                        Check(where, media.GetProperty("schema"), value);
                        if (mediaType != "application/json") continue;
                        var code = value.GetProperty("err_code").GetInt32();
                        if (!StatusesOf(code).Contains(status)) problems.Add($"{where}: err_code {code} is not sent with HTTP {status}");
                        if (value.TryGetProperty("error_code", out var legacy) && legacy.GetInt32() != code)
                            problems.Add($"{where}: error_code {legacy} differs from err_code {code}");
                    }
                }
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.True(checkedExamples > 100, $"only {checkedExamples} examples found");
        output.WriteLine($"{checkedExamples} examples valid against their schemas");
    }

    /// <summary>
    /// A request example and a response example of one operation with the same name form a pair: sending the request
    /// example to the node must give that response's status and err_code. Only failures are paired, so sending them
    /// changes nothing.
    /// </summary>
    [Fact]
    public async Task Every_error_example_paired_with_a_request_example_is_what_the_node_answers()
    {
        var pairs = 0;
        foreach (var op in Spec.Operations)
        {
            var requests = Spec.RequestExamples(op);
            foreach (var status in Spec.Responses(op).Keys.Where(s => s >= 400))
                foreach (var (name, expected) in Spec.ResponseExamples(op, status).Where(e => requests.ContainsKey(e.Key)))
                {
                    var node = nodes.ServerOf(op)!;
                    var token = TokenOf(Scopes.First(Spec.Scopes(op)!.Contains));
                    var answer = await nodes.PostJsonAsync(node, UrlOf(op), requests[name], token);
                    var code = expected.GetProperty("err_code").GetInt32();
                    Assert.True(answer.Code == status && answer.Json.GetProperty("err_code").GetInt32() == code,
                        $"{op} request example '{name}': the document says HTTP {status} err_code {code}, the node answered {answer}");
                    AssertDocumented(op, answer);
                    pairs++;
                }
        }
        Assert.True(pairs >= 20, $"only {pairs} request examples are paired with error examples");
        output.WriteLine($"{pairs} error examples reproduced");
    }

    /// <summary>The calls that change things, with their examples adapted to the test's nodes and media, and every read:
    /// each answer must be one the document declares, with a body valid against its schema.</summary>
    [Fact]
    public async Task The_request_examples_are_accepted_and_every_answer_matches_its_schema()
    {
        var api = nodes.Api;
        await E2E.WithNodeLog(api, output, async () =>
        {
            // Client: PROTOCOL.md's add_job example, its dst_dir moved into this node's media root.
            var add = Example("POST /master/add_job", "protocol", j => j["job"]!["dst_dir"] = Path.Combine(api.MediaRoot, "openapi-out"));
            var jobId = (await Ok("POST /master/add_job", add, NodeProcess.ClientToken)).GetProperty("job_id").GetString()!;
            await Ok("POST /master/get_job", Example("POST /master/get_job", "with_detail", j => j["job_id"] = jobId), NodeProcess.ClientToken);
            await Ok("GET /master/get_job", QueryOf("GET /master/get_job", ("job_id", jobId)), NodeProcess.ClientToken);
            await Ok("POST /master/get_jobs", Example("POST /master/get_jobs", "protocol"), NodeProcess.ClientToken);
            await Ok("GET /master/get_jobs", QueryOf("GET /master/get_jobs"), NodeProcess.ClientToken);
            var cancel = Example("POST /master/cancel_job", "cancel", j => j["job_id"] = jobId);
            await Ok("POST /master/cancel_job", cancel, NodeProcess.ClientToken);
            var again = await nodes.PostJsonAsync(api, "master/cancel_job", cancel, NodeProcess.ClientToken);
            AssertExampleCode(Op("POST /master/cancel_job"), 409, "already_ended", again);

            // Worker to master: register at a port nobody listens on (no task is queued any more), then heartbeat.
            var port = NodeProcess.FreePorts(1)[0];
            var register = Example("POST /master/register_worker", "protocol", j => { j["ip"] = "127.0.0.1"; j["port"] = port; });
            var workerId = (await Ok("POST /master/register_worker", register, NodeProcess.WorkerToken)).GetProperty("worker_id").GetString()!;
            await Ok("POST /master/worker_heartbeat", Example("POST /master/worker_heartbeat", "protocol", j => j["worker_id"] = workerId), NodeProcess.WorkerToken);
            var download = await nodes.SendAsync(api, HttpMethod.Get, UrlOf(Op("GET /master/files/{file_id}")), NodeProcess.WorkerToken);
            AssertExampleCode(Op("GET /master/files/{file_id}"), 404, "not_served", download);
            var upload = await nodes.SendAsync(api, HttpMethod.Put, UrlOf(Op("PUT /master/files/{file_id}")) + "?task_id=J-t0",
                NodeProcess.WorkerToken, new ByteArrayContent([1, 2, 3]) { Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") } });
            AssertExampleCode(Op("PUT /master/files/{file_id}"), 404, "not_running", upload);

            // Admin: every read, and down-unreachable (nothing is unreachable here).
            foreach (var op in Spec.Operations.Where(o => o.Method == "GET" && o.Path.StartsWith("/admin/")))
                await Ok(op.ToString(), QueryOf(op.ToString()), NodeProcess.AdminToken);
            var downed = await Ok("POST /admin/cluster/down-unreachable", null, NodeProcess.AdminToken);
            Assert.Equal(0, downed.GetProperty("downed").GetArrayLength());

            // Master to worker: docs/worker-protocol.md's add_task example on the real source, then read and cancel it.
            var source = Path.Combine(api.MediaRoot, E2E.Record);
            var md5 = Convert.ToHexStringLower(MD5.HashData(await File.ReadAllBytesAsync(source)));
            var task = Example("POST /worker/add_task", "worker_protocol", j =>
            {
                j["task"]!["src_filename"] = source;
                j["task"]!["src_file_id"] = md5;
                j["task"]!["dst_dir"] = Path.Combine(api.MediaRoot, "openapi-task");
            });
            await Ok("POST /worker/add_task", task, NodeProcess.WorkerToken);
            var info = Example("POST /worker/get_task_info", "by_task_id");
            await Ok("POST /worker/get_task_info", info, NodeProcess.WorkerToken);
            await Ok("GET /worker/get_task_info", QueryOf("GET /worker/get_task_info"), NodeProcess.WorkerToken);
            await Ok("POST /worker/cancel_task", Example("POST /worker/cancel_task", "by_task_id"), NodeProcess.WorkerToken);
            var ended = await Ok("POST /worker/get_task_info", info, NodeProcess.WorkerToken);
            Assert.Contains(ended.GetProperty("task").GetProperty("state").GetInt32(), new[] { 2, 3, 4 });

            foreach (var (_, node) in nodes.Nodes)
                foreach (var key in new[] { "GET /healthz", "GET /readyz" })
                {
                    var answer = await nodes.SendAsync(node, HttpMethod.Get, key[4..]);
                    Assert.Equal(HttpStatusCode.OK, answer.Status);
                    AssertDocumented(Op(key), answer);
                }
        });
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /// <summary>The operation's path with each path parameter replaced by its documented example.</summary>
    private string UrlOf(DocOperation op)
    {
        var path = op.Path;
        foreach (var p in Spec.Parameters(op).Where(p => p.GetProperty("in").GetString() == "path"))
        {
            Assert.True(p.TryGetProperty("example", out var e), $"{op}: path parameter {p.GetProperty("name")} needs an example");
            path = path.Replace("{" + p.GetProperty("name").GetString() + "}", Uri.EscapeDataString(e.ToString()));
        }
        return path.TrimStart('/');
    }

    /// <summary>The query of a GET operation from its parameters' examples, with <paramref name="set"/> replacing some.</summary>
    private string QueryOf(string key, params (string Name, string Value)[] set)
    {
        var op = Op(key);
        var values = Spec.Parameters(op).Where(p => p.GetProperty("in").GetString() == "query" && p.TryGetProperty("example", out _))
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => Plain(p.GetProperty("example")));
        foreach (var (name, value) in set) values[name] = value;
        return values.Count == 0 ? "" : "?" + string.Join('&', values.Select(kv => $"{kv.Key}={Uri.EscapeDataString(kv.Value)}"));
    }

    private static string Plain(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => e.GetRawText(),
    };

    /// <summary>A request example of the document, changed by <paramref name="adapt"/> to fit the test's nodes.</summary>
    private JsonElement Example(string key, string name, Action<JsonObject>? adapt = null)
    {
        var examples = Spec.RequestExamples(Op(key));
        Assert.True(examples.TryGetValue(name, out var value), $"{key}: docs/openapi.json has no request example '{name}'");
        var node = JsonNode.Parse(value.GetRawText())!.AsObject();
        adapt?.Invoke(node);
        return JsonSerializer.SerializeToElement(node);
    }

    /// <summary>Sends a call that must succeed: a JSON body for POST, <paramref name="body"/> as the query for GET
    /// (a string), nothing when null. Returns the answer after checking it against the document.</summary>
    private async Task<JsonElement> Ok(string key, object? body, string token)
    {
        var op = Op(key);
        var node = nodes.ServerOf(op) ?? throw new InvalidOperationException($"{op}: served by neither node");
        var answer = body switch
        {
            JsonElement json => await nodes.PostJsonAsync(node, UrlOf(op), json, token),
            string query => await nodes.SendAsync(node, new HttpMethod(op.Method), UrlOf(op) + query, token),
            _ => await nodes.SendAsync(node, new HttpMethod(op.Method), UrlOf(op), token),
        };
        Assert.True(answer.Status == HttpStatusCode.OK && answer.Json.GetProperty("err_code").GetInt32() == 0, $"{op}: {answer}");
        AssertDocumented(op, answer);
        return answer.Json;
    }

    /// <summary>The answer's status and media type are documented for the operation, and its body is valid against
    /// the schema documented for them.</summary>
    private void AssertDocumented(DocOperation op, RawAnswer answer)
    {
        var content = Spec.Content(op, answer.Code);
        Assert.True(Spec.Responses(op).ContainsKey(answer.Code), $"{op}: HTTP {answer.Code} is not documented ({answer})");
        var documented = content.TryGetValue(answer.MediaType ?? "", out var media);
        Assert.True(documented, $"{op}: {answer.MediaType} is not documented for HTTP {answer.Code} (documented: {string.Join(", ", content.Keys)})");
        // An empty text is a streaming answer whose headers only were read.
        if (answer.MediaType != "application/json" || answer.Text.Length == 0) return;
        var why = Spec.Invalid(media.GetProperty("schema"), answer.Json);
        Assert.True(why is null, $"{op}: the answer does not match its schema: {why}\n{answer}");
    }

    /// <summary>A failure with <paramref name="code"/>, documented for the operation.</summary>
    private void AssertError(DocOperation op, RawAnswer answer, int code, string what)
    {
        Assert.True(StatusesOf(code).Contains(answer.Code) && answer.MediaType == "application/json"
            && answer.Json.GetProperty("err_code").GetInt32() == code, $"{op} {what}: expected err_code {code}, got {answer}");
        AssertDocumented(op, answer);
    }

    /// <summary>The answer is the documented example's status and err_code.</summary>
    private void AssertExampleCode(DocOperation op, int status, string example, RawAnswer answer)
    {
        Assert.True(Spec.ResponseExamples(op, status).TryGetValue(example, out var expected), $"{op}: no {status} example '{example}'");
        Assert.True(answer.Code == status && answer.Json.GetProperty("err_code").GetInt32() == expected.GetProperty("err_code").GetInt32(),
            $"{op}: the document's {status} example '{example}' is {expected}, the node answered {answer}");
        AssertDocumented(op, answer);
    }
}
