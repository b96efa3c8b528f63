namespace Akka.Transcode.Actors;

/// <summary>
/// Marks every message that may cross nodes, so one serializer with stable manifests handles them all
/// (see Serialization/Manifests.cs). Persisted events are bound through their Domain interfaces.
/// </summary>
public interface ITranscodeMessage;
