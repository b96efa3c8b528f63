using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure;

/// <summary>One answer as the tests of the OpenAPI document look at it.</summary>
public sealed record RawAnswer(HttpStatusCode Status, string? MediaType, string Text)
{
    public int Code => (int)Status;

    public JsonElement Json => MediaType == "application/json"
        ? JsonDocument.Parse(Text).RootElement.Clone()
        : throw new InvalidOperationException($"HTTP {Code} answered {MediaType}, not JSON: {Text}");

    public override string ToString() => $"HTTP {Code} {MediaType}: {(Text.Length > 600 ? Text[..600] + "..." : Text)}";
}

/// <summary>
/// An api node and an HTTP worker (sharing its media root), both in the Development environment so they list the
/// routes they serve at /debug/routes; the OpenAPI document they serve; and raw HTTP calls to either.
/// </summary>
public sealed class OpenApiNodes : IAsyncLifetime
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public NodeProcess Api { get; private set; } = null!;
    public NodeProcess Worker { get; private set; } = null!;
    public string DocumentText { get; private set; } = "";
    public OpenApiSpec Spec { get; private set; } = null!;

    /// <summary>Route keys (<see cref="OpenApiSpec.RouteKey"/>) each node serves, as it reports them.</summary>
    public IReadOnlyDictionary<string, IReadOnlySet<string>> Routes { get; private set; } = null!;

    public IEnumerable<(string Name, NodeProcess Node)> Nodes => [("api", Api), ("HTTP worker", Worker)];

    public async Task InitializeAsync()
    {
        var media = await MediaFactory.GetAsync();
        Api = await NodeProcess.StartAsync(["--environment=Development", NodeProcess.AllowLoopbackWorkers],
            root => E2E.StockMediaRoot(media, root));
        Worker = await NodeProcess.StartAsync(
        [
            "--environment=Development", "--Transcode:Roles=worker", $"--Transcode:Worker:MasterUrl={Api.BaseUrl}",
            $"--Transcode:Media:Roots:0={Api.MediaRoot}", "--Transcode:Worker:ThreadsPerTask=1",
        ]);
        var doc = await SendAsync(Api, HttpMethod.Get, "openapi/v1.json");
        Assert.True(doc.Status == HttpStatusCode.OK, $"/openapi/v1.json without a token: {doc}");
        DocumentText = doc.Text;
        Spec = new OpenApiSpec(DocumentText);
        var routes = new Dictionary<string, IReadOnlySet<string>>();
        foreach (var (name, node) in Nodes)
        {
            var list = await SendAsync(node, HttpMethod.Get, "debug/routes");
            Assert.True(list.Status == HttpStatusCode.OK, $"/debug/routes of the {name} node (Development only): {list}");
            routes[name] = list.Json.GetProperty("routes").EnumerateArray()
                .Select(r => r.GetString()!.Split(' ', 2)).Select(r => OpenApiSpec.RouteKey(r[0], r[1])).ToHashSet();
        }
        Routes = routes;
    }

    /// <summary>The node that serves <paramref name="op"/> (the api node where both do, e.g. /healthz).</summary>
    public NodeProcess? ServerOf(DocOperation op) =>
        Nodes.Where(n => Serves(Routes[n.Name], op.Key)).Select(n => n.Node).FirstOrDefault();

    /// <summary>Whether a route list holds <paramref name="key"/>, or its path mapped for any method ("* /path").</summary>
    public static bool Serves(IReadOnlySet<string> routes, string key) =>
        routes.Contains(key) || routes.Contains("* " + key.Split(' ', 2)[1]);

    /// <summary>A call with the token in the Authorization header (none when <paramref name="token"/> is null).</summary>
    public async Task<RawAnswer> SendAsync(NodeProcess node, HttpMethod method, string pathAndQuery, string? token = null,
        HttpContent? content = null, bool headersOnly = false)
    {
        using var req = new HttpRequestMessage(method, new Uri(node.BaseUrl, pathAndQuery.TrimStart('/'))) { Content = content };
        if (token is not null) req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        // headersOnly: a streaming answer (server-sent events) must not be read to its end.
        using var resp = await _http.SendAsync(req, headersOnly ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead);
        var text = headersOnly && resp.IsSuccessStatusCode ? "" : await resp.Content.ReadAsStringAsync();
        return new RawAnswer(resp.StatusCode, resp.Content.Headers.ContentType?.MediaType, text);
    }

    public Task<RawAnswer> PostJsonAsync(NodeProcess node, string path, JsonElement body, string token) =>
        SendAsync(node, HttpMethod.Post, path, token, new StringContent(body.GetRawText(), Encoding.UTF8, "application/json"));

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (Worker is not null) await Worker.DisposeAsync();
        if (Api is not null) await Api.DisposeAsync();
    }
}
