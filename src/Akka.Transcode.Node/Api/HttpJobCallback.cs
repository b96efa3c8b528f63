using System.Net.Http.Headers;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Protocol.Responses;

namespace Akka.Transcode.Node.Api;

/// <summary>
/// POSTs the final job object to a job's callback_url, with the same body get_job answers
/// (<c>{"type":1,"err_code":0,"err_msg":"ok","job":{...}}</c>), so a client parses both the same way.
/// </summary>
public sealed class HttpJobCallback : IJobCallback
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task<bool> SendAsync(string url, JobView job, CancellationToken ct)
    {
        using var content = new ByteArrayContent(ResponseWriter.Ok(ResponseAudience.Client, new GetJobResponse(JobMapping.ToDto(job))));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        using var response = await Http.PostAsync(url, content, ct);
        return response.IsSuccessStatusCode;
    }
}
