using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure;

/// <summary>One operation of the OpenAPI document: <c>POST /master/add_job</c> and its JSON.</summary>
public sealed record DocOperation(string Method, string Path, JsonElement Node)
{
    /// <summary>"POST /master/files/{}": the form route lists are compared in (parameter names do not matter).</summary>
    public string Key => OpenApiSpec.RouteKey(Method, Path);

    public override string ToString() => $"{Method} {Path}";
}

/// <summary>
/// The served OpenAPI document, read as plain JSON: its operations, examples and schemas, with <c>$ref</c>s resolved,
/// and JSON Schema (2020-12, the dialect of OpenAPI 3.1) validation of any value against a schema of the document.
/// </summary>
public sealed partial class OpenApiSpec
{
    private static readonly Uri DocumentUri = new("https://akka-transcode.invalid/openapi.json");
    private static readonly string[] Methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    private readonly BuildOptions _build;
    private readonly Dictionary<string, JsonSchema> _schemas = new(StringComparer.Ordinal);

    public JsonElement Root { get; }
    public IReadOnlyList<DocOperation> Operations { get; }

    public OpenApiSpec(string json)
    {
        Root = JsonDocument.Parse(json).RootElement.Clone();
        Operations = Root.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Where(m => Methods.Contains(m.Name))
                .Select(m => new DocOperation(m.Name.ToUpperInvariant(), p.Name, m.Value)))
            .ToList();
        // Local refs (#/components/...) become absolute, so a schema taken out of the document still finds its
        // references in the document registered under that address.
        var absolute = JsonDocument.Parse(json.Replace("\"#/components/", $"\"{DocumentUri}#/components/")).RootElement.Clone();
        var registry = new SchemaRegistry();
        registry.Register(DocumentUri, new JsonElementBaseDocument(absolute, DocumentUri));
        _build = new BuildOptions { SchemaRegistry = registry };
    }

    public static string RouteKey(string method, string pattern) =>
        $"{method.ToUpperInvariant()} {ParameterName().Replace("/" + pattern.TrimStart('/'), "{}")}";

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex ParameterName();

    /// <summary>Follows <c>$ref</c> (to components) until a real object.</summary>
    public JsonElement Resolve(JsonElement e)
    {
        while (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("$ref", out var r) && r.GetString()!.StartsWith("#/"))
        {
            e = Root;
            foreach (var part in r.GetString()![2..].Split('/'))
                e = e.GetProperty(part.Replace("~1", "/").Replace("~0", "~"));
        }
        return e;
    }

    /// <summary>The status codes an operation documents, each with its resolved response object.</summary>
    public IReadOnlyDictionary<int, JsonElement> Responses(DocOperation op) =>
        op.Node.GetProperty("responses").EnumerateObject().ToDictionary(r => int.Parse(r.Name), r => Resolve(r.Value));

    /// <summary>Media types documented for <paramref name="status"/> of <paramref name="op"/>, with their objects.</summary>
    public IReadOnlyDictionary<string, JsonElement> Content(DocOperation op, int status) =>
        Responses(op).TryGetValue(status, out var r) && r.TryGetProperty("content", out var c)
            ? c.EnumerateObject().ToDictionary(m => m.Name, m => m.Value)
            : new Dictionary<string, JsonElement>();

    public IReadOnlyDictionary<string, JsonElement> RequestExamples(DocOperation op) =>
        op.Node.TryGetProperty("requestBody", out var b) && Resolve(b).GetProperty("content").TryGetProperty("application/json", out var m)
            ? Examples(m)
            : new Dictionary<string, JsonElement>();

    public JsonElement RequestSchema(DocOperation op) =>
        Resolve(op.Node.GetProperty("requestBody")).GetProperty("content").GetProperty("application/json").GetProperty("schema");

    public IReadOnlyDictionary<string, JsonElement> ResponseExamples(DocOperation op, int status) =>
        Content(op, status).TryGetValue("application/json", out var m) ? Examples(m) : new Dictionary<string, JsonElement>();

    /// <summary>The example values of a media type or parameter object, by name.</summary>
    public IReadOnlyDictionary<string, JsonElement> Examples(JsonElement mediaOrParameter) =>
        mediaOrParameter.TryGetProperty("examples", out var ex)
            ? ex.EnumerateObject().ToDictionary(e => e.Name, e => Resolve(e.Value).GetProperty("value"))
            : new Dictionary<string, JsonElement>();

    public IReadOnlyList<JsonElement> Parameters(DocOperation op) =>
        op.Node.TryGetProperty("parameters", out var ps) ? ps.EnumerateArray().Select(Resolve).ToList() : [];

    /// <summary>The token scopes (role names of the security requirements) that may call <paramref name="op"/>;
    /// null when the operation declares no <c>security</c> at all.</summary>
    public IReadOnlySet<string>? Scopes(DocOperation op) =>
        op.Node.TryGetProperty("security", out var s)
            ? s.EnumerateArray().SelectMany(req => req.EnumerateObject().SelectMany(scheme => scheme.Value.EnumerateArray()))
                .Select(r => r.GetString()!).ToHashSet()
            : null;

    /// <summary>Null when <paramref name="instance"/> is valid against <paramref name="schema"/> (a schema object of
    /// this document), otherwise what is wrong with it.</summary>
    public string? Invalid(JsonElement schema, JsonElement instance)
    {
        var text = schema.GetRawText().Replace("\"#/components/", $"\"{DocumentUri}#/components/");
        if (!_schemas.TryGetValue(text, out var built))
        {
            // Each built schema gets an address of its own, so none shadows the document in the registry.
            built = JsonSchema.Build(JsonDocument.Parse(text).RootElement, _build, new Uri(DocumentUri, $"check/{_schemas.Count}"));
            _schemas[text] = built;
        }
        var result = built.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid) return null;
        var details = (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Value}"));
        return string.Join("; ", details.DefaultIfEmpty("invalid"));
    }
}
