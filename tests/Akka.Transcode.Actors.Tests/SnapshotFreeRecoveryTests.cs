using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Snapshot;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Actors.Tasks;
using Akka.Transcode.Actors.Tests.Support;
using Akka.Transcode.Actors.Workers;
using Akka.Transcode.Domain.Jobs;
using Xunit.Abstractions;
using TaskStatus = Akka.Transcode.Domain.Tasks.TaskStatus;

namespace Akka.Transcode.Actors.Tests;

/// <summary>
/// Job and task entities never save snapshots, so they recover from the journal alone: the snapshot store (one actor
/// for the whole node, answering one query at a time) is not asked when an entity starts. Here it fails every load,
/// and both entities still come back with their state.
/// </summary>
public sealed class SnapshotFreeRecoveryTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(
    ConfigurationFactory.ParseString($$"""
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.refusing"
        akka.persistence.snapshot-store.refusing.class = "{{typeof(RefusingSnapshotStore).AssemblyQualifiedName}}"
        """).WithFallback(TestConfig.Local(serializeMessages: false)),
    output: output)
{
    [Fact]
    public void A_job_and_a_task_recover_without_asking_the_snapshot_store()
    {
        var dst = Directory.CreateTempSubdirectory("akka-transcode-nosnap-").FullName;
        try
        {
            var tasks = CreateTestProbe();
            var registry = CreateTestProbe();
            var parent = CreateTestProbe();
            var settings = new TranscodeSettings { MaxTaskSeconds = 30, RetryInterval = TimeSpan.FromSeconds(30) };

            var jobProps = JobEntity.Props("n1", tasks.Ref, registry.Ref, FakeProber.Returning(FakeProber.H264Aac60), settings);
            var job = StepParents.Spawn(Sys, jobProps, parent.Ref);
            job.Tell(new SubmitJob("n1", Samples.H264Job(dst)));
            ExpectMsg<JobCommandReply>(r => r.Error is null);
            registry.ExpectMsg<GetWorkers>();
            registry.Reply(new WorkersSnapshot([], 0));
            tasks.ExpectMsg<StartTask>();
            StopAndWait(job);
            var revivedJob = StepParents.Spawn(Sys, jobProps, parent.Ref);
            revivedJob.Tell(new GetJob("n1", false));
            var jobReply = ExpectMsg<GetJobReply>();
            Assert.Null(jobReply.Error);
            Assert.Equal(JobState.Ready, jobReply.Job!.Summary.State);

            var spec = Samples.VideoTask("n1", 0, dst);
            var taskProps = TaskEntity.Props(spec.TaskId, tasks.Ref, registry.Ref, settings);
            var task = StepParents.Spawn(Sys, taskProps, parent.Ref);
            task.Tell(new StartTask(spec.TaskId, spec, 0, DateTimeOffset.UtcNow));
            ExpectMsg<TaskStartAck>();
            StopAndWait(task);
            var revivedTask = StepParents.Spawn(Sys, taskProps, parent.Ref);
            revivedTask.Tell(new GetTask(spec.TaskId));
            Assert.Equal((int)TaskStatus.Pending, ExpectMsg<GetTaskReply>().State);

            Assert.Equal(0, RefusingSnapshotStore.Loads);
        }
        finally
        {
            Directory.Delete(dst, recursive: true);
        }
    }

    private void StopAndWait(IActorRef actor)
    {
        Watch(actor);
        Sys.Stop(actor);
        ExpectTerminated(actor);
    }

    /// <summary>Fails every load (recovery would fail with it) and counts them.</summary>
    public sealed class RefusingSnapshotStore : SnapshotStore
    {
        private static int _loads;
        public static int Loads => Volatile.Read(ref _loads);

        protected override Task<SelectedSnapshot> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria,
            CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _loads);
            return Task.FromException<SelectedSnapshot>(new InvalidOperationException("this store serves no snapshots"));
        }

        protected override Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken) =>
            Task.FromException(new InvalidOperationException("this store takes no snapshots"));

        protected override Task DeleteAsync(SnapshotMetadata metadata, CancellationToken cancellationToken) => Task.CompletedTask;

        protected override Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria,
            CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
