using Akka.Actor;
using Akka.Configuration;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Actors.Tasks;
using Akka.Transcode.Actors.Tests.Support;
using Akka.Transcode.Actors.Workers;
using Akka.Transcode.Domain.Jobs;
using Xunit.Abstractions;

namespace Akka.Transcode.Actors.Tests;

/// <summary>
/// The job entity on Akka's stock in-memory journal, which (unlike the SQL journal) keeps the Tagged wrapper the
/// entity persists its events in and replays it as is.
/// </summary>
public sealed class StockJournalTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString("""
        akka.loglevel = WARNING
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """), output: output)
{
    [Fact]
    public void A_job_recovers_its_state_from_the_stock_in_memory_journal()
    {
        var dst = Directory.CreateTempSubdirectory("akka-transcode-stock-").FullName;
        var tasks = CreateTestProbe();
        var registry = CreateTestProbe();
        var props = JobEntity.Props("s1", tasks.Ref, registry.Ref, FakeProber.Returning(FakeProber.H264Aac60),
            new TranscodeSettings { MaxTaskSeconds = 30 });
        var job = Sys.ActorOf(props);
        job.Tell(new SubmitJob("s1", Samples.H264Job(dst)));
        ExpectMsg<JobCommandReply>(r => r.Error is null);
        registry.ExpectMsg<GetWorkers>();
        registry.Reply(new WorkersSnapshot([], 0));
        tasks.ExpectMsg<StartTask>();
        Watch(job);
        Sys.Stop(job);
        ExpectTerminated(job);

        var revived = Sys.ActorOf(props);
        revived.Tell(new GetJob("s1", false));
        var reply = ExpectMsg<GetJobReply>();

        Assert.Null(reply.Error); // fails today: NotFound, the replayed Tagged events are not recovered
        Assert.Equal(JobState.Ready, reply.Job!.Summary.State);
        Directory.Delete(dst, recursive: true);
    }
}
