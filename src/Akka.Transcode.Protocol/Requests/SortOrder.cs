namespace Akka.Transcode.Protocol.Requests;

public enum SortOrder
{
    Asc,
    Desc,
}
