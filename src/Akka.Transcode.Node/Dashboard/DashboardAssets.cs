using System.Security.Cryptography;
using Akka.Transcode.Domain;
using Akka.Transcode.Node.Api;

namespace Akka.Transcode.Node.Dashboard;

/// <summary>
/// The dashboard's static files (Dashboard/assets, and the player library as hls.min.js), embedded in the
/// node's assembly: nothing to copy or lose beside the binary. They hold no data; everything the page shows comes from the API with a token.
/// </summary>
public sealed class DashboardAssets
{
    private const string Prefix = "dashboard/";

    // The page loads only its own scripts and styles and talks only to this node; inline script and style are refused,
    // which (with text-only rendering in app.js) keeps job paths and messages from ever running as code. Output
    // files are fetched with the token and shown from blob: URLs (stills, the sprite), and the player feeds the
    // video element through a MediaSource, whose URL is a blob: URL too.
    private const string Policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; " +
                                  "media-src 'self' blob:; connect-src 'self'; form-action 'none'; base-uri 'none'; " +
                                  "frame-ancestors 'none'";

    private sealed record Asset(byte[] Body, string ContentType, string ETag);

    private readonly IReadOnlyDictionary<string, Asset> _assets;

    private DashboardAssets(IReadOnlyDictionary<string, Asset> assets) => _assets = assets;

    public static DashboardAssets Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var body = copy.ToArray();
            var etag = $"\"{Convert.ToHexString(SHA256.HashData(body))[..16].ToLowerInvariant()}\"";
            assets[name[Prefix.Length..]] = new Asset(body, ContentTypeOf(name), etag);
        }
        if (!assets.ContainsKey("index.html")) throw new InvalidOperationException("the dashboard's index.html is not embedded");
        return new DashboardAssets(assets);
    }

    /// <summary>Serves <paramref name="name"/>, revalidated on every load (ETag) so a new node version shows at once.</summary>
    public IResult Serve(HttpContext http, string name)
    {
        if (!_assets.TryGetValue(name, out var asset)) return ApiCall.Fail(ErrorCode.NotFound, $"no such file: {http.Request.Path}");
        var headers = http.Response.Headers;
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        if (asset.ContentType.StartsWith("text/html", StringComparison.Ordinal))
        {
            headers.ContentSecurityPolicy = Policy;
            headers.XFrameOptions = "DENY";
        }
        if (http.Request.Headers.IfNoneMatch.ToString() == asset.ETag) return Results.StatusCode(StatusCodes.Status304NotModified);
        return Results.Bytes(asset.Body, asset.ContentType);
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
