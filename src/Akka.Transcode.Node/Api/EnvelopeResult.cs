namespace Akka.Transcode.Node.Api;

/// <summary>An already-serialized protocol envelope with its HTTP status.</summary>
public sealed class EnvelopeResult(byte[] body, int status) : IResult
{
    public int Status => status;

    public Task ExecuteAsync(HttpContext http)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; charset=utf-8";
        http.Response.ContentLength = body.Length;
        return http.Response.Body.WriteAsync(body).AsTask();
    }
}
