using Akka.Transcode.Domain;

namespace Akka.Transcode.Protocol;

/// <summary>The HTTP status each err_code is sent with; the body always carries the same envelope.</summary>
public static class ErrorHttpStatus
{
    public static int For(ErrorCode code) => code switch
    {
        ErrorCode.Ok => 200,
        ErrorCode.InvalidRequest or ErrorCode.InvalidJson or ErrorCode.InvalidValue => 400,
        ErrorCode.Unauthorized => 401,
        ErrorCode.Forbidden => 403,
        ErrorCode.NotFound => 404,
        ErrorCode.Conflict => 409,
        // PROTOCOL.md lists no 422; an unusable source is a problem with what the request names, so 400.
        ErrorCode.SourceUnusable => 400,
        ErrorCode.Unavailable => 503,
        _ => 500,
    };
}
