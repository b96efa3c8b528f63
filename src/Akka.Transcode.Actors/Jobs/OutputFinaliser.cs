using Akka.Actor;
using Akka.Transcode.Domain;
using Akka.Transcode.Media.Files;
using Failure = Akka.Transcode.Domain.Failure;

namespace Akka.Transcode.Actors.Jobs;

/// <summary>
/// One job's last step, spawned by its entity once finishing is stored: puts the finished output in place through the
/// <see cref="IOutputPublisher"/> port (off the actor), answers its parent with one <see cref="OutputPublished"/> and
/// stops. While it lives, the rename is under way.
/// </summary>
public sealed class OutputFinaliser : ReceiveActor
{
    public OutputFinaliser(IOutputPublisher publisher, OutputPublication publication)
    {
        Receive<OutputPublished>(m =>
        {
            Context.Parent.Tell(m);
            Context.Stop(Self);
        });
        publisher.PublishAsync(publication, CancellationToken.None).PipeTo(Self,
            success: r => new OutputPublished(publication.OutputPath, r.Error),
            failure: ex => new OutputPublished(publication.OutputPath,
                new Failure(ErrorCode.Internal, "renaming the output failed: " + ex.Message)));
    }

    public static Props Props(IOutputPublisher publisher, OutputPublication publication) =>
        Akka.Actor.Props.Create(() => new OutputFinaliser(publisher, publication));
}
