using Akka.Cluster.Sharding;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Actors.Tasks;

namespace Akka.Transcode.Actors.Hosting;

/// <summary>
/// 100 shards: enough to spread over many master nodes, few enough that the coordinator's state stays small.
/// </summary>
public sealed class JobMessageExtractor() : HashCodeMessageExtractor(100)
{
    public override string? EntityId(object message) => message switch
    {
        IJobMessage m => m.JobId,
        _ => null,
    };
}

public sealed class TaskMessageExtractor() : HashCodeMessageExtractor(100)
{
    public override string? EntityId(object message) => message switch
    {
        ITaskMessage m => m.TaskId,
        _ => null,
    };
}
