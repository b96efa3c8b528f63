using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Maps;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Protocol.Workers;

namespace Akka.Transcode.Domain.Tests.Protocol;

/// <summary>/worker/add_task: what the master sends is exactly what the worker rebuilds, and nothing else gets in.</summary>
public sealed class WorkerTaskWireTests
{
    private const string Md5A = "0cc175b9c0f1b6a831c399e269772661", Md5B = "92eb5ffee6ae2fec3ad71c777531578f";

    private static readonly TaskSpec Chunk = new()
    {
        TaskId = "j1-t1", JobId = "j1", Index = 1, Kind = TaskKind.Video, SourcePath = "/media/in/a b.ts",
        Cuts = [new SourceCut(10, 20, 4, 9.98, 10, 300, 10)], OutputPath = "/media/out/.transcode-j1/video-0001.mkv",
        Muxer = "matroska", Video = new VideoOp(StreamAction.Encode, "h264", 20, "fast", null, 1280, null, true),
        Audio = AudioOp.Drop, Duration = 10, Weight = 10, MapPath = "/media/maps/cam.json",
        MapTables = [new MapTable("luts/x.pgm", "/media/maps/luts/x.pgm"), new MapTable("luts/y.pgm", "/media/maps/luts/y.pgm")],
        FileIds = new Dictionary<string, string>
        {
            ["/media/in/a b.ts"] = Md5A, ["/media/maps/cam.json"] = Md5B,
            ["/media/maps/luts/x.pgm"] = Md5A, ["/media/maps/luts/y.pgm"] = Md5B,
        },
    };

    private static readonly TaskSpec Join = new()
    {
        TaskId = "j1-t3", JobId = "j1", Index = 3, Kind = TaskKind.Join, SourcePath = "/media/in/a b.ts",
        VideoParts = ["/w/video-0000.mkv", "/w/video-0001.mkv"], AudioPart = "/w/audio.flac",
        OutputPath = "/media/out/.a.mp4.j1.tmp", Muxer = "mp4", Video = VideoOp.Copy,
        Audio = new AudioOp(StreamAction.Encode, "aac", 96_000), Duration = 20, Weight = 20,
        FileIds = new Dictionary<string, string> { ["/w/video-0000.mkv"] = Md5A, ["/w/video-0001.mkv"] = Md5B, ["/w/audio.flac"] = Md5A },
    };

    private static readonly TaskSpec WholeCopy = new()
    {
        TaskId = "j2-t0", JobId = "j2", Index = 0, Kind = TaskKind.Transcode, SourcePath = "/m/x.bin",
        OutputPath = "/m/out/.x.flv.j2.tmp", Muxer = "flv", Video = VideoOp.Copy, Audio = AudioOp.Copy, Duration = 60, Weight = 60,
    };

    private static readonly TaskSpec KeyframePart = new()
    {
        TaskId = "j3-t0", JobId = "j3", Index = 0, Kind = TaskKind.Video, KeyframeCuts = true, SourcePath = "/m/x.bin",
        Cuts = [new SourceCut(1, 5, 0, 1, 1, null, 4)], OutputPath = "/m/out/.transcode-j3/copy-0000.mkv",
        Muxer = "matroska", Video = VideoOp.Copy, Audio = AudioOp.Copy, Duration = 4, Weight = 0.4,
    };

    // The join of a copy-with-segments job: keyframe_cuts, and no cuts of its own (the parts carry their audio).
    private static readonly TaskSpec KeyframeJoin = new()
    {
        TaskId = "j3-t2", JobId = "j3", Index = 2, Kind = TaskKind.Join, KeyframeCuts = true, SourcePath = "/m/x.bin",
        VideoParts = ["/m/out/.transcode-j3/copy-0000.mkv", "/m/out/.transcode-j3/copy-0001.mkv"],
        OutputPath = "/m/out/.x.mp4.j3.tmp", Muxer = "mp4", Video = VideoOp.Copy, Audio = new AudioOp(StreamAction.Encode, "aac"),
        Duration = 8, Weight = 0.4,
        FileIds = new Dictionary<string, string> { ["/m/out/.transcode-j3/copy-0000.mkv"] = Md5A, ["/m/out/.transcode-j3/copy-0001.mkv"] = Md5B },
    };

    private static readonly TaskSpec AudioTask = new()
    {
        TaskId = "j1-t2", JobId = "j1", Index = 2, Kind = TaskKind.Audio, SourcePath = "/media/in/a b.ts",
        Cuts = [new SourceCut(0, 10, 0, 0, 0.02, null, 10), new SourceCut(10, 20, 4, 9.98, 10, null, 10)],
        OutputPath = "/w/audio.flac", Muxer = "flac", Video = VideoOp.Drop, Audio = new AudioOp(StreamAction.Encode, "flac"),
        Duration = 20, Weight = 2,
    };

    public static TheoryData<string> Kinds => new() { "chunk", "join", "copy", "keyframe", "keyframe-join", "audio" };

    private static TaskSpec Sample(string name) => name switch
    {
        "chunk" => Chunk, "join" => Join, "copy" => WholeCopy, "keyframe" => KeyframePart, "keyframe-join" => KeyframeJoin,
        _ => AudioTask,
    };

    /// <summary>The fields a worker acts on, as one comparable text (collections compare by content).</summary>
    private static string WorkerView(TaskSpec t) => JsonSerializer.Serialize(new
    {
        t.TaskId, t.JobId, t.Index, t.Kind, t.SourcePath, t.Cuts, t.KeyframeCuts, t.VideoParts, t.AudioPart, t.OutputPath,
        t.Muxer, t.Video, t.Audio, t.Duration, t.MapPath, t.MapTables, FileIds = t.FileIds.OrderBy(kv => kv.Key).ToList(),
    });

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_task_reads_back_as_the_worker_needs_it(string kind)
    {
        var spec = Sample(kind);

        var parsed = WorkerTaskWire.Parse(WorkerTaskWire.RequestBody(spec, 3));

        Assert.True(parsed.IsOk, parsed.Error?.Message);
        Assert.Equal(3, parsed.Value.Attempt);
        Assert.Equal(WorkerView(spec), WorkerView(parsed.Value.Spec));
    }

    [Fact]
    public void The_wire_uses_the_drafts_names_in_snake_case()
    {
        var task = JsonNode.Parse(WorkerTaskWire.RequestBody(Chunk, 1))!["task"]!;

        Assert.Equal("j1-t1", (string?)task["id"]);
        Assert.Equal("/media/in/a b.ts", (string?)task["src_filename"]);
        Assert.Equal(Md5A, (string?)task["src_file_id"]);
        Assert.Equal("/media/out/.transcode-j1", (string?)task["dst_dir"]);
        Assert.Equal("video-0001.mkv", (string?)task["dst_filename"]);
        Assert.Equal("matroska", (string?)task["dst_format"]);
        Assert.Equal(Md5B, (string?)task["map_file_id"]);
        Assert.Equal("luts/x.pgm", (string?)task["map_tables"]![0]!["name"]);
        Assert.Equal(9.98, (double)task["cuts"]![0]!["video_trim_start"]!);
        Assert.Equal(true, (bool?)task["video"]!["no_b_frames"]);
        Assert.Equal(10, (double)task["from_time"]!);
        Assert.Equal(20, (double)task["to_time"]!);
    }

    [Fact]
    public void The_attempts_file_token_travels_as_file_token_and_reads_back()
    {
        var spec = Chunk with { FileToken = "Zm9vYmFy-0123456789_abcdefABCDEF" };

        var body = WorkerTaskWire.RequestBody(spec, 2);

        Assert.Equal(spec.FileToken, (string?)JsonNode.Parse(body)!["task"]!["file_token"]);
        Assert.Equal(spec.FileToken, WorkerTaskWire.Parse(body).Value.Spec.FileToken);
    }

    private static Failure? Refusal(Action<JsonObject> change)
    {
        var body = JsonNode.Parse(WorkerTaskWire.RequestBody(Chunk, 1))!.AsObject();
        change(body["task"]!.AsObject());
        return WorkerTaskWire.Parse(Encoding.UTF8.GetBytes(body.ToJsonString())).Error;
    }

    public static TheoryData<string, string, string> BadValues => new()
    {
        { "src_filename", "\"media/in/a.ts\"", "absolute" },
        { "src_filename", "\"/media/../etc/passwd\"", ".." },
        { "dst_dir", "\"/media/out\\nx\"", "control" },
        { "dst_filename", "\"../x.mkv\"", "plain file name" },
        { "src_file_id", "\"not-an-md5\"", "MD5" },
        { "kind", "\"shell\"", "unknown kind" },
        { "dst_format", "\"image2\"", "muxer" },
        { "id", "\"a/b\"", "id" },
        { "attempt", "0", "attempt" },
        { "duration", "0", "duration" },
        { "map_tables", "[{\"name\":\"../x.pgm\",\"filename\":\"/m/x.pgm\",\"file_id\":null}]", "name" },
        { "parts", "[{\"filename\":\"/w/p.mkv\",\"file_id\":null}]", "only a join" },
        { "file_token", "\"short\"", "16..128" },
        { "file_token", "\"0123456789abcdef\\r\\nX-Evil: 1\"", "16..128" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void Bad_values_are_refused_with_minus_4_naming_the_field(string field, string json, string fragment)
    {
        var error = Refusal(t => t[field] = JsonNode.Parse(json));

        Assert.NotNull(error);
        Assert.Equal(ErrorCode.InvalidValue, error.Code);
        Assert.Contains("task." + field, error.Message);
        Assert.Contains(fragment, error.Message);
    }

    [Fact]
    public void A_join_without_parts_and_a_map_id_without_a_map_are_refused()
    {
        var body = JsonNode.Parse(WorkerTaskWire.RequestBody(Join, 1))!.AsObject();
        body["task"]!["parts"] = null;
        Assert.Equal(ErrorCode.InvalidValue, WorkerTaskWire.Parse(Encoding.UTF8.GetBytes(body.ToJsonString())).Error!.Code);

        var noMap = Refusal(t => t["map_filename"] = null);
        Assert.Equal(ErrorCode.InvalidValue, noMap!.Code);
        Assert.Contains("map_filename", noMap.Message);
    }

    [Fact]
    public void Unknown_codecs_are_refused()
    {
        var error = Refusal(t => t["video"]!["codec"] = "x264 -i /etc/passwd");
        Assert.Equal(ErrorCode.InvalidValue, error!.Code);
        Assert.Contains("task.video", error.Message);
    }

    [Fact]
    public void Shape_errors_have_their_own_codes()
    {
        Assert.Equal(ErrorCode.InvalidJson, WorkerTaskWire.Parse("{\"type\":0,"u8).Error!.Code);
        Assert.Equal(ErrorCode.InvalidRequest, WorkerTaskWire.Parse("{\"type\":0}"u8).Error!.Code);
        Assert.Equal(ErrorCode.InvalidRequest, WorkerTaskWire.Parse("{\"type\":1,\"task\":{}}"u8).Error!.Code);
        Assert.Equal(ErrorCode.InvalidRequest, Refusal(t => t.Remove("dst_dir"))!.Code);
        Assert.Equal(ErrorCode.InvalidRequest, Refusal(t => t["attempt"] = "one")!.Code);
    }

    /// <summary>
    /// Combinations the master never sends and ffmpeg cannot run (filters on a copied stream, a copied range that is
    /// not a key-frame cut, a map on video that is not encoded): refused at add_task with -4, not retried as -1.
    /// </summary>
    public static TheoryData<string, string, string> ImpossibleTasks => new()
    {
        { "transcode", """{"cuts":[{"from":1,"to":2,"seek":0,"video_trim_start":1,"audio_trim_start":1,"frames":null,"duration":1}],"video":{"action":"copy"}}""", "copy" },
        { "transcode", """{"cuts":[{"from":1,"to":2,"seek":0,"video_trim_start":1,"audio_trim_start":1,"frames":null,"duration":1}],"audio":{"action":"copy"}}""", "copy" },
        { "transcode", """{"keyframe_cuts":true,"cuts":[{"from":1,"to":2,"seek":0,"video_trim_start":1,"audio_trim_start":1,"frames":null,"duration":1}],"video":{"action":"copy"}}""", "keyframe_cuts" },
        { "video", """{"keyframe_cuts":true,"video":{"action":"encode","codec":"h264"}}""", "keyframe_cuts" },
        { "video", """{"video":{"action":"copy"}}""", "copy" },
        { "join", """{"keyframe_cuts":false,"video":{"action":"encode","codec":"h264"}}""", "join" },
    };

    [Theory]
    [MemberData(nameof(ImpossibleTasks))]
    public void Tasks_ffmpeg_cannot_run_are_refused_with_minus_4(string sample, string changes, string fragment)
    {
        var spec = sample switch { "transcode" => WholeCopy, "video" => KeyframePart with { KeyframeCuts = false, Video = VideoOp.Copy }, _ => Join };
        if (sample == "video" && changes.Contains("keyframe_cuts")) spec = KeyframePart;
        var body = JsonNode.Parse(WorkerTaskWire.RequestBody(spec, 1))!.AsObject();
        foreach (var (key, value) in JsonNode.Parse(changes)!.AsObject().ToList())
            body["task"]![key] = value?.DeepClone();

        var error = WorkerTaskWire.Parse(Encoding.UTF8.GetBytes(body.ToJsonString())).Error;

        Assert.NotNull(error);
        Assert.Equal(ErrorCode.InvalidValue, error.Code);
        Assert.Contains(fragment, error.Message);
    }

    [Fact]
    public void A_map_on_video_that_is_not_encoded_is_refused_with_minus_4()
    {
        var error = Refusal(t => t["video"] = JsonNode.Parse("""{"action":"copy"}"""));

        Assert.NotNull(error);
        Assert.Equal(ErrorCode.InvalidValue, error.Code);
        Assert.Contains("map", error.Message);
    }

    public static TheoryData<string, string> NullFields => new()
    {
        { "src_filename", "src_filename" }, { "dst_dir", "dst_dir" }, { "dst_filename", "dst_filename" },
        { "dst_format", "dst_format" }, { "video", "video" }, { "audio", "audio" }, { "job_id", "job_id" },
        { "video.action", "video.action" }, { "cuts[0]", "cuts[0]" }, { "map_tables[1]", "map_tables[1]" },
    };

    /// <summary>JSON null in a required field is a malformed task (-2), as a missing one is; it never reaches a path check.</summary>
    [Theory]
    [MemberData(nameof(NullFields))]
    public void A_required_field_sent_as_null_is_refused_with_minus_2(string path, string named)
    {
        var error = Refusal(t =>
        {
            var parts = path.Replace("]", "").Split('.', '[');
            JsonNode node = t;
            for (var i = 0; i < parts.Length - 1; i++) node = int.TryParse(parts[i], out var k) ? node[k]! : node[parts[i]]!;
            if (int.TryParse(parts[^1], out var at)) node.AsArray()[at] = null;
            else node[parts[^1]] = null;
        });

        Assert.NotNull(error);
        Assert.Equal(ErrorCode.InvalidRequest, error.Code);
        Assert.Contains($"task.{named}", error.Message);
    }
}
