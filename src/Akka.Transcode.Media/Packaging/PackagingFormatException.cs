namespace Akka.Transcode.Media.Packaging;

/// <summary>A task output that is not what its plan said (a malformed fMP4 or still stream); caught at the packager's
/// edge and turned into a failure that names the problem.</summary>
internal sealed class PackagingFormatException(string message) : Exception(message);
