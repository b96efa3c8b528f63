namespace Akka.Transcode.Media.Hashing;

/// <summary>
/// A file as it is now, by its full path, length and modification time: what <see cref="ContentIdCache"/> and the
/// master's prober trust to say a file still holds what they read. A rewrite changes the modification time (and
/// usually the length). The master also sends a file's stamp (<see cref="Text"/>) beside its content id, so a worker on
/// the same storage that sees the same stamp needs no second read of the whole source before its ffmpeg can start.
/// </summary>
public readonly record struct FileStamp(string Path, long Length, long Ticks)
{
    /// <summary>The stamp as it travels in a task: "length:ticks" (the path is the key it travels under).</summary>
    public string Text => $"{Length}:{Ticks}";

    /// <summary>The file's stamp now, or null when it does not exist or cannot be read.</summary>
    public static FileStamp? Of(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists ? new FileStamp(info.FullName, info.Length, info.LastWriteTimeUtc.Ticks) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
