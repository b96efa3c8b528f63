using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;

namespace Akka.Transcode.Actors.Feed;

/// <summary>Turns changes into the frames dashboards receive; the node supplies it (the JSON is the API's).</summary>
public interface IFeedFormatter
{
    FeedFrame Job(JobChanged change);
    FeedFrame Task(TaskChanged change);
    FeedFrame Workers(WorkersChanged change);
    FeedFrame Members(Akka.Cluster.Cluster cluster);
}

/// <summary>Local: a dashboard connected; answered with <see cref="FeedClientConnected"/> once it gets every later change.</summary>
public sealed record ConnectFeedClient(Guid Id, FeedClient Client);

public sealed record FeedClientConnected(Guid Id);

/// <summary>Local: a dashboard went away.</summary>
public sealed record DisconnectFeedClient(Guid Id);

/// <summary>
/// The live feed of one api node: subscribes to the change topics of the cluster's pub-sub and to cluster membership,
/// and fans each change out to the connected dashboards that may see it (tasks only to those watching that job,
/// workers and members only to admin tokens). A frame is made once, only when some client wants it, and offered to
/// each client's own bounded buffer, so the actor never waits on a connection.
/// </summary>
public sealed class DashboardFeed : ReceiveActor, IWithTimers
{
    /// <summary>Membership changes come in bursts (a node joining is several events): one frame per burst.</summary>
    public static readonly TimeSpan MembersDelay = TimeSpan.FromMilliseconds(200);

    private readonly IActorRef _mediator;
    private readonly Dictionary<Guid, FeedClient> _clients = new();

    public ITimerScheduler Timers { get; set; } = null!;

    public DashboardFeed(IActorRef mediator, IFeedFormatter formatter)
    {
        _mediator = mediator;
        var cluster = Akka.Cluster.Cluster.Get(Context.System);

        Receive<JobChanged>(m => Fan(() => formatter.Job(m), _ => true));
        Receive<TaskChanged>(m => Fan(() => formatter.Task(m), c => c.JobId == m.JobId));
        Receive<WorkersChanged>(m => Fan(() => formatter.Workers(m), c => c.Admin));
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
        Receive<ClusterEvent.IClusterDomainEvent>(_ =>
        {
            if (!Timers.IsTimerActive("members")) Timers.StartSingleTimer("members", MembersDue.Instance, MembersDelay);
        });
        Receive<MembersDue>(_ => Fan(() => formatter.Members(cluster), c => c.Admin));
        Receive<ConnectFeedClient>(m =>
        {
            _clients[m.Id] = m.Client;
            Sender.Tell(new FeedClientConnected(m.Id));
        });
        Receive<DisconnectFeedClient>(m =>
        {
            if (_clients.Remove(m.Id, out var client)) client.Close();
        });
        Receive<SubscribeAck>(_ => { });
    }

    public static Props Props(IActorRef mediator, IFeedFormatter formatter) =>
        Akka.Actor.Props.Create(() => new DashboardFeed(mediator, formatter));

    protected override void PreStart()
    {
        foreach (var topic in new[] { ChangeFeed.JobsTopic, ChangeFeed.TasksTopic, ChangeFeed.WorkersTopic })
            _mediator.Tell(new Subscribe(topic, Self));
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.LeaderChanged));
    }

    protected override void PostStop()
    {
        Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
        foreach (var client in _clients.Values) client.Close();
        _clients.Clear();
    }

    private void Fan(Func<FeedFrame> make, Func<FeedClient, bool> wants)
    {
        FeedFrame? frame = null;
        foreach (var client in _clients.Values)
        {
            if (!wants(client)) continue;
            frame ??= make();
            client.Offer(frame);
        }
    }

    private sealed record MembersDue
    {
        public static readonly MembersDue Instance = new();
    }
}
