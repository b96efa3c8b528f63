using Akka.Transcode.Media.Paths;

namespace Akka.Transcode.Media.Tests.Support;

/// <summary>For tests whose files all live in scratch directories: the temp directory is the worker's only root.</summary>
public static class TempRoots
{
    public static PathGuard Guard { get; } = new(new MediaRoots([Path.GetTempPath()]));
}
