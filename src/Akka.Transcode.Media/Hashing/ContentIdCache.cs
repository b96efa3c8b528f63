using System.Collections.Concurrent;

namespace Akka.Transcode.Media.Hashing;

/// <summary>
/// Content ids of local files, remembered by path, length and modification time: the chunks of one job all check
/// the same source, and hashing a large file for each would cost more than the check is worth. A file rewritten in
/// place changes its modification time, so it is hashed again.
/// </summary>
public sealed class ContentIdCache(int capacity = 1024)
{
    private readonly ConcurrentDictionary<FileStamp, string> _ids = new();

    public async Task<string> IdOfAsync(string path, CancellationToken ct)
    {
        // A file that is gone has no stamp: hashing it throws the FileNotFoundException callers expect.
        if (FileStamp.Of(path) is not { } key) return await FileHasher.Md5HexAsync(path, ct);
        if (_ids.TryGetValue(key, out var id)) return id;
        id = await FileHasher.Md5HexAsync(path, ct);
        if (_ids.Count >= capacity) _ids.Clear(); // rare; simpler than an LRU and only costs re-hashing
        _ids[key] = id;
        return id;
    }
}
