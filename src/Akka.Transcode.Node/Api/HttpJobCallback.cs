using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Domain.Callbacks;
using Akka.Transcode.Protocol.Responses;

namespace Akka.Transcode.Node.Api;

/// <summary>
/// POSTs the final job object to a job's callback_url, with the same body get_job answers
/// (<c>{"type":1,"err_code":0,"err_msg":"ok","job":{...}}</c>), so a client parses both the same way.
/// The URL is the client's: the connection goes only to an address <see cref="CallbackAddressPolicy"/> allows,
/// checked on the addresses the host name resolves to at the moment of connecting (so DNS rebinding finds the same
/// check); redirects are not followed and no proxy is used (either would connect somewhere the check never saw).
/// Every call is signed (<see cref="CallbackSignature"/>).
/// </summary>
public sealed class HttpJobCallback : IJobCallback
{
    private readonly CallbackPolicy _policy;
    private readonly ILogger _log;
    private readonly HttpClient _http;

    public HttpJobCallback(CallbackPolicy policy, ILogger log)
    {
        _policy = policy;
        _log = log;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            // A pooled connection was checked when it was made; it must not outlive a change of the allow-list's
            // meaning (a name moved elsewhere) for long.
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            ConnectCallback = ConnectAsync,
        };
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
    }

    public async Task<bool> SendAsync(string url, JobView job, CancellationToken ct)
    {
        var shown = CallbackAddressPolicy.Redact(url);
        if (_policy.Secret is null)
            throw new CallbackRefusedException("this node has no Transcode:Jobs:CallbackSecret: callbacks are not sent unsigned");
        var body = ResponseWriter.Ok(ResponseAudience.Client, new GetJobResponse(JobMapping.ToDto(job)));
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.Add(CallbackSignature.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(CallbackSignature.SignatureHeader, CallbackSignature.Compute(_policy.Secret, timestamp, body));
        try
        {
            using var response = await _http.SendAsync(request, ct);
            if ((int)response.StatusCode is >= 300 and < 400)
                _log.LogWarning("job {JobId}: callback to {CallbackUrl} answered {Status}: redirects are not followed",
                    job.Summary.Id, shown, (int)response.StatusCode);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException e) when (e.InnerException is CallbackRefusedException refused)
        {
            _log.LogWarning("job {JobId}: callback to {CallbackUrl} refused: {Reason}", job.Summary.Id, shown, refused.Message);
            throw refused;
        }
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host.Trim('[', ']');
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        var refusals = new List<string>();
        SocketException? failed = null;
        foreach (var address in addresses)
        {
            if (CallbackAddressPolicy.Refusal(address, _policy.Allowed) is { } why)
            {
                refusals.Add(why);
                continue;
            }
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                failed = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        if (failed is not null) throw failed;
        throw new CallbackRefusedException(addresses.Length == 0 ? $"{host} resolves to no address"
            : $"the node may not call {host}: {string.Join("; ", refusals)}");
    }
}

/// <summary>A callback the node did not make: the URL's addresses are not allowed, or the node cannot sign.</summary>
public sealed class CallbackRefusedException(string message) : Exception(message);
