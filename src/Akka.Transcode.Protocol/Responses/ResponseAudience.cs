namespace Akka.Transcode.Protocol.Responses;

/// <summary>Who reads a response: worker-facing ones also carry the drafts' <c>error_code</c>.</summary>
public enum ResponseAudience
{
    Client,
    Worker,
}
