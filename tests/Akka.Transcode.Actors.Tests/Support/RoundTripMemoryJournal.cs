using System.Collections.Immutable;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Akka.Transcode.Actors.Serialization;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Tasks;

namespace Akka.Transcode.Actors.Tests.Support;

/// <summary>
/// The in-memory journal, but each event is serialized with the serializer bound to it and stored as what comes
/// back, so recovery replays exactly what a real journal would. A job or task event bound to any other serializer
/// fails the write (and so the persisting actor). Like the SQL journal (and unlike the stock in-memory one, which keeps the
/// wrapper for its tag queries), it stores a <see cref="Tagged"/> event without its wrapper: a persistent actor
/// never sees Tagged on replay.
/// </summary>
public sealed class RoundTripMemoryJournal : MemoryJournal
{
    private readonly Akka.Serialization.Serialization _serialization = Context.System.Serialization;

    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages,
        CancellationToken cancellationToken)
    {
        var copied = new List<AtomicWrite>();
        foreach (var write in messages)
        {
            var reprs = ((IEnumerable<IPersistentRepresentation>)write.Payload)
                .Select(p => p.WithPayload(RoundTrip(p.Payload)))
                .ToImmutableList();
            copied.Add(new AtomicWrite(reprs));
        }
        return base.WriteMessagesAsync(copied, cancellationToken);
    }

    private object RoundTrip(object payload)
    {
        if (payload is Tagged tagged) return RoundTrip(tagged.Payload);
        var serializer = _serialization.FindSerializerFor(payload);
        if (payload is IJobEvent or ITaskEvent && serializer is not TranscodeSerializer)
            throw new InvalidOperationException($"{payload.GetType()} is persisted with {serializer.GetType().Name}, not {nameof(TranscodeSerializer)}");
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, payload);
        return _serialization.Deserialize(serializer.ToBinary(payload), serializer.Identifier, manifest);
    }
}
