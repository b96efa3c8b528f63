using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;

namespace Akka.Transcode.Actors.Feed;

/// <summary>
/// Where job and task entities and the worker registry announce changes for live views (the dashboard): topics of
/// the cluster's distributed pub-sub, read by a <see cref="DashboardFeed"/> on every api node. Publishing is a
/// Tell: it never waits, and with nobody listening the change is dropped.
/// </summary>
public sealed class ChangeFeed(IActorRef? mediator)
{
    public const string JobsTopic = "transcode.changes.jobs";
    public const string TasksTopic = "transcode.changes.tasks";
    public const string WorkersTopic = "transcode.changes.workers";

    /// <summary>For actors run without a cluster (tests, HTTP worker nodes): publishes nothing.</summary>
    public static readonly ChangeFeed None = new(null);

    public void Publish(JobChanged m) => mediator?.Tell(new Publish(JobsTopic, m));

    public void Publish(TaskChanged m) => mediator?.Tell(new Publish(TasksTopic, m));

    public void Publish(WorkersChanged m) => mediator?.Tell(new Publish(WorkersTopic, m));
}
