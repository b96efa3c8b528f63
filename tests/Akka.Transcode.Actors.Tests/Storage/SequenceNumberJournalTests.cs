using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Transcode.Actors.Storage;
using Akka.Transcode.Actors.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Akka.Transcode.Actors.Tests.Storage;

/// <summary>
/// The node's journal (the plugin's, with the highest sequence number read in plain SQL) on a real SQLite file: a
/// restarted actor goes on numbering after its last event, after a deletion too, and a new incarnation that starts
/// while its predecessor's write is still in flight waits for that write instead of reusing its number.
/// </summary>
public sealed class SequenceNumberJournalTests : Akka.TestKit.Xunit2.TestKit, IDisposable
{
    private readonly string _dir;

    public SequenceNumberJournalTests(ITestOutputHelper output)
        : this(output, Directory.CreateTempSubdirectory("akka-transcode-seqnr-").FullName)
    {
    }

    private SequenceNumberJournalTests(ITestOutputHelper output, string dir)
        : base(TestConfig.SqliteJournal(Path.Combine(dir, "journal.db")), output: output)
    {
        _dir = dir;
    }

    void IDisposable.Dispose()
    {
        base.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private sealed record Add(string Value);
    private sealed record Get;
    private sealed record State(long LastSequenceNr, IReadOnlyList<string> Values);
    private sealed record Forget(long ToSequenceNr);
    private sealed record AddThenStop(string Value);

    private sealed class Counter : ReceivePersistentActor
    {
        private readonly List<string> _values = [];
        private IActorRef _forgetting = ActorRefs.Nobody;
        public override string PersistenceId { get; }

        public Counter(string id)
        {
            PersistenceId = id;
            Recover<string>(v => _values.Add(v));
            Command<Add>(a => Persist(a.Value, v => { _values.Add(v); Sender.Tell(LastSequenceNr); }));
            Command<Get>(_ => Sender.Tell(new State(LastSequenceNr, _values.ToList())));
            Command<Forget>(f =>
            {
                _forgetting = Sender;
                DeleteMessages(f.ToSequenceNr);
            });
            Command<DeleteMessagesSuccess>(_ => _forgetting.Tell("deleted"));
            // Stops while its event is still being written: the journal goes on with the write regardless.
            Command<AddThenStop>(a =>
            {
                Persist(a.Value, _ => { });
                Context.Stop(Self);
            });
        }
    }

    private IActorRef Start(string id) => Sys.ActorOf(Props.Create(() => new Counter(id)));

    private State StateOf(IActorRef a) => a.Ask<State>(new Get(), TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();

    private void Stop(IActorRef a)
    {
        Watch(a);
        Sys.Stop(a);
        ExpectTerminated(a);
    }

    [Fact]
    public void A_new_stream_starts_at_zero_and_a_restarted_one_goes_on_after_its_last_event()
    {
        var first = Start("counter-a");
        Assert.Equal(0, StateOf(first).LastSequenceNr);
        foreach (var v in new[] { "x", "y", "z" }) first.Tell(new Add(v), TestActor);
        ExpectMsg(1L);
        ExpectMsg(2L);
        ExpectMsg(3L);
        Stop(first);

        var second = Start("counter-a");
        var state = StateOf(second);
        Assert.Equal(3, state.LastSequenceNr);
        Assert.Equal(["x", "y", "z"], state.Values);
        second.Tell(new Add("w"), TestActor);
        ExpectMsg(4L);
    }

    [Fact]
    public void Deleted_events_still_count_so_numbering_does_not_start_over()
    {
        var first = Start("counter-b");
        first.Tell(new Add("x"), TestActor);
        first.Tell(new Add("y"), TestActor);
        ExpectMsg(1L);
        ExpectMsg(2L);
        first.Tell(new Forget(2), TestActor);
        ExpectMsg("deleted");
        Stop(first);

        var second = Start("counter-b");
        var state = StateOf(second);
        Assert.Equal(2, state.LastSequenceNr);
        Assert.Empty(state.Values);
        second.Tell(new Add("z"), TestActor);
        ExpectMsg(3L);
    }

    [Fact]
    public void An_incarnation_started_during_its_predecessors_write_waits_for_it()
    {
        // The predecessor is stopped while its event is being written; its successor asks for the highest sequence
        // number at once. Read before the write lands, it would reuse the number and its own write would fail.
        const int rounds = 25;
        for (var i = 1; i <= rounds; i++)
        {
            var incarnation = Start("counter-c");
            Watch(incarnation);
            incarnation.Tell(new AddThenStop("v" + i));
            // The first incarnation also waits for the plugin to create its tables: on a loaded machine that took
            // longer than the default 3 s.
            ExpectTerminated(incarnation, TimeSpan.FromSeconds(15));
        }
        var last = Start("counter-c");
        var state = StateOf(last);
        Assert.Equal(rounds, state.LastSequenceNr);
        Assert.Equal(Enumerable.Range(1, rounds).Select(i => "v" + i), state.Values);
        last.Tell(new Add("after"), TestActor);
        ExpectMsg(state.LastSequenceNr + 1);
        Stop(last);
        Assert.Equal([.. state.Values, "after"], StateOf(Start("counter-c")).Values);
    }
}
