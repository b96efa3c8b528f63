using Akka.Transcode.Domain;
using Akka.Transcode.Protocol.Responses;

namespace Akka.Transcode.Node.Api;

/// <summary>
/// Any unexpected exception becomes err_code -1 with a correlation id that is also in the log, never a stack trace
/// in the body; unknown paths get the same envelope as everything else.
/// </summary>
public sealed class ErrorEnvelopeMiddleware(RequestDelegate next, ILogger<ErrorEnvelopeMiddleware> log)
{
    public async Task InvokeAsync(HttpContext http)
    {
        try
        {
            await next(http);
            if (http.Response.StatusCode == StatusCodes.Status404NotFound && !http.Response.HasStarted
                && http.GetEndpoint() is null)
                await Write(http, StatusCodes.Status404NotFound, ErrorCode.NotFound, $"no such call: {http.Request.Path}");
            else if (http.Response.StatusCode == StatusCodes.Status405MethodNotAllowed && !http.Response.HasStarted)
                await Write(http, StatusCodes.Status405MethodNotAllowed, ErrorCode.InvalidRequest, $"{http.Request.Method} is not allowed on {http.Request.Path}");
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge && !http.Response.HasStarted)
        {
            await Write(http, StatusCodes.Status413PayloadTooLarge, ErrorCode.InvalidRequest, "request body is too large");
        }
        catch (Exception ex) when (!http.Response.HasStarted && !http.RequestAborted.IsCancellationRequested)
        {
            var id = Guid.NewGuid().ToString("N")[..12];
            log.LogError(ex, "internal failure {CorrelationId} on {Path}", id, http.Request.Path.Value);
            await Write(http, StatusCodes.Status500InternalServerError, ErrorCode.Internal, $"internal failure (correlation id {id})");
        }
    }

    private static Task Write(HttpContext http, int status, ErrorCode code, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; charset=utf-8";
        return http.Response.Body.WriteAsync(ResponseWriter.Error(ResponseAudience.Client, code, message)).AsTask();
    }
}
