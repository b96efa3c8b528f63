namespace Akka.Transcode.Media.Probing;

/// <summary>ffprobe could not read the source (it refused its format, failed, or ran out of time); the message says
/// why in words a client can act on.</summary>
public sealed class SourceProbeException(string message) : Exception(message);
