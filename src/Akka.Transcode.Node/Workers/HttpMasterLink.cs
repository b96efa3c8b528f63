using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Akka.Transcode.Actors.Workers;
using Akka.Transcode.Media.Transfer;
using Akka.Transcode.Protocol.Workers;

namespace Akka.Transcode.Node.Workers;

/// <summary>
/// A worker's calls on its master (docs/worker-protocol.md): register, heartbeat, and the file service for workers
/// without shared storage. <paramref name="ip"/> and <paramref name="port"/> are where the master calls back.
/// </summary>
public sealed class HttpMasterLink(string masterUrl, string? token, string ip, int port) : IMasterLink, IMasterFiles
{
    private const int CopyBuffer = 1024 * 1024;
    private readonly HttpClient _http = WorkerHttp.NewClient();
    private readonly string _base = masterUrl.TrimEnd('/');

    public async Task<(WorkerReply Reply, string? WorkerId)> RegisterAsync(int state, int slots, CancellationToken ct)
    {
        var body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { type = 0, ip, port, state, slots }));
        var (reply, json) = await WorkerHttp.PostAsync(_http, _base + "/master/register_worker", token, body, ct);
        var id = reply.Ok && json.TryGetProperty("worker_id", out var w) ? w.GetString() : null;
        return (reply, id);
    }

    public async Task<WorkerReply> HeartbeatAsync(string workerId, int state, CancellationToken ct)
    {
        var body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { type = 0, worker_id = workerId, worker_state = state }));
        return (await WorkerHttp.PostAsync(_http, _base + "/master/worker_heartbeat", token, body, ct)).Reply;
    }

    public async Task DownloadAsync(string fileId, string partialPath, string? fileToken, CancellationToken ct)
    {
        // A few tries, each continuing where the last one stopped.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await DownloadOnceAsync(fileId, partialPath, fileToken, ct);
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException && attempt < 4 && !ct.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt), ct);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                throw new FileTransferException(ex.Message, inner: ex);
            }
        }
    }

    private async Task DownloadOnceAsync(string fileId, string partialPath, string? fileToken, CancellationToken ct)
    {
        var have = File.Exists(partialPath) ? new FileInfo(partialPath).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{_base}/master/files/{Uri.EscapeDataString(fileId)}");
        WorkerHttp.Authorize(request, token);
        FileToken(request, fileToken);
        if (have > 0) request.Headers.Range = new RangeHeaderValue(have, null);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable) return; // already whole
        if (!response.IsSuccessStatusCode)
        {
            var (reply, _) = WorkerHttp.Envelope(await response.Content.ReadAsByteArrayAsync(ct), (int)response.StatusCode);
            throw new FileTransferException($"GET /master/files/{fileId}: {reply.Message}", notFound: response.StatusCode == HttpStatusCode.NotFound);
        }
        // A master that ignores the range sends the whole file: start over rather than append it.
        var append = have > 0 && response.StatusCode == HttpStatusCode.PartialContent;
        await using var file = new FileStream(partialPath, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, CopyBuffer);
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        await stream.CopyToAsync(file, CopyBuffer, ct);
    }

    public async Task UploadAsync(string taskId, string fileId, string localPath, string? fileToken, CancellationToken ct)
    {
        var length = new FileInfo(localPath).Length;
        long offset = 0;
        for (var attempt = 1; ; attempt++)
        {
            var (ok, received, error, retry) = await UploadFromAsync(taskId, fileId, localPath, offset, length, fileToken, ct);
            if (ok) return;
            if (!retry || attempt >= 4) throw new FileTransferException(error);
            // The master says how much it already holds: the next try sends only the rest.
            offset = received is { } r && r <= length ? r : 0;
            await Task.Delay(TimeSpan.FromSeconds(attempt), ct);
        }
    }

    private async Task<(bool Ok, long? Received, string Error, bool Retry)> UploadFromAsync(string taskId, string fileId,
        string localPath, long offset, long length, string? fileToken, CancellationToken ct)
    {
        await using var file = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, CopyBuffer);
        file.Seek(offset, SeekOrigin.Begin);
        using var request = new HttpRequestMessage(HttpMethod.Put,
            $"{_base}/master/files/{Uri.EscapeDataString(fileId)}?task_id={Uri.EscapeDataString(taskId)}")
        {
            Content = new StreamContent(file, CopyBuffer),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Content.Headers.ContentLength = length - offset;
        if (length > 0) request.Content.Headers.ContentRange = new ContentRangeHeaderValue(offset, length - 1, length);
        WorkerHttp.Authorize(request, token);
        FileToken(request, fileToken);
        try
        {
            using var response = await _http.SendAsync(request, ct);
            var (reply, body) = WorkerHttp.Envelope(await response.Content.ReadAsByteArrayAsync(ct), (int)response.StatusCode);
            long? received = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("received", out var r) && r.TryGetInt64(out var n) ? n : null;
            if (reply.Ok) return (true, received, "", false);
            // -8: the master holds a different amount than this try assumed; -10/-1: try again. Others are final.
            var retry = reply.Code is Domain.ErrorCode.Conflict or Domain.ErrorCode.Unavailable or Domain.ErrorCode.Internal;
            return (false, received, $"PUT /master/files/{fileId}: {reply.Message}", retry);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return (false, null, ex.Message, true);
        }
    }

    private static void FileToken(HttpRequestMessage request, string? fileToken)
    {
        if (fileToken is not null) request.Headers.Add(WorkerTaskWire.FileTokenHeader, fileToken);
    }
}
