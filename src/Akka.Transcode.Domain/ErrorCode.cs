namespace Akka.Transcode.Domain;

/// <summary>The err_code values of PROTOCOL.md. Domain failures carry one so a failed job can say why in protocol terms.</summary>
public enum ErrorCode
{
    Ok = 0,
    Internal = -1,
    InvalidRequest = -2,
    InvalidJson = -3,
    InvalidValue = -4,
    Unauthorized = -5,
    Forbidden = -6,
    NotFound = -7,
    Conflict = -8,
    SourceUnusable = -9,
    Unavailable = -10,
}

/// <summary>A failure with its protocol code and a message that names the problem.</summary>
public sealed record Failure(ErrorCode Code, string Message);

/// <summary>Either a value or a <see cref="Failure"/>; the pure functions return this instead of throwing.</summary>
public readonly record struct Result<T>(T? Value, Failure? Error)
{
    public bool IsOk => Error is null;
    public static Result<T> Ok(T value) => new(value, null);
    public static Result<T> Fail(ErrorCode code, string message) => new(default, new Failure(code, message));
    public static implicit operator Result<T>(Failure f) => new(default, f);
}
