namespace Akka.Transcode.Actors.Intake;

/// <summary>The intake stored new jobs: the starter looks at the queue now rather than at its next tick.</summary>
public sealed record JobsQueued : ITranscodeMessage
{
    public static readonly JobsQueued Instance = new();
}

/// <summary>A job entity ended (or found its job ended when it started): its place in the start window is free.</summary>
public sealed record JobEnded(string JobId) : ITranscodeMessage;

/// <summary>A job entity works on its job (it was submitted to it directly, or woke for another reason): the job takes
/// a place in the starter's window even though the starter did not start it.</summary>
public sealed record JobRunning(string JobId) : ITranscodeMessage;
