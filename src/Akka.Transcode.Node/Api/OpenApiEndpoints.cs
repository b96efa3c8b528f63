using System.Reflection;

namespace Akka.Transcode.Node.Api;

/// <summary>
/// The OpenAPI document of every call (docs/openapi.json, embedded at build time), served without a token: it holds
/// nothing that is not in the repository. In the Development environment also the routes this node really serves,
/// so a test can tell a call that was added without being documented.
/// </summary>
public static class OpenApiEndpoints
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string RouteListPath = "/debug/routes";
    private const string ResourceName = "Akka.Transcode.Node.openapi.json";

    private static readonly Lazy<byte[]> Document = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the node was built without its {ResourceName} resource");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static void MapOpenApiEndpoints(this WebApplication app)
    {
        app.MapGet(DocumentPath, () => Results.Bytes(Document.Value, "application/json; charset=utf-8"));
        if (app.Environment.IsDevelopment())
            app.MapGet(RouteListPath, (EndpointDataSource endpoints) => Results.Json(new { routes = RoutesOf(endpoints) }));
    }

    /// <summary>"METHOD /pattern" for every route endpoint but the list itself; "* /pattern" for one that takes any method.</summary>
    private static IReadOnlyList<string> RoutesOf(EndpointDataSource endpoints) =>
        endpoints.Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Pattern: "/" + e.RoutePattern.RawText?.TrimStart('/'),
                Methods: e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []))
            .Where(r => r.Pattern != RouteListPath)
            .SelectMany(r => r.Methods.Count == 0 ? ["* " + r.Pattern] : r.Methods.Select(m => $"{m} {r.Pattern}"))
            .Order(StringComparer.Ordinal)
            .ToList();
}
