using System.Collections.Immutable;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Sql.Journal;

namespace Akka.Transcode.Actors.Storage;

/// <summary>
/// Akka.Persistence.Sql's journal with one read done in plain SQL: the highest sequence number, which every persistent
/// actor asks for when it starts. Accepting a job starts two entities (the job and its first task), and through the
/// plugin each of those reads built a linq2db connection, a transaction and a query from its expression tree: about
/// 12 % of a master's CPU under add_job load (docs/performance.md). Here it is one indexed MAX over the same table
/// (<see cref="JournalTable.HighestSequenceNrAsync"/>). Writes, replays and deletes stay the plugin's.
/// Like the plugin, a read for an actor whose write is still in flight waits for that write to end first.
/// </summary>
public sealed class SequenceNumberJournal : SqlWriteJournal
{
    private sealed record WriteEnded(string PersistenceId, Task Write);

    private readonly JournalTable _journal;
    private readonly Dictionary<string, Task> _writing = new();

    public SequenceNumberJournal(Config journalConfig) : base(journalConfig) =>
        _journal = new JournalTable(Database.FromPluginConfig(journalConfig));

    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages,
        CancellationToken cancellationToken)
    {
        // One persistent actor's batch: the plugin keys its own in-flight record by the first write's id, and so do we.
        var list = messages as IReadOnlyCollection<AtomicWrite> ?? messages.ToList();
        var write = base.WriteMessagesAsync(list, cancellationToken);
        var persistenceId = list.First().PersistenceId;
        _writing[persistenceId] = write;
        var self = Self;
        write.ContinueWith(_ => self.Tell(new WriteEnded(persistenceId, write)), TaskContinuationOptions.ExecuteSynchronously);
        return write;
    }

    protected override bool ReceivePluginInternal(object message)
    {
        if (message is not WriteEnded ended) return base.ReceivePluginInternal(message);
        if (_writing.TryGetValue(ended.PersistenceId, out var latest) && latest == ended.Write) _writing.Remove(ended.PersistenceId);
        return true;
    }

    public override async Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr,
        CancellationToken cancellationToken)
    {
        // Read on the journal's own thread before the first await, as the plugin does: its outcome does not matter,
        // only that the rows it wrote (or failed to) are settled before the maximum is read.
        if (_writing.TryGetValue(persistenceId, out var write))
            await write.ContinueWith(static _ => { }, TaskContinuationOptions.ExecuteSynchronously);
        return await _journal.HighestSequenceNrAsync(persistenceId, fromSequenceNr, cancellationToken);
    }
}
