using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Actors.Tests.Support;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Jobs;
using Xunit.Abstractions;

namespace Akka.Transcode.Actors.Tests;

/// <summary>callback_url: the final job object is delivered once, retried until it gets through, and never again after a restart.</summary>
public sealed class JobCallbackTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TranscodeSettings Settings = new()
    {
        RetryInterval = TimeSpan.FromMilliseconds(300),
        IdlePassivation = TimeSpan.FromMinutes(5),
        BaseRetryBackoff = TimeSpan.FromMilliseconds(50),
    };

    private readonly string _dst = Directory.CreateTempSubdirectory("akka-transcode-callback-").FullName;

    public JobCallbackTests(ITestOutputHelper output) : base(TestConfig.Local(), output: output) { }

    protected override void AfterAll()
    {
        base.AfterAll();
        try { Directory.Delete(_dst, recursive: true); } catch (IOException) { }
    }

    /// <summary>Answers false for the first <paramref name="failures"/> calls, then true; records every call.</summary>
    private sealed class ScriptedCallback(int failures) : IJobCallback
    {
        public ConcurrentQueue<(string Url, JobView Job)> Calls { get; } = new();

        public Task<bool> SendAsync(string url, JobView job, CancellationToken ct)
        {
            Calls.Enqueue((url, job));
            return Task.FromResult(Calls.Count > failures);
        }
    }

    private IActorRef Start(string id, IJobCallback callback) => StepParents.Spawn(Sys,
        JobEntity.Props(id, CreateTestProbe().Ref, CreateTestProbe().Ref,
            FakeProber.Failing(ErrorCode.SourceUnusable, "not media ffprobe can read"), Settings, callback),
        CreateTestProbe().Ref);

    [Fact]
    public void The_final_job_object_is_posted_until_delivered_and_not_again_after_a_restart()
    {
        const string url = "http://127.0.0.1:9/hook";
        var callback = new ScriptedCallback(failures: 2);
        var job = Start("cb1", callback);
        job.Tell(new SubmitJob("cb1", Samples.H264Job(_dst) with { CallbackUrl = url }), TestActor);
        // The first persist of a cold test process can take seconds under a full suite's load.
        ExpectMsg<JobCommandReply>(r => r.Error is null, TimeSpan.FromSeconds(10));

        // The probe fails, the job ends FAILED, and the callback is tried until its third call gets through.
        AwaitCondition(() => callback.Calls.Count == 3, TimeSpan.FromSeconds(5));
        Assert.All(callback.Calls, c => Assert.Equal(url, c.Url));
        Assert.All(callback.Calls, c => Assert.Equal(JobState.Failed, c.Job.Summary.State));
        Assert.All(callback.Calls, c => Assert.Equal(ErrorCode.SourceUnusable, c.Job.Summary.ErrorCode));

        Watch(job);
        Sys.Stop(job);
        ExpectTerminated(job);
        var revived = Start("cb1", callback);
        revived.Tell(new GetJob("cb1", false), TestActor);
        Assert.Equal(JobState.Failed, ExpectMsg<GetJobReply>().Job!.Summary.State);
        // Delivery was recorded: a restarted job does not call again.
        ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        Assert.Equal(3, callback.Calls.Count);
    }

    [Fact]
    public void A_callback_that_never_succeeds_is_given_up_after_the_limit_and_the_job_may_passivate()
    {
        var callback = new ScriptedCallback(failures: int.MaxValue);
        var job = Start("cb2", callback);
        job.Tell(new SubmitJob("cb2", Samples.H264Job(_dst) with { CallbackUrl = "http://127.0.0.1:9/hook" }), TestActor);
        ExpectMsg<JobCommandReply>(r => r.Error is null);

        AwaitCondition(() => callback.Calls.Count == CallbackDeliverer.MaxTries, TimeSpan.FromSeconds(5));
        Watch(job);
        Sys.Stop(job);
        ExpectTerminated(job);
        Start("cb2", callback);
        ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        Assert.Equal(CallbackDeliverer.MaxTries, callback.Calls.Count);
    }
}
