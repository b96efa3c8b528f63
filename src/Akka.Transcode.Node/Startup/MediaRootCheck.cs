namespace Akka.Transcode.Node.Startup;

/// <summary>
/// A media root that did not exist at start was created empty. That is right for a single node's first start, and
/// wrong wherever the roots are meant to hold the same files on every node (a share not mounted, a typo): jobs then
/// fail with -9 for sources nobody can see, or outputs land on one machine's own disk. So every start says so.
/// </summary>
public static class MediaRootCheck
{
    public static void WarnCreated(ILogger logger, IReadOnlyList<string> createdRoots)
    {
        foreach (var root in createdRoots)
            logger.LogWarning("media root {MediaRoot} did not exist and was created empty: sources must be put there, and " +
                              "on several nodes it must be the same shared directory on each (Transcode:Media:Roots)",
                Path.GetFullPath(root));
    }
}
