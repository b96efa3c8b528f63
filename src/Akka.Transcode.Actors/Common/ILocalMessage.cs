using Akka.Actor;

namespace Akka.Transcode.Actors.Common;

/// <summary>
/// A message between an entity and the children it spawned (or piped back to itself): both always live in the same
/// actor system, so it never crosses the network, has no manifest, and is exempt from serialize-messages checks.
/// Anything that may cross nodes is an <see cref="ITranscodeMessage"/> instead.
/// </summary>
public interface ILocalMessage : INoSerializationVerificationNeeded;
