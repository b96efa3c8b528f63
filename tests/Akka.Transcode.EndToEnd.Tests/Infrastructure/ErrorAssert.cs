using System.Net;
using System.Text.Json;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure;

/// <summary>Asserts a protocol error: the err_code, the HTTP status that goes with it, and a message.</summary>
public static class ErrorAssert
{
    /// <summary>The HTTP status each err_code comes with. -9 (source not usable) may be 400 or 404.</summary>
    public static HttpStatusCode[] StatusesFor(int errCode) => errCode switch
    {
        -2 or -3 or -4 => [HttpStatusCode.BadRequest],
        -5 => [HttpStatusCode.Unauthorized],
        -6 => [HttpStatusCode.Forbidden],
        -7 => [HttpStatusCode.NotFound],
        -8 => [HttpStatusCode.Conflict],
        -9 => [HttpStatusCode.BadRequest, HttpStatusCode.NotFound],
        -10 => [HttpStatusCode.ServiceUnavailable],
        _ => [HttpStatusCode.InternalServerError],
    };

    public static void Is(int errCode, HttpStatusCode status, JsonElement body, string what)
    {
        Assert.True(body.TryGetProperty("err_code", out var code) && code.ValueKind == JsonValueKind.Number,
            $"{what}: no numeric err_code in {body}");
        Assert.True(code.GetInt32() == errCode, $"{what}: expected err_code {errCode}, got HTTP {(int)status} {body}");
        Assert.True(StatusesFor(errCode).Contains(status),
            $"{what}: err_code {errCode} came with HTTP {(int)status}, expected {string.Join(" or ", StatusesFor(errCode).Select(s => (int)s))}");
        Assert.Equal(1, body.GetProperty("type").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("err_msg").GetString()), $"{what}: empty err_msg in {body}");
        Assert.NotEqual("ok", body.GetProperty("err_msg").GetString());
    }
}
