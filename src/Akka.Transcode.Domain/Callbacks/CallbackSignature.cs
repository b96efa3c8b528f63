using System.Security.Cryptography;
using System.Text;

namespace Akka.Transcode.Domain.Callbacks;

/// <summary>
/// The signature a callback carries, so its receiver can tell the node's calls from anyone else's: HMAC-SHA256 with
/// Transcode:Jobs:CallbackSecret over "&lt;timestamp&gt;.&lt;body&gt;", the exact bytes POSTed. The timestamp (Unix
/// seconds, in its own header) is signed too, so a receiver that refuses old timestamps cannot be fed a recorded
/// call again later.
/// </summary>
public static class CallbackSignature
{
    public const string SignatureHeader = "X-Transcode-Signature", TimestampHeader = "X-Transcode-Timestamp";

    /// <summary>The value of <see cref="SignatureHeader"/>: "sha256=" and the lower-case hex HMAC.</summary>
    public static string Compute(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes(timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }
}
