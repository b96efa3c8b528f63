using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Akka.Transcode.Cli;

/// <summary>An answer of the API: its err_code, err_msg and the whole body.</summary>
public sealed record ApiAnswer(int ErrCode, string ErrMsg, JsonElement Body)
{
    public bool Ok => ErrCode == 0;
}

/// <summary>Calls one api node with one token (Authorization: Bearer), always reading the protocol's envelope.</summary>
public sealed class ApiClient(Uri baseUrl, string token) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };

    public Task<ApiAnswer> GetAsync(string path, IReadOnlyDictionary<string, string>? query = null, CancellationToken ct = default)
    {
        var q = query is null || query.Count == 0 ? "" : "?" + string.Join('&', query.Select(kv => $"{Uri.EscapeDataString(kv.Key)}={Uri.EscapeDataString(kv.Value)}"));
        return SendAsync(new HttpRequestMessage(HttpMethod.Get, path.TrimStart('/') + q), ct);
    }

    public Task<ApiAnswer> PostAsync(string path, object body, CancellationToken ct = default) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path.TrimStart('/'))
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        }, ct);

    private async Task<ApiAnswer> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using (request)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await _http.SendAsync(request, ct);
            var bytes = await response.Content.ReadAsByteArrayAsync(ct);
            try
            {
                using var doc = JsonDocument.Parse(bytes);
                var root = doc.RootElement.Clone();
                var code = root.TryGetProperty("err_code", out var c) && c.TryGetInt32(out var n) ? n : -1;
                var msg = root.TryGetProperty("err_msg", out var m) ? m.GetString() ?? "" : "";
                return new ApiAnswer(code, msg, root);
            }
            catch (JsonException)
            {
                return new ApiAnswer(-1, $"HTTP {(int)response.StatusCode} without a protocol answer", default);
            }
        }
    }

    public void Dispose() => _http.Dispose();
}
