using System.Text.Json;
using Akka.Transcode.Domain;

namespace Akka.Transcode.Protocol.Responses;

/// <summary>
/// Writes the response envelope: <c>{"type":1,"err_code":0,"err_msg":"ok", ...payload}</c>; worker-facing
/// responses put <c>"error_code"</c> with the same value before the others. The payload's members follow the
/// envelope at the top level, as the drafts show (<c>job_id</c>, <c>job</c>, <c>jobs</c> ...).
/// </summary>
public static class ResponseWriter
{
    public const string OkMessage = "ok";

    public static byte[] Ok(ResponseAudience audience) => Write<object>(audience, ErrorCode.Ok, OkMessage, null);

    public static byte[] Ok<T>(ResponseAudience audience, T payload) where T : class =>
        Write(audience, ErrorCode.Ok, OkMessage, payload);

    public static byte[] Error(ResponseAudience audience, Failure failure) =>
        Write<object>(audience, failure.Code, failure.Message, null);

    /// <summary>A failure that still tells the caller something, e.g. how much of an upload the master holds.</summary>
    public static byte[] Error<T>(ResponseAudience audience, Failure failure, T payload) where T : class =>
        Write(audience, failure.Code, failure.Message, payload);

    public static byte[] Error(ResponseAudience audience, ErrorCode code, string message) =>
        Write<object>(audience, code, message, null);

    private static byte[] Write<T>(ResponseAudience audience, ErrorCode code, string message, T? payload) where T : class
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("type", 1);
            if (audience == ResponseAudience.Worker)
                w.WriteNumber("error_code", (int)code);
            w.WriteNumber("err_code", (int)code);
            w.WriteString("err_msg", message);
            if (payload is not null)
                WriteMembers(w, payload);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteMembers<T>(Utf8JsonWriter w, T payload)
    {
        var element = JsonSerializer.SerializeToElement(payload, payload!.GetType(), ProtocolJson.Options);
        if (element.ValueKind != JsonValueKind.Object)
            throw new ArgumentException($"a response payload must serialize to an object, not {element.ValueKind}", nameof(payload));
        foreach (var member in element.EnumerateObject())
            member.WriteTo(w);
    }
}
