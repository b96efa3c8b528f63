using Akka.Transcode.Domain;
using Akka.Transcode.Protocol;
using Akka.Transcode.Protocol.Auth;
using Akka.Transcode.Protocol.Responses;
using Akka.Transcode.Node.Configuration;
using Microsoft.Extensions.Primitives;

namespace Akka.Transcode.Node.Api;

/// <summary>
/// What every call shares: the token check, reading a bounded body, and writing the protocol's envelope with the
/// HTTP status that fits its err_code. Handlers return an <see cref="IResult"/> and never throw to the client.
/// </summary>
public sealed class ApiCall(TokenSet tokens, TranscodeOptions options)
{
    public static IResult Json(byte[] body, ErrorCode code) =>
        new EnvelopeResult(body, ErrorHttpStatus.For(code));

    public static IResult Ok<T>(T payload, ResponseAudience audience = ResponseAudience.Client) where T : class =>
        Json(ResponseWriter.Ok(audience, payload), ErrorCode.Ok);

    public static IResult Ok(ResponseAudience audience = ResponseAudience.Client) =>
        Json(ResponseWriter.Ok(audience), ErrorCode.Ok);

    public static IResult Fail(Failure f, ResponseAudience audience = ResponseAudience.Client) =>
        Json(ResponseWriter.Error(audience, f), f.Code);

    public static IResult Fail(ErrorCode code, string message, ResponseAudience audience = ResponseAudience.Client) =>
        Fail(new Failure(code, message), audience);

    /// <summary>
    /// The caller's token must belong to <paramref name="scope"/>; the admin scope may also make client calls
    /// (operators watch and cancel jobs). A missing or unknown token is -5, a token of another scope -6.
    /// </summary>
    public Failure? Authorize(HttpContext http, TokenScope scope)
    {
        var token = TokenOf(http.Request);
        if (string.IsNullOrEmpty(token)) return new Failure(ErrorCode.Unauthorized, "token missing: pass ?token= or Authorization: Bearer");
        var actual = tokens.Identify(token);
        if (actual is null) return new Failure(ErrorCode.Unauthorized, "token unknown");
        if (actual == scope || (actual == TokenScope.Admin && scope == TokenScope.Client)) return null;
        var name = actual.ToString()!.ToLowerInvariant();
        return new Failure(ErrorCode.Forbidden, $"{(name.StartsWith('a') ? "an" : "a")} {name} token cannot call this ({scope.ToString().ToLowerInvariant()} scope needed)");
    }

    /// <summary>The scope of the caller's token, or null for a missing or unknown one.</summary>
    public TokenScope? ScopeOf(HttpContext http) => tokens.Identify(TokenOf(http.Request));

    /// <summary>The caller's token as presented (null when none); for counting per token, never for logging.</summary>
    public static string? PresentedToken(HttpContext http) => TokenOf(http.Request);

    private static string? TokenOf(HttpRequest r)
    {
        if (r.Query.TryGetValue("token", out StringValues q) && !StringValues.IsNullOrEmpty(q)) return q.ToString();
        var auth = r.Headers.Authorization.ToString();
        return auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? auth["Bearer ".Length..].Trim() : null;
    }

    /// <summary>
    /// Reads the body up to the configured limit. A larger body is refused with 413 (err_code -2) as soon as the
    /// limit is passed, without reading the rest.
    /// </summary>
    public async Task<(byte[]? Body, IResult? Error)> ReadBodyAsync(HttpRequest r, CancellationToken ct)
    {
        var max = options.Http.MaxBodyBytes;
        if (r.ContentLength > max) return (null, TooLarge(max));
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = await r.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + n > max) return (null, TooLarge(max));
            buffer.Write(chunk, 0, n);
        }
        return (buffer.ToArray(), null);
    }

    private static IResult TooLarge(long max) => new EnvelopeResult(
        ResponseWriter.Error(ResponseAudience.Client, ErrorCode.InvalidRequest, $"request body is larger than {max} bytes"),
        StatusCodes.Status413PayloadTooLarge);

}
