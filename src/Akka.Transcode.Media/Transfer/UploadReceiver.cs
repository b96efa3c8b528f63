using Akka.Transcode.Media.Files;
using Akka.Transcode.Media.Hashing;

namespace Akka.Transcode.Media.Transfer;

/// <summary>One PUT /master/files call: a task's output, or the rest of it, for <paramref name="Target"/>.</summary>
/// <param name="Target">Where the task's output belongs (checked against the media roots by the caller).</param>
/// <param name="FileId">The output's MD5 in lowercase hex, as the worker announced it.</param>
/// <param name="Start">The offset of the body's first byte in the file (0 for a whole file).</param>
/// <param name="Total">The whole file's size, when announced (Content-Range, or Content-Length of a whole file).</param>
public sealed record UploadRequest(string Target, string FileId, long Start, long? Total);

/// <summary>What became of an upload; the HTTP edge turns each into its answer (docs/worker-protocol.md).</summary>
public abstract record UploadOutcome
{
    /// <summary>Larger than the limit, announced or counted while streaming: nothing of it was kept.</summary>
    public sealed record TooLarge(long MaxBytes) : UploadOutcome;

    /// <summary>The body does not continue what the master holds (<paramref name="Held"/> bytes).</summary>
    public sealed record WrongStart(long Start, long Held) : UploadOutcome;

    /// <summary>The file system of the output has less room than the announced rest of the upload.</summary>
    public sealed record NoRoom(long FreeBytes, long Needed) : UploadOutcome;

    /// <summary>Kept, but the file is not complete yet: the worker sends the rest from <paramref name="Held"/>.</summary>
    public sealed record Incomplete(long Held) : UploadOutcome;

    /// <summary>Complete, but its content is not the announced id: discarded.</summary>
    public sealed record Mismatch(string Expected, string Actual) : UploadOutcome;

    /// <summary>Complete and in place, but the task was cancelled meanwhile: removed again.</summary>
    public sealed record Withdrawn : UploadOutcome;

    /// <summary>Complete, checked and put where the task's output belongs.</summary>
    public sealed record Complete(long Size) : UploadOutcome;
}

/// <summary>
/// The master's side of an output upload from a worker without shared storage: bytes are appended to a partial file
/// that a resumed upload finds again, bounded while they stream, checked against the content id once complete, and
/// moved where the output belongs. The counterpart of the worker's download in <see cref="StagingTaskExecutor"/>.
/// </summary>
/// <param name="maxBytes">Transcode:Worker:MaxUploadBytes.</param>
/// <param name="freeBytes">Free bytes where a directory lies, null when unknown; the file system's by default.</param>
public sealed class UploadReceiver(long maxBytes, Func<string, long?>? freeBytes = null)
{
    private const int BufferSize = 1 << 20;
    private readonly Func<string, long?> _freeBytes = freeBytes ?? FreeBytes;

    public long MaxBytes => maxBytes;

    /// <param name="openBody">Called once the announced size is accepted, right before anything is written: the
    /// caller lifts its own request-size limit there, as this bound replaces it.</param>
    /// <param name="stillWanted">Asked after the output was put in place: false when its task was cancelled while the
    /// upload ran, whose job's cleanup is over, so the output would otherwise stay for good.</param>
    public async Task<UploadOutcome> ReceiveAsync(UploadRequest r, Func<Stream> openBody,
        Func<CancellationToken, Task<bool>> stillWanted, CancellationToken ct)
    {
        if (r.Total > maxBytes) return new UploadOutcome.TooLarge(maxBytes);
        var body = openBody();

        Directory.CreateDirectory(Path.GetDirectoryName(r.Target)!);
        var partial = FileCleanup.UploadPartialName(r.Target, r.FileId);
        var held = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        if (r.Start != held && r.Start != 0) return new UploadOutcome.WrongStart(r.Start, held);
        if (r.Total is { } announced && _freeBytes(Path.GetDirectoryName(r.Target)!) is { } free && free < announced - r.Start)
            return new UploadOutcome.NoRoom(free, announced - r.Start);
        if (!await AppendBoundedAsync(body, partial, r.Start, ct))
        {
            // Refused while streaming: nothing of it stays.
            FileCleanup.TryDelete(partial);
            return new UploadOutcome.TooLarge(maxBytes);
        }
        held = new FileInfo(partial).Length;
        if (r.Total is { } total && held < total) return new UploadOutcome.Incomplete(held);

        var actual = await FileHasher.Md5HexAsync(partial, ct);
        if (actual != r.FileId)
        {
            FileCleanup.TryDelete(partial);
            return new UploadOutcome.Mismatch(r.FileId, actual);
        }
        File.Move(partial, r.Target, overwrite: true);
        if (!await stillWanted(ct))
        {
            FileCleanup.TryDelete(r.Target);
            return new UploadOutcome.Withdrawn();
        }
        return new UploadOutcome.Complete(held);
    }

    /// <summary>Appends the body to <paramref name="partial"/> and stops, false, as soon as the file would pass the
    /// limit: a worker that never ends its body cannot fill the disk.</summary>
    private async Task<bool> AppendBoundedAsync(Stream body, string partial, long start, CancellationToken ct)
    {
        await using var file = new FileStream(partial, start == 0 ? FileMode.Create : FileMode.Append, FileAccess.Write,
            FileShare.None, BufferSize);
        var buffer = new byte[BufferSize];
        var size = file.Length;
        int n;
        while ((n = await body.ReadAsync(buffer, ct)) > 0)
        {
            if (size + n > maxBytes) return false;
            await file.WriteAsync(buffer.AsMemory(0, n), ct);
            size += n;
        }
        return true;
    }

    private static long? FreeBytes(string dir)
    {
        try { return new DriveInfo(dir).AvailableFreeSpace; }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException) { return null; }
    }
}
