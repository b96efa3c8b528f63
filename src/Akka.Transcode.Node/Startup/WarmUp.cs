using System.Diagnostics;
using Akka.Transcode.Actors.Serialization;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Media.Probing;
using Akka.Transcode.Media.Running;
using Akka.Transcode.Node.Configuration;
using Akka.Transcode.Protocol;

namespace Akka.Transcode.Node.Startup;

/// <summary>
/// Runs the paths of a job once before the node says it is ready: the serializer's contracts, planning and argument
/// building, and (where the role runs them) ffprobe and ffmpeg through FFMpegCore. The node ships precompiled
/// (ReadyToRun) with tiered compilation off, so what is left at first use is one-time work: code without a
/// precompiled form (generic instantiations, generated accessors) compiled fully, types loaded, first-use set-up. A
/// fresh node's first job paid all of it, about 1 s of the master's CPU and 0.3 s of each worker's (on a 1-core
/// worker, straight out of its ffmpeg's time); here it costs start-up a fraction of a second instead.
/// </summary>
public static class WarmUp
{
    private static int _journalDone;

    /// <summary>Whether the warm-up that needs the running actor system (<see cref="JournalWarmUpService"/>) is over.</summary>
    public static bool IsDone => Volatile.Read(ref _journalDone) == 1;

    internal static void JournalDone() => Volatile.Write(ref _journalDone, 1);

    public static async Task RunAsync(TranscodeOptions options, ILogger log)
    {
        var clock = Stopwatch.StartNew();
        SerializerWarmUp.Run();
        Quietly(() => DryRun.Messages());
        ParseAndAnswer();
        PlanAndBuild(options.Has("master"));
        try
        {
            if (options.Has("master") || options.Has("worker")) await MediaToolsAsync(options);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Only speed is at stake: the first job then pays what was not warmed.
            log.LogDebug(e, "warm-up of ffmpeg and ffprobe skipped");
        }
        log.LogInformation("warm-up took {Milliseconds} ms", clock.ElapsedMilliseconds);
    }

    /// <summary>Only speed is at stake: what a warm-up step meets must never stop a node from starting.</summary>
    private static void Quietly(Action step)
    {
        try { step(); }
        catch (Exception e) when (e is not OutOfMemoryException) { }
    }

    /// <summary>add_job's and get_job's parsing, and a job object written as the API writes it.</summary>
    private static void ParseAndAnswer()
    {
        RequestParser.ParseAddJob("""
            {"job":{"src_filename":"/warm-up/record.bin","dst_dir":"/warm-up","dst_format":"flv","segments":"1-5:2-10","priority":1}}
            """);
        RequestParser.ParseGetJob("""{"job_id":"warm-up","detail":true}""");
        RequestParser.ParseGetJobs("""{"start_index":0,"limit":10}""");
    }

    /// <summary>A chunked job with audio and segments, so every kind of task and argument list is built once.</summary>
    private static void PlanAndBuild(bool master)
    {
        var media = new MediaInfo("mpegts", 60, new VideoStreamInfo("h264", 1280, 720, 30, "yuv420p"),
            new AudioStreamInfo("aac", 48000, 2), 1.4, [1.4, 31.4]);
        foreach (var segments in new[] { "", "1-20:30-50" })
        {
            var spec = new JobSpec
            {
                SourcePath = "/warm-up/record.bin", DstDir = "/warm-up", DstFormat = "mp4",
                Segments = Domain.Segments.SegmentParser.Parse(segments).Value ?? [], SegmentsText = segments,
                Output = new OutputSettings { VideoCodec = "h264", AudioCodec = "aac" },
            };
            var plan = TaskPlanner.Plan("warm-up", spec, media, new Domain.Planning.PlanningOptions(WorkerSlots: 2));
            foreach (var task in plan.Value?.Tasks ?? []) FfmpegArguments.Build(task, 1);
            // Only a master holds job, task and registry state.
            if (master && plan.Value is { } planned) Quietly(() => DryRun.Job("warm-up", spec, planned));
        }
    }

    /// <summary>A 0.2 s clip made with lavfi, probed and scanned as a source is, then encoded as a task is run.</summary>
    private static async Task MediaToolsAsync(TranscodeOptions options)
    {
        var dir = Directory.CreateTempSubdirectory("akka-transcode-warm-up-");
        try
        {
            var clip = Path.Combine(dir.FullName, "clip.ts");
            var runner = new FfmpegRunner();
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await runner.RunAsync(new FfmpegJob(
            [
                "-hide_banner", "-y", "-f", "lavfi", "-i", "testsrc2=size=64x64:rate=10:duration=0.2",
                "-c:v", "libx264", "-preset", "ultrafast", "-f", "mpegts", FfmpegArguments.FileUrl(clip),
            ], 0.2), _ => { }, limit.Token);
            if (!File.Exists(clip)) return;
            if (options.Has("master"))
            {
                await new MediaProber(TimeSpan.FromSeconds(20)).ProbeAsync(clip, limit.Token);
                await KeyframeLocator.ScanAsync(clip, limit.Token, TimeSpan.FromSeconds(20));
            }
        }
        finally
        {
            try { dir.Delete(recursive: true); }
            catch (IOException) { /* a temp directory left behind is harmless */ }
        }
    }
}
