using System.Text;
using System.Text.Json;
using Akka.Transcode.Domain;
using Akka.Transcode.Protocol.Reading;
using Akka.Transcode.Protocol.Requests;

namespace Akka.Transcode.Protocol;

/// <summary>
/// Strict parsing of request bodies (PROTOCOL.md): invalid JSON is -3; a body that is not an object, a missing
/// required field, a wrong JSON type or a <c>type</c> other than 0 is -2; a bad value is -4. Unknown fields are
/// ignored. Messages name the field, e.g. <c>job.dst_format: unsupported container 'avi' (...)</c>.
/// The read-only calls also have a query-string form for GET.
/// </summary>
public static class RequestParser
{
    public static Result<AddJobRequest> ParseAddJob(ReadOnlySpan<byte> utf8) => Body(utf8, AddJobReader.Read);
    public static Result<AddJobRequest> ParseAddJob(string json) => Body(json, AddJobReader.Read);
    public static Result<AddJobRequest> ParseAddJob(JsonElement root) => AddJobReader.Read(JsonFieldReader.ForBody(root));
    /// <summary>add_job on a node with configured presets, which <c>outputs</c> may name besides the built-in ones.</summary>
    public static Result<AddJobRequest> ParseAddJob(ReadOnlySpan<byte> utf8, OutputPresets presets) =>
        Body(utf8, b => AddJobReader.Read(b, presets));
    public static Result<AddJobRequest> ParseAddJob(string json, OutputPresets presets) =>
        Body(json, b => AddJobReader.Read(b, presets));

    public static Result<GetJobRequest> ParseGetJob(ReadOnlySpan<byte> utf8) => Body(utf8, GetJobRequest.Read);
    public static Result<GetJobRequest> ParseGetJob(string json) => Body(json, GetJobRequest.Read);
    public static Result<GetJobRequest> ParseGetJob(JsonElement root) => GetJobRequest.Read(JsonFieldReader.ForBody(root));
    public static Result<GetJobRequest> ParseGetJobQuery(string? query) => Query(query, GetJobRequest.Read);
    public static Result<GetJobRequest> ParseGetJobQuery(IEnumerable<KeyValuePair<string, string?>> query) => Query(query, GetJobRequest.Read);

    public static Result<GetJobsRequest> ParseGetJobs(ReadOnlySpan<byte> utf8) => Body(utf8, GetJobsRequest.Read);
    public static Result<GetJobsRequest> ParseGetJobs(string json) => Body(json, GetJobsRequest.Read);
    public static Result<GetJobsRequest> ParseGetJobs(JsonElement root) => GetJobsRequest.Read(JsonFieldReader.ForBody(root));
    public static Result<GetJobsRequest> ParseGetJobsQuery(string? query) => Query(query, GetJobsRequest.Read);
    public static Result<GetJobsRequest> ParseGetJobsQuery(IEnumerable<KeyValuePair<string, string?>> query) => Query(query, GetJobsRequest.Read);

    public static Result<CancelJobRequest> ParseCancelJob(ReadOnlySpan<byte> utf8) => Body(utf8, CancelJobRequest.Read);
    public static Result<CancelJobRequest> ParseCancelJob(string json) => Body(json, CancelJobRequest.Read);
    public static Result<CancelJobRequest> ParseCancelJob(JsonElement root) => CancelJobRequest.Read(JsonFieldReader.ForBody(root));

    public static Result<RegisterWorkerRequest> ParseRegisterWorker(ReadOnlySpan<byte> utf8) => Body(utf8, RegisterWorkerRequest.Read);
    public static Result<RegisterWorkerRequest> ParseRegisterWorker(string json) => Body(json, RegisterWorkerRequest.Read);
    public static Result<RegisterWorkerRequest> ParseRegisterWorker(JsonElement root) => RegisterWorkerRequest.Read(JsonFieldReader.ForBody(root));

    public static Result<WorkerHeartbeatRequest> ParseWorkerHeartbeat(ReadOnlySpan<byte> utf8) => Body(utf8, WorkerHeartbeatRequest.Read);
    public static Result<WorkerHeartbeatRequest> ParseWorkerHeartbeat(string json) => Body(json, WorkerHeartbeatRequest.Read);
    public static Result<WorkerHeartbeatRequest> ParseWorkerHeartbeat(JsonElement root) => WorkerHeartbeatRequest.Read(JsonFieldReader.ForBody(root));

    public static Result<GetTaskInfoRequest> ParseGetTaskInfo(ReadOnlySpan<byte> utf8) => Body(utf8, GetTaskInfoRequest.Read);
    public static Result<GetTaskInfoRequest> ParseGetTaskInfo(string json) => Body(json, GetTaskInfoRequest.Read);
    public static Result<GetTaskInfoRequest> ParseGetTaskInfo(JsonElement root) => GetTaskInfoRequest.Read(JsonFieldReader.ForBody(root));
    public static Result<GetTaskInfoRequest> ParseGetTaskInfoQuery(string? query) => Query(query, GetTaskInfoRequest.Read);
    public static Result<GetTaskInfoRequest> ParseGetTaskInfoQuery(IEnumerable<KeyValuePair<string, string?>> query) => Query(query, GetTaskInfoRequest.Read);

    public static Result<CancelTaskRequest> ParseCancelTask(ReadOnlySpan<byte> utf8) => Body(utf8, CancelTaskRequest.Read);
    public static Result<CancelTaskRequest> ParseCancelTask(string json) => Body(json, CancelTaskRequest.Read);
    public static Result<CancelTaskRequest> ParseCancelTask(JsonElement root) => CancelTaskRequest.Read(JsonFieldReader.ForBody(root));

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static Result<T> Body<T>(ReadOnlySpan<byte> utf8, Func<JsonFieldReader, Result<T>> read)
    {
        // Some clients (PowerShell, Windows editors) prefix a BOM; it is not JSON but not worth refusing.
        if (utf8.StartsWith(Utf8Bom)) utf8 = utf8[Utf8Bom.Length..];
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(utf8.ToArray());
        }
        catch (JsonException e)
        {
            return Result<T>.Fail(ErrorCode.InvalidJson, $"invalid JSON: {e.Message}");
        }
        using (doc)
            return read(JsonFieldReader.ForBody(doc.RootElement));
    }

    private static Result<T> Body<T>(string json, Func<JsonFieldReader, Result<T>> read) =>
        Body(Encoding.UTF8.GetBytes(json), read);

    private static Result<T> Query<T>(string? query, Func<FieldReader, Result<T>> read) =>
        read(new QueryFieldReader(QueryFieldReader.Split(query)));

    private static Result<T> Query<T>(IEnumerable<KeyValuePair<string, string?>> query, Func<FieldReader, Result<T>> read) =>
        read(new QueryFieldReader(query));
}
