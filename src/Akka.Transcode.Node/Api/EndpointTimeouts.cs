using Akka.Transcode.Actors;

namespace Akka.Transcode.Node.Api;

/// <summary>
/// How long an endpoint waits for the actor behind it before it answers -10 (retry later). Every endpoint reads its
/// wait here, so calls of one kind wait alike.
/// </summary>
public static class EndpointTimeouts
{
    /// <summary>Calls through a shard region or the intake (add_job, get_job, cancel_job): the entity may first have
    /// to start on some master and recover its journal.</summary>
    public static readonly TimeSpan Cluster = TimeSpan.FromSeconds(10);

    /// <summary>Calls one running actor answers from memory: the worker registry, sharding's statistics, this
    /// node's worker.</summary>
    public static readonly TimeSpan Actor = FixedTimeouts.WorkerCall;

    /// <summary>/worker/cancel_task waits for the attempt's ffmpeg to stop.</summary>
    public static readonly TimeSpan WorkerCancel = FixedTimeouts.WorkerCancel;
}
