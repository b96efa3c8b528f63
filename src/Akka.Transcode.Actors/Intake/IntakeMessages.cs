namespace Akka.Transcode.Actors.Intake;

/// <summary>The intake stored new jobs: the starter looks at the queue now rather than at its next tick.</summary>
public sealed record JobsQueued : ITranscodeMessage
{
    public static readonly JobsQueued Instance = new();
}

/// <summary>A job entity ended (or found its job ended when it started): its place in the start window is free.</summary>
public sealed record JobEnded(string JobId) : ITranscodeMessage;
