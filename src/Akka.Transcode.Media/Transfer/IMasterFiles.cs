namespace Akka.Transcode.Media.Transfer;

/// <summary>
/// The master's file service as a worker without shared storage uses it (GET and PUT /master/files/{file_id}).
/// Both calls move bytes only; the caller checks content ids.
/// </summary>
public interface IMasterFiles
{
    /// <summary>
    /// Downloads the file with this content id into <paramref name="partialPath"/>, continuing after whatever the
    /// file already holds (an HTTP range request), so an interrupted download resumes instead of starting over.
    /// Throws <see cref="FileTransferException"/> when the master refuses or cannot be reached.
    /// <paramref name="fileToken"/> is the attempt's secret from add_task: the master serves the file only with it.
    /// </summary>
    Task DownloadAsync(string fileId, string partialPath, string? fileToken, CancellationToken ct);

    /// <summary>Sends a task's finished output; the master checks it against <paramref name="fileId"/> and puts it in
    /// place, and takes it only with the attempt's <paramref name="fileToken"/>.</summary>
    Task UploadAsync(string taskId, string fileId, string localPath, string? fileToken, CancellationToken ct);
}

/// <param name="NotFound">The master does not serve this id (any more): retrying will not help.</param>
public sealed class FileTransferException(string message, bool notFound = false, Exception? inner = null)
    : Exception(message, inner)
{
    public bool NotFound { get; } = notFound;
}
