using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Akka.TestKit;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Actors.Tests.Support;
using Akka.Transcode.Domain.Jobs;
using Xunit.Abstractions;

namespace Akka.Transcode.Actors.Tests;

/// <summary>A job's callback step on its own: tries, waits that grow between them, one answer, then it stops.</summary>
public sealed class CallbackDelivererTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Url = "http://127.0.0.1:9/hook";
    private static readonly TimeSpan Base = TimeSpan.FromMilliseconds(50);

    private static readonly JobView Job = new(new JobSummary
    {
        Id = "cb", State = JobState.Completed, SourcePath = "/media/in/a.mp4", OutputPath = "/media/out/a.mp4",
        DstFormat = "mp4", Segments = "", Progress = 100, TaskCount = 1, CompletedTasks = [0],
    }, null, null, null);

    private readonly TestProbe _parent;

    public CallbackDelivererTests(ITestOutputHelper output) : base(TestConfig.Local(), output: output)
    {
        _parent = CreateTestProbe("job");
    }

    /// <summary>Fails the first <paramref name="failures"/> calls (throwing, when told to), then answers true; records
    /// when each call came.</summary>
    private sealed class ScriptedCallback(int failures, bool throws = false) : IJobCallback
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        public ConcurrentQueue<(string Url, JobView Job, TimeSpan At)> Calls { get; } = new();

        public Task<bool> SendAsync(string url, JobView job, CancellationToken ct)
        {
            Calls.Enqueue((url, job, _clock.Elapsed));
            if (Calls.Count > failures) return Task.FromResult(true);
            return throws ? Task.FromException<bool>(new HttpRequestException("connection refused")) : Task.FromResult(false);
        }
    }

    private IActorRef Deliver(IJobCallback callback) =>
        StepParents.Spawn(Sys, CallbackDeliverer.Props(callback, Url, Job, Base), _parent.Ref);

    [Fact]
    public void A_receiver_that_answers_gets_one_call_and_the_deliverer_stops()
    {
        var callback = new ScriptedCallback(failures: 0);
        var deliverer = Deliver(callback);
        Watch(deliverer);

        Assert.Equal(new CallbackFinished(true, null, 1), _parent.ExpectMsg<CallbackFinished>());
        ExpectTerminated(deliverer);
        var call = Assert.Single(callback.Calls);
        Assert.Equal((Url, Job), (call.Url, call.Job));
    }

    [Fact]
    public void Failed_calls_are_tried_again_after_waits_that_double()
    {
        var callback = new ScriptedCallback(failures: 3);
        Deliver(callback);

        Assert.Equal(new CallbackFinished(true, null, 4), _parent.ExpectMsg<CallbackFinished>());
        var at = callback.Calls.Select(c => c.At).ToList();
        Assert.Equal(4, at.Count);
        // At least 50, 100, 200 ms between the tries (a loaded machine may add to them, never take away).
        Assert.True(at[1] - at[0] >= Base, $"first wait {at[1] - at[0]}");
        Assert.True(at[2] - at[1] >= Base * 2, $"second wait {at[2] - at[1]}");
        Assert.True(at[3] - at[2] >= Base * 4, $"third wait {at[3] - at[2]}");
    }

    [Fact]
    public void A_receiver_that_never_answers_is_given_up_after_the_limit()
    {
        var callback = new ScriptedCallback(failures: int.MaxValue);
        var deliverer = Deliver(callback);
        Watch(deliverer);

        var finished = _parent.ExpectMsg<CallbackFinished>(TimeSpan.FromSeconds(5));
        Assert.Equal(new CallbackFinished(false, "the receiver did not answer 2xx", CallbackDeliverer.MaxTries), finished);
        ExpectTerminated(deliverer);
        Assert.Equal(CallbackDeliverer.MaxTries, callback.Calls.Count);
    }

    [Fact]
    public void A_call_that_throws_counts_as_failed_with_its_error()
    {
        var callback = new ScriptedCallback(failures: int.MaxValue, throws: true);
        Deliver(callback);

        var finished = _parent.ExpectMsg<CallbackFinished>(TimeSpan.FromSeconds(5));
        Assert.Equal(new CallbackFinished(false, "connection refused", CallbackDeliverer.MaxTries), finished);
    }
}
