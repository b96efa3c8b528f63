using System.Net.Http.Headers;
using System.Text.Json;
using Akka.Transcode.Actors.Workers;
using Akka.Transcode.Domain;

namespace Akka.Transcode.Node.Workers;

/// <summary>What both sides of the worker protocol share: a POST with the worker token and the envelope read back.</summary>
internal static class WorkerHttp
{
    public static HttpClient NewClient() => new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(3),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan, // each call brings its own deadline
    };

    public static void Authorize(HttpRequestMessage request, string? token)
    {
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>POSTs <paramref name="body"/> and returns the envelope, or an unreached reply when no answer came.</summary>
    public static async Task<(WorkerReply Reply, JsonElement Body)> PostAsync(HttpClient http, string url, string? token,
        byte[] body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        Authorize(request, token);
        try
        {
            using var response = await http.SendAsync(request, ct);
            var bytes = await response.Content.ReadAsByteArrayAsync(ct);
            return Envelope(bytes, (int)response.StatusCode);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            return (WorkerReply.Unreached(ex is OperationCanceledException ? "timed out" : ex.Message), default);
        }
    }

    public static (WorkerReply Reply, JsonElement Body) Envelope(byte[] bytes, int status)
    {
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            var root = doc.RootElement.Clone();
            var code = root.TryGetProperty("err_code", out var c) && c.TryGetInt32(out var n) ? n
                : root.TryGetProperty("error_code", out var e) && e.TryGetInt32(out var m) ? m : (int)ErrorCode.Internal;
            var msg = root.TryGetProperty("err_msg", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : $"HTTP {status}";
            return (new WorkerReply(true, Enum.IsDefined(typeof(ErrorCode), code) ? (ErrorCode)code : ErrorCode.Internal, msg), root);
        }
        catch (JsonException)
        {
            return (new WorkerReply(true, ErrorCode.Internal, $"HTTP {status} without a protocol envelope"), default);
        }
    }
}
