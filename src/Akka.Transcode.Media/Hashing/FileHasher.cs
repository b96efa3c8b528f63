using System.Buffers;
using System.Security.Cryptography;

namespace Akka.Transcode.Media.Hashing;

/// <summary>Checksums of outputs, streamed so a multi-gigabyte file never sits in memory.</summary>
public static class FileHasher
{
    private const int BufferSize = 1024 * 1024;

    /// <summary>The file's MD5 as 32 lowercase hex digits.</summary>
    public static async Task<string> Md5HexAsync(string path, CancellationToken ct)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, BufferSize), ct).ConfigureAwait(false)) > 0)
                md5.AppendData(buffer, 0, read);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return Convert.ToHexStringLower(md5.GetHashAndReset());
    }
}
