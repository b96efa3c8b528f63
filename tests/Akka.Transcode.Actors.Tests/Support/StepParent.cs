using Akka.Actor;

namespace Akka.Transcode.Actors.Tests.Support;

/// <summary>
/// Stands in for a shard: creates one child (the entity) and hands everything the child sends its parent
/// (Passivate) to a probe. The child's failures are handled by the default strategy, so they show in the log.
/// </summary>
public sealed class StepParent : ReceiveActor
{
    public sealed record ChildRef(IActorRef Ref);

    public StepParent(Props child, IActorRef probe)
    {
        var entity = Context.ActorOf(child, "entity");
        Receive<ChildRef>(_ => Sender.Tell(new ChildRef(entity)), m => m.Ref.IsNobody());
        ReceiveAny(m => probe.Forward(m));
    }
}

public static class StepParents
{
    /// <summary>Starts the child under a new step parent and returns the child.</summary>
    public static IActorRef Spawn(ActorSystem system, Props child, IActorRef probe)
    {
        var parent = system.ActorOf(Props.Create(() => new StepParent(child, probe)));
        return parent.Ask<StepParent.ChildRef>(new StepParent.ChildRef(ActorRefs.Nobody), TimeSpan.FromSeconds(3))
            .GetAwaiter().GetResult().Ref;
    }
}
