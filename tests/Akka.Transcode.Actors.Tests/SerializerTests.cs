using System.Reflection;
using System.Runtime.Serialization;
using System.Text;
using Akka.Transcode.Actors.Feed;
using Akka.Transcode.Actors.Intake;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Actors.Serialization;
using Akka.Transcode.Actors.Tasks;
using Akka.Transcode.Actors.Tests.Support;
using Akka.Transcode.Actors.Workers;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Maps;
using Akka.Transcode.Domain.Tasks;
using Xunit.Abstractions;

namespace Akka.Transcode.Actors.Tests;

public sealed class SerializerTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(TestConfig.Local(), output: output)
{
    private static readonly DateTimeOffset At = new(2025, 3, 4, 5, 6, 7, 890, TimeSpan.FromHours(2));

    private static readonly JobSpec FullSpec = new()
    {
        SourcePath = "/media/in/a b ü.mp4",
        DstDir = "/media/out",
        DstFormat = "mkv",
        Segments = [Samples.Range(1.5, 5), Samples.Range(10, 20.25)],
        SegmentsText = "1.5-5,10-20.25",
        Priority = 3,
        Overwrite = true,
        Output = new OutputSettings
        {
            VideoCodec = "hevc", AudioCodec = "opus", VideoBitrate = 2_000_000, AudioBitrate = 128_000, Crf = 20,
            Preset = "slow", Width = 1280, Height = 720,
        },
        MapPath = "/media/maps/a.map",
        MapTables = [new MapTable("luts/x.pgm", "/media/maps/luts/x.pgm"), new MapTable("luts/y.pgm", "/media/maps/luts/y.pgm")],
        CallbackUrl = "http://callback.example/x?y=1",
    };

    private static readonly TaskSpec Chunk = Samples.VideoTask("j1", 1, "/media/out/.transcode-j1") with
    {
        KeyframeCuts = true,
        MapPath = "/media/maps/a.map",
        MapTables = [new MapTable("x.pgm", "/media/maps/x.pgm"), new MapTable("y.pgm", "/media/maps/y.pgm")],
        FileIds = new Dictionary<string, string>
        {
            ["/media/in/movie.mp4"] = "0cc175b9c0f1b6a831c399e269772661",
            ["/media/maps/a.map"] = "92eb5ffee6ae2fec3ad71c777531578f",
        },
        Video = new VideoOp(StreamAction.Encode, "hevc", 20, "slow", 2_000_000, 1280, 720),
    };

    private static readonly TaskSpec JoinTask = new()
    {
        TaskId = "j1-t3", JobId = "j1", Index = 3, Kind = TaskKind.Join, SourcePath = "/media/in/a b ü.mp4",
        VideoParts = ["/w/video-0000.mkv", "/w/video-0001.mkv"], AudioPart = "/w/audio.flac",
        OutputPath = "/media/out/.a b ü.mkv.j1.tmp", Muxer = "matroska", Video = VideoOp.Copy,
        Audio = new AudioOp(StreamAction.Encode, "opus", 128_000), Duration = 13.77, Weight = 0.6885, DependsOn = [0, 1, 2],
    };

    private static readonly JobView View = new(
        new JobSummary
        {
            Id = "j1", State = JobState.InProgress, SourcePath = "/media/in/a.mp4", OutputPath = "/media/out/a.mkv",
            DstFormat = "mkv", Segments = "1-5", Priority = 4, Progress = 42.5, CreatedAt = At, UpdatedAt = At.AddSeconds(3),
            ErrorCode = ErrorCode.SourceUnusable, ErrorMessage = "bad", TaskCount = 3, CompletedTasks = [0, 2],
            Notes = ["note one", "note two"],
        },
        12.5, 1.7,
        [new TaskView("j1-t0", "video", 1, null, 55.5, "w-abc", 0, 10, 2, "lost once"),
         new TaskView("j1-t1", "join", 3, -1, 0, null, 0, 20, 1, null)]);

    /// <summary>One sample of every type in <see cref="Manifests"/>, with every optional field filled.</summary>
    private static readonly IReadOnlyDictionary<Type, object> SampleByType = new object[]
    {
        new JobSubmitted("j1", FullSpec, At),
        new JobPlanned("j1", [Chunk, JoinTask], 13.77, "/media/out/.a.mkv.j1.tmp", "/media/out/.transcode-j1",
            ["video_codec copy with segments: cuts snap"], At),
        new JobStarted("j1", At),
        new JobTaskCompleted("j1", 2, At),
        new JobProgressed("j1", 37.5, At),
        new JobCompleted("j1", "/media/out/a.mkv", At),
        new JobFailed("j1", ErrorCode.InvalidValue, "segment 100-110 starts after the end", At),
        new JobCanceled("j1", At),
        new JobFinishing("j1", At),
        new JobCallbackDone("j1", false, "the receiver did not answer 2xx", At),
        new TaskCreated("j1-t1", Chunk, 7, At.AddMinutes(-1), At),
        new AttemptStarted("j1-t1", 2, "w-1", At),
        new AttemptFailed("j1-t1", 2, "w-1", "ffmpeg exited with 1", At),
        new AttemptLost("j1-t1", 3, "worker w-1 lost", At),
        new TaskSucceeded("j1-t1", 4, At),
        new TaskFailed("j1-t1", ErrorCode.SourceUnusable, "cannot decode", At),
        new TaskCanceled("j1-t1", At),
        new Akka.Transcode.Actors.Storage.JournalWarmUp.Warmed(At),
        new SubmitJob("j1", FullSpec),
        new JobCommandReply("j1", new Failure(ErrorCode.Conflict, "taken")),
        new GetJob("j1", true),
        new GetJobReply(View, new Failure(ErrorCode.NotFound, "none")),
        new CancelJob("j1"),
        new TaskStartAck("j1", 2),
        new StartJob("j1"),
        new JobStartReply("j1", true, false),
        new PurgeJob("j1"),
        new JobPurged("j1", false, ["job-j1", "task-j1-t0"], "not ended"),
        JobsQueued.Instance,
        new JobEnded("j1"),
        new JobRunning("j1"),
        new JobTaskStarted("j1", 2, 3, "w-1"),
        new JobTaskProgress("j1", 2, 55.25, 1.25),
        new JobTaskFinished("j1", 2, "j1-t2", false, ErrorCode.Internal, "boom"),
        new JobTaskFinishedAck("j1-t2"),
        new StartTask("j1-t3", JoinTask, 5, At),
        new CancelTask("j1-t3"),
        new GetTask("j1-t3"),
        new GetTaskReply("j1-t3", 1, 2, "w-1", 12.5, "lost once"),
        new AttemptAlive("j1-t3", 2, "w-1", 12.5, 0.9),
        new AttemptResult("j1-t3", 2, "w-1", false, ErrorCode.SourceUnusable, "cannot read"),
        new AttemptResultAck("j1-t3", 2),
        new AttemptWorkerLost("j1-t3", 2, "w-1", "no heartbeat"),
        new PurgeTask("j1-t3"),
        new TaskPurged("j1-t3", true),
        new RegisterWorker("akka.tcp://transcode@10.0.0.1:4053", 4, "http://10.0.0.1:8080"),
        new WorkerRegistered("w-1"),
        new WorkerHeartbeat("w-1", 1, [new RunningAttempt("j1-t0", 1), new RunningAttempt("j2-t4", 3)]),
        new HeartbeatAck("w-1"),
        new UnknownWorker("w-1"),
        new WorkerLeaving("w-1"),
        new RequestWork("j1-t3", 2, JoinTask, 5, At, ["w-1", "w-2"]),
        new AttemptOutcome("w-1", "j1-t3", 2, Success: false, WorkerFault: true),
        new WithdrawWork("j1-t3"),
        new AssignTask("j1-t1", 2, Chunk, "w-1"),
        new AssignmentRejected("j1-t1", 2, "w-1"),
        new SlotFreed("w-1", "j1-t1", 2),
        new CancelAttempt("j1-t1", 2),
        GetWorkers.Instance,
        new WorkersSnapshot([
            new WorkerInfo("w-1", "k1", "http://h:1", 2, [new RunningAttempt("j1-t0", 1)], At),
            new WorkerInfo("w-2", "k2", null, 3, [], At.AddSeconds(-1), 3, At.AddSeconds(60)),
        ], 7),
        new RegisterHttpWorker("10.0.0.5", 20001, 2),
        new RegistrationRefused("16 workers are registered under 10.0.0.5 already"),
        new HttpWorkerHeartbeat("w-1", 1),
        new ResolveFile("0cc175b9c0f1b6a831c399e269772661", "k3Jq0f-token"),
        new ResolveUpload("j1-t3"),
        new FileLocation("/media/out/.transcode-j1/video-0001.mkv"),
        new JobChanged(View with { Tasks = null }),
        new TaskChanged("j1", new TaskView("j1-t0", "video", 1, null, 55.5, "w-abc", 0, 10, 2, "lost once")),
        new WorkersChanged(new WorkersSnapshot([new WorkerInfo("w-1", "akka:akka.tcp://transcode@10.0.0.1:4053", "http://10.0.0.1:20001", 2,
            [new RunningAttempt("j1-t0", 1)], At)], 3)),
    }.ToDictionary(o => o.GetType());

    public static IEnumerable<object[]> ManifestNames => Manifests.ByName.Keys.Select(k => new object[] { k });

    [Theory]
    [MemberData(nameof(ManifestNames))]
    public void Every_manifest_type_round_trips_through_the_transcode_serializer(string manifest)
    {
        var type = Manifests.ByName[manifest];
        Assert.True(SampleByType.TryGetValue(type, out var sample), $"no sample for {type.Name}: add one to this test");

        var serializer = Sys.Serialization.FindSerializerFor(sample);
        Assert.IsType<TranscodeSerializer>(serializer);
        Assert.Equal(manifest, Akka.Serialization.Serialization.ManifestFor(serializer, sample));

        var bytes = serializer.ToBinary(sample);
        var back = Sys.Serialization.Deserialize(bytes, TranscodeSerializer.SerializerId, manifest);

        Assert.IsType(type, back);
        Assert.Null(DeepEquality.FirstDifference(sample, back));
    }

    [Fact]
    public void Samples_cover_exactly_the_manifest_types()
    {
        Assert.Equal(Manifests.ByName.Values.OrderBy(t => t.FullName), SampleByType.Keys.OrderBy(t => t.FullName));
    }

    [Fact]
    public void JobPlanned_keeps_task_specs_and_derived_times_after_a_round_trip()
    {
        var planned = (JobPlanned)SampleByType[typeof(JobPlanned)];
        var back = (JobPlanned)RoundTrip(planned);

        var chunk = back.Tasks[0];
        Assert.Equal(TaskKind.Video, chunk.Kind);
        Assert.Equal(planned.Tasks[0].Cuts, chunk.Cuts); // SourceCut is a flat record: value equality
        Assert.Equal(10, chunk.FromTime);
        Assert.Equal(20, chunk.ToTime);
        Assert.True(chunk.KeyframeCuts);
        Assert.Equal(new VideoOp(StreamAction.Encode, "hevc", 20, "slow", 2_000_000, 1280, 720), chunk.Video);
        var join = back.Tasks[1];
        Assert.Equal([0, 1, 2], join.DependsOn);
        Assert.Equal(["/w/video-0000.mkv", "/w/video-0001.mkv"], join.VideoParts);
        Assert.Equal("/w/audio.flac", join.AudioPart);
        Assert.Equal(new AudioOp(StreamAction.Encode, "opus", 128_000), join.Audio);
        Assert.Equal(planned.Notes, back.Notes);
    }

    [Fact]
    public void JobSpec_keeps_segments_output_settings_and_its_fingerprint_after_a_round_trip()
    {
        var back = ((SubmitJob)RoundTrip(new SubmitJob("j1", FullSpec))).Spec;

        Assert.Equal([Samples.Range(1.5, 5), Samples.Range(10, 20.25)], back.Segments);
        Assert.Equal(FullSpec.Output, back.Output); // flat record: value equality
        Assert.Equal(FullSpec.Fingerprint(), back.Fingerprint());
        Assert.Equal(FullSpec.OutputPath(), back.OutputPath());
    }

    [Fact]
    public void Every_public_message_and_event_type_has_a_manifest()
    {
        var markers = new[] { typeof(ITranscodeMessage), typeof(IJobEvent), typeof(ITaskEvent) };
        var types = new[] { typeof(ITranscodeMessage).Assembly, typeof(IJobEvent).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => (t.IsPublic || t.IsNestedPublic) && !t.IsAbstract && !t.IsInterface)
            .Where(t => markers.Any(m => m.IsAssignableFrom(t)))
            .ToList();

        Assert.True(types.Count >= 40, $"the scan found only {types.Count} types");
        var missing = types.Where(t => !Manifests.ByType.ContainsKey(t)).Select(t => t.FullName).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void Manifests_are_unique_and_bound_to_the_transcode_serializer()
    {
        Assert.Equal(Manifests.ByName.Count, Manifests.ByName.Values.Distinct().Count());
        Assert.Equal(Manifests.ByName.Count, Manifests.ByType.Count);
        Assert.Equal(Manifests.ByName.Count, Manifests.ByName.Keys.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        foreach (var (name, type) in Manifests.ByName)
        {
            Assert.Equal(name, Manifests.ByType[type]);
            Assert.IsType<TranscodeSerializer>(Sys.Serialization.FindSerializerForType(type));
        }
    }

    [Fact]
    public void Unknown_manifest_and_unmapped_type_are_refused()
    {
        var serializer = (TranscodeSerializer)Sys.Serialization.FindSerializerForType(typeof(JobStarted));

        Assert.Throws<SerializationException>(() => serializer.FromBinary("{}"u8.ToArray(), "job.renamed.v9"));
        Assert.Throws<ArgumentException>(() => serializer.Manifest(new RunningAttempt("t", 1)));
    }

    [Fact]
    public void An_event_written_with_an_extra_field_still_reads()
    {
        var serializer = (TranscodeSerializer)Sys.Serialization.FindSerializerForType(typeof(JobStarted));
        var json = """{"jobId":"j9","at":"2025-01-02T03:04:05+00:00","addedLater":{"x":1}}""";

        var e = (JobStarted)serializer.FromBinary(Encoding.UTF8.GetBytes(json), "job.started.v1");

        Assert.Equal(new JobStarted("j9", new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero)), e);
    }

    private object RoundTrip(object o)
    {
        var s = Sys.Serialization.FindSerializerFor(o);
        return Sys.Serialization.Deserialize(s.ToBinary(o), s.Identifier, Akka.Serialization.Serialization.ManifestFor(s, o));
    }
}
