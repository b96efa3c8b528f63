using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.TranscodeClient;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure.Chaos;

/// <summary>The two sources of the chaos jobs, small so that many jobs fit in a short run.</summary>
/// <param name="ShortSeconds">The container duration of <see cref="Short"/> as ffprobe reads it (what a stream copy keeps).</param>
public sealed record ChaosMedia(string Short, string Long, double ShortSeconds)
{
    public const string ShortName = "clip4.ts", LongName = "clip12.ts";
    public const double ShortLength = 4, LongLength = 12;

    public static async Task<ChaosMedia> GetAsync()
    {
        var shortClip = await MediaFactory.ClipAsync(ShortName, ShortLength, "640x360");
        var longClip = await MediaFactory.ClipAsync(LongName, LongLength, "640x360");
        return new ChaosMedia(shortClip, longClip, await MediaAssert.DurationAsync(shortClip));
    }

    public void StockMediaRoot(string root)
    {
        MediaSet.CopyInto(Short, root, ShortName);
        MediaSet.CopyInto(Long, root, LongName);
    }
}

/// <summary>One kind of job in the mix: what is asked, and what the output must be.</summary>
/// <param name="Chunked">Planned as video chunks, an audio task and a join (the source is longer than a chunk).</param>
public sealed record ChaosJobKind(string Name, string Source, string Format, string? VideoCodec, string? AudioCodec,
    string? Segments, double ExpectedSeconds, bool Chunked)
{
    /// <summary>A stream-copy remux, a whole-file re-encode, a cut-and-join re-encode (one task each), a re-encode in
    /// chunks, and chunks of a cut-and-join.</summary>
    public static IReadOnlyList<ChaosJobKind> Mix(ChaosMedia media) =>
    [
        new("remux", ChaosMedia.ShortName, "mkv", "copy", "copy", null, media.ShortSeconds, Chunked: false),
        new("encode", ChaosMedia.ShortName, "mp4", "h264", "aac", null, ChaosMedia.ShortLength, Chunked: false),
        new("segments", ChaosMedia.ShortName, "flv", null, null, "0.5-1.5:1-2.5", 2.5, Chunked: false),
        new("chunked", ChaosMedia.LongName, "mp4", "h264", "aac", null, ChaosMedia.LongLength, Chunked: true),
        new("chunked-segments", ChaosMedia.LongName, "mkv", "h264", "aac", "0.5-6:7-11.5", 10, Chunked: true),
    ];
}

/// <summary>One job of the run, as the driver knows it.</summary>
public sealed class ChaosJob
{
    public required int Index { get; init; }
    public required string Id { get; init; }
    public required ChaosJobKind Kind { get; init; }
    public required string DstDir { get; init; }
    public string OutputName => Path.GetFileNameWithoutExtension(Kind.Source) + "." + Kind.Format;
    public int ExpectedFrames => (int)Math.Round(Kind.ExpectedSeconds * MediaSet.FrameRate);

    public object Body => new Dictionary<string, object?>
    {
        ["job_id"] = Id, ["src_filename"] = Kind.Source, ["dst_dir"] = DstDir, ["dst_format"] = Kind.Format,
        ["video_codec"] = Kind.VideoCodec, ["audio_codec"] = Kind.AudioCodec, ["segments"] = Kind.Segments,
    }.Where(kv => kv.Value is not null).ToDictionary();

    public TimeSpan? SubmittedAt { get; set; }
    public TimeSpan? EndedAt { get; set; }
    /// <summary>The last job object get_job answered (with task_list once the job has ended).</summary>
    public JsonElement? Last { get; set; }
    /// <summary>Set when get_job answered anything but the job (e.g. -7 for a job that was accepted).</summary>
    public string? Lost { get; set; }
    public bool Ended => EndedAt is not null;
    public int? State => Last is { } j ? TranscodeClient.State(j) : null;

    /// <summary>The run's jobs: the mix repeated and shuffled with the run's seed; ids are chosen by the client.</summary>
    public static IReadOnlyList<ChaosJob> Plan(int count, ChaosMedia media, Random rng)
    {
        var mix = ChaosJobKind.Mix(media);
        var kinds = Enumerable.Range(0, count).Select(i => mix[i % mix.Count]).ToArray();
        rng.Shuffle(kinds);
        var run = rng.Next().ToString("x8", CultureInfo.InvariantCulture);
        return kinds.Select((k, i) => new ChaosJob
        {
            Index = i, Id = $"chaos-{run}-{i:000}-{k.Name}", Kind = k, DstDir = $"chaos/j{i:000}",
        }).ToList();
    }
}

/// <summary>
/// Submits the jobs through any live api node, keeping <c>inFlight</c> of them submitted and not yet ended, and
/// follows each with get_job (its own loop, so a job whose entity is moving does not hold up the others) until it
/// has ended. A call answered "not now" (-10, refused, timed out) is retried on another node by the
/// <see cref="ClusterClient"/>; add_job is retried with the same job_id and body, which the protocol makes idempotent.
/// </summary>
public sealed class ChaosDriver(ClusterClient client, IReadOnlyList<ChaosJob> jobs, int inFlight, Stopwatch clock,
    ChaosTimeline timeline)
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private readonly Dictionary<ChaosJob, Task> _followers = new();
    private int _next;

    public bool Done => _next == jobs.Count && jobs.All(j => j.Ended);
    public int Submitted => _next;

    /// <summary>Submits and follows jobs until all have ended or <paramref name="until"/> (on <c>clock</c>) passes.</summary>
    public async Task RunAsync(TimeSpan until)
    {
        // Jobs left unfinished by an earlier call are followed again.
        foreach (var job in jobs.Take(_next).Where(j => !j.Ended)) Follow(job, until);
        while (!Done && clock.Elapsed < until)
        {
            while (_next < jobs.Count && jobs.Take(_next).Count(j => !j.Ended) < inFlight && clock.Elapsed < until)
            {
                var job = jobs[_next];
                await SubmitAsync(job);
                _next++;
                Follow(job, until);
            }
            var active = _followers.Values.Where(t => !t.IsCompleted).ToList();
            // A follower that failed (no api node answered for minutes) fails the run at once.
            if (_followers.Values.FirstOrDefault(t => t.IsFaulted) is { } failed) await failed;
            await Task.WhenAny([.. active, Task.Delay(PollInterval)]);
        }
        await Task.WhenAll(_followers.Values);
    }

    private void Follow(ChaosJob job, TimeSpan until)
    {
        if (_followers.TryGetValue(job, out var running) && !running.IsCompleted) return;
        _followers[job] = Task.Run(async () =>
        {
            while (!job.Ended && clock.Elapsed < until)
            {
                await PollAsync(job);
                if (!job.Ended) await Task.Delay(PollInterval);
            }
        });
    }

    private async Task SubmitAsync(ChaosJob job)
    {
        var (status, body) = await client.CallAsync(c => c.AddJobAsync(job.Body), CallTimeout, $"add_job {job.Id}");
        AssertOk(status, body, $"add_job {job.Id}");
        Assert.Equal(job.Id, body.GetProperty("job_id").GetString());
        job.SubmittedAt = clock.Elapsed;
        timeline.Add($"{job.Id} accepted");
    }

    private async Task PollAsync(ChaosJob job)
    {
        var (status, body) = await client.CallAsync(c => c.GetJobRawAsync(job.Id), CallTimeout, $"get_job {job.Id}");
        if (ErrCode(body) != 0)
        {
            job.Lost = $"get_job answered HTTP {(int)status} {body}";
            job.EndedAt = clock.Elapsed;
            timeline.Add($"{job.Id} LOST: {job.Lost}");
            return;
        }
        job.Last = body.GetProperty("job");
        if (TranscodeClient.State(job.Last.Value) < JobCompleted) return;
        // Ended: keep the final object with its tasks (attempts, workers) for the checks and the report.
        var (_, detail) = await client.CallAsync(c => c.GetJobRawAsync(job.Id, detail: true), CallTimeout, $"get_job {job.Id}");
        if (ErrCode(detail) == 0) job.Last = detail.GetProperty("job");
        var tasks = Tasks(job.Last.Value);
        job.EndedAt = clock.Elapsed;
        timeline.Add($"{job.Id} ended in state {job.State} after {(job.EndedAt - job.SubmittedAt)!.Value.TotalSeconds:0.0} s; " +
                     $"{tasks.Count} task(s), {tasks.Sum(t => t.GetProperty("attempts").GetInt32())} attempt(s)");
    }
}
