using Akka.Actor;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Outputs;
using Akka.Transcode.Media.Files;
using Akka.Transcode.Media.Packaging;
using Failure = Akka.Transcode.Domain.Failure;

namespace Akka.Transcode.Actors.Jobs;

/// <summary>
/// One job's last step, spawned by its entity once finishing is stored: for an output-group job first packages the
/// task outputs through the <see cref="IOutputPackager"/> port, then puts the finished output in place through the
/// <see cref="IOutputPublisher"/> port (both off the actor), answers its parent with one <see cref="OutputPublished"/>
/// and stops. While it lives, the output is being put in place.
/// </summary>
public sealed class OutputFinaliser : ReceiveActor
{
    public OutputFinaliser(IOutputPublisher publisher, IOutputPackager? packager, OutputPublication publication,
        PackagePlan? package)
    {
        Receive<OutputPublished>(m =>
        {
            Context.Parent.Tell(m);
            Context.Stop(Self);
        });
        FinishAsync(publisher, packager, publication, package).PipeTo(Self);
    }

    public static Props Props(IOutputPublisher publisher, OutputPublication publication) =>
        Props(publisher, null, publication, null);

    public static Props Props(IOutputPublisher publisher, IOutputPackager? packager, OutputPublication publication,
        PackagePlan? package) =>
        Akka.Actor.Props.Create(() => new OutputFinaliser(publisher, packager, publication, package));

    // Static: it runs off the actor.
    private static async Task<OutputPublished> FinishAsync(IOutputPublisher publisher, IOutputPackager? packager,
        OutputPublication publication, PackagePlan? package)
    {
        if (package is not null)
        {
            if (packager is null)
                return new OutputPublished(publication.OutputPath,
                    new Failure(ErrorCode.Internal, "this node has no output packager: output groups cannot be finished here"));
            // A crashed attempt may have renamed the directory into place already: then the rename below finds it
            // there and finishes the same way.
            try
            {
                if (!await packager.AlreadyPublishedAsync(package, publication.OutputPath))
                {
                    var packed = await packager.PackageAsync(package, CancellationToken.None);
                    if (!packed.IsOk) return new OutputPublished(publication.OutputPath, packed.Error);
                }
            }
            catch (Exception ex)
            {
                return Failed("packaging the outputs failed: " + ex.Message);
            }
        }
        try
        {
            var published = await publisher.PublishAsync(publication, CancellationToken.None);
            return new OutputPublished(publication.OutputPath, published.Error);
        }
        catch (Exception ex)
        {
            return Failed("renaming the output failed: " + ex.Message);
        }

        OutputPublished Failed(string message) => new(publication.OutputPath, new Failure(ErrorCode.Internal, message));
    }
}
