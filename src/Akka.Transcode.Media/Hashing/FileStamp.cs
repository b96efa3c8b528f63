namespace Akka.Transcode.Media.Hashing;

/// <summary>
/// A file as it is now, by length and modification time: what <see cref="ContentIdCache"/> trusts to say a file still
/// holds what was hashed. The master sends the stamp it hashed beside the content id, so a worker on the same
/// storage that sees the same stamp needs no second read of the whole source before its ffmpeg can start.
/// </summary>
public static class FileStamp
{
    /// <summary>"length:ticks" of the file's last write (UTC), or null when it cannot be read.</summary>
    public static string? Of(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists ? $"{info.Length}:{info.LastWriteTimeUtc.Ticks}" : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
