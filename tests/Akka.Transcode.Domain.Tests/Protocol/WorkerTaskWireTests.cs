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

    // Output groups (issue 19). A ladder's chunk spanning two of the job's cuts, encoded once per rendition (capped
    // bitrate, capped crf), a key frame forced at every segment boundary inside it.
    private static readonly VideoOp R720 = new(StreamAction.Encode, "h264", null, null, 3_000_000, 1280, 720, false, 4_500_000);
    private static readonly VideoOp R360 = new(StreamAction.Encode, "h264", 24, "fast", null, 640, 360, false, 1_200_000);
    private static readonly TaskSpec LadderChunk = new()
    {
        TaskId = "j4-t1", JobId = "j4", Index = 1, Kind = TaskKind.Video, SourcePath = "/media/in/a b.ts",
        Cuts = [new SourceCut(10, 16, 4, 9.98, 10, 180, 6), new SourceCut(30, 32, 24, 29.98, 30, 60, 2)],
        OutputPath = "/media/out/.transcode-j4/abr-0001.mkv", Muxer = "matroska", Video = R720, Renditions = [R720, R360],
        Audio = AudioOp.Drop, Duration = 8, Weight = 8, ForcedKeyframes = [0, 3.991667, 7.991667], OutputName = "abr",
        FileIds = new Dictionary<string, string> { ["/media/in/a b.ts"] = Md5A },
    };

    // The second rendition's join: its track of every chunk, one fragment per key frame, so one per segment.
    private static readonly TaskSpec FragmentedJoin = new()
    {
        TaskId = "j4-t5", JobId = "j4", Index = 5, Kind = TaskKind.Join, SourcePath = "/media/in/a b.ts",
        VideoParts = ["/media/out/.transcode-j4/abr-0000.mkv", "/media/out/.transcode-j4/abr-0001.mkv"], VideoTrack = 1,
        OutputPath = "/media/out/.transcode-j4/abr-360p.mp4", Muxer = "mp4", Video = VideoOp.Copy, Audio = AudioOp.Drop,
        Duration = 16, Weight = 1, FragmentSeconds = 0, OutputName = "abr",
        FileIds = new Dictionary<string, string>
        {
            ["/media/out/.transcode-j4/abr-0000.mkv"] = Md5A, ["/media/out/.transcode-j4/abr-0001.mkv"] = Md5B,
        },
    };

    // An audio rendition: AAC straight into fMP4, a fragment every segment.
    private static readonly TaskSpec AudioFmp4 = new()
    {
        TaskId = "j4-t6", JobId = "j4", Index = 6, Kind = TaskKind.Audio, SourcePath = "/media/in/a b.ts",
        Cuts = [new SourceCut(4, 16, 0, 3.98, 4, null, 12), new SourceCut(30, 34, 24, 29.98, 30, null, 4)],
        OutputPath = "/media/out/.transcode-j4/abr-audio-128k.mp4", Muxer = "mp4", Video = VideoOp.Drop,
        Audio = new AudioOp(StreamAction.Encode, "aac", 128_000), Duration = 16, Weight = 1, FragmentSeconds = 4, OutputName = "abr",
    };

    private static readonly TaskSpec Thumbnails = new()
    {
        TaskId = "j4-t7", JobId = "j4", Index = 7, Kind = TaskKind.Thumbnails, SourcePath = "/media/in/a b.ts",
        Cuts = [new SourceCut(4, 16, 0, 3.98, 4, 360, 12), new SourceCut(30, 34, 24, 29.98, 30, 120, 4)],
        OutputPath = "/media/out/.transcode-j4/thumbs-stills.jpeg", Muxer = "image2pipe",
        Video = new VideoOp(StreamAction.Encode, "jpeg", Width: 320, Height: 180), Audio = AudioOp.Drop,
        Duration = 16, Weight = 0.5, Stills = new StillsOp(5, 320, 180, "jpeg", 4, 10, 1), OutputName = "thumbs",
        FileIds = new Dictionary<string, string> { ["/media/in/a b.ts"] = Md5A },
    };

    // The sheet goes straight into the job's temporary output directory; its input is the thumbnails task's output.
    private static readonly TaskSpec Sprite = new()
    {
        TaskId = "j4-t8", JobId = "j4", Index = 8, Kind = TaskKind.Sprite, SourcePath = "/media/in/a b.ts",
        VideoParts = ["/media/out/.transcode-j4/thumbs-stills.jpeg"],
        OutputPath = "/media/out/.a b.j4.tmp/thumbs/sprite.jpg", Muxer = "image2",
        Video = new VideoOp(StreamAction.Encode, "jpeg", Width: 320, Height: 180), Audio = AudioOp.Drop,
        Duration = 16, Weight = 0.1, Stills = new StillsOp(5, 320, 180, "jpeg", 4, 10, 1), OutputName = "thumbs",
        DependsOn = [7], FileIds = new Dictionary<string, string> { ["/media/out/.transcode-j4/thumbs-stills.jpeg"] = Md5B },
    };

    public static TheoryData<string> Kinds => new()
    {
        "chunk", "join", "copy", "keyframe", "keyframe-join", "audio",
        "ladder-chunk", "fragmented-join", "audio-fmp4", "thumbnails", "sprite",
    };

    private static TaskSpec Sample(string name) => name switch
    {
        "chunk" => Chunk, "join" => Join, "copy" => WholeCopy, "keyframe" => KeyframePart, "keyframe-join" => KeyframeJoin,
        "audio" => AudioTask, "ladder-chunk" => LadderChunk, "fragmented-join" => FragmentedJoin, "audio-fmp4" => AudioFmp4,
        "thumbnails" => Thumbnails, "sprite" => Sprite,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>The fields a worker acts on, as one comparable text (collections compare by content).</summary>
    private static string WorkerView(TaskSpec t) => JsonSerializer.Serialize(new
    {
        t.TaskId, t.JobId, t.Index, t.Kind, t.SourcePath, t.Cuts, t.KeyframeCuts, t.VideoParts, t.AudioPart, t.OutputPath,
        t.Muxer, t.Video, t.Audio, t.Duration, t.MapPath, t.MapTables, FileIds = t.FileIds.OrderBy(kv => kv.Key).ToList(),
        t.ForcedKeyframes, t.FragmentSeconds, t.Stills, t.OutputName, t.Renditions, t.VideoTrack,
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

    /// <summary>
    /// Every task the planner makes for an output group (file, ladder chunks and joins, audio, thumbnails, sprite),
    /// with file ids as the master sets them, reads back on a worker as planned: an HTTP worker can run them all.
    /// </summary>
    [Fact]
    public void Every_task_of_a_planned_output_group_reads_back_as_planned()
    {
        var spec = Planning.OutputGroupPlannerTests.Group("1-20:30-45", Planning.OutputGroupPlannerTests.Ladder(),
            Planning.OutputGroupPlannerTests.Thumbs(format: "webp"), Planning.OutputGroupPlannerTests.File());
        var plan = Planning.OutputGroupPlannerTests.Planned(spec, options: new Domain.Planning.PlanningOptions(10, 2));
        Assert.Contains(plan.Tasks, t => t.Kind == TaskKind.Sprite);
        Assert.Contains(plan.Tasks, t => t.Renditions.Count > 1);

        foreach (var planned in plan.Tasks)
        {
            var ids = new[] { planned.SourcePath }.Concat(planned.VideoParts).ToDictionary(p => p, _ => Md5A);
            var task = planned with { FileIds = ids };

            var parsed = WorkerTaskWire.Parse(WorkerTaskWire.RequestBody(task, 1));

            Assert.True(parsed.IsOk, $"{task.TaskId} ({task.Kind.Wire()}): {parsed.Error?.Message}");
            Assert.Equal(WorkerView(task), WorkerView(parsed.Value.Spec));
        }
    }

    [Fact]
    public void A_still_format_is_a_codec_of_stills_tasks_only()
    {
        var chunk = JsonNode.Parse(WorkerTaskWire.RequestBody(Chunk, 1))!;
        chunk["task"]!["video"]!["codec"] = "jpeg";

        var parsed = WorkerTaskWire.Parse(Encoding.UTF8.GetBytes(chunk.ToJsonString()));

        Assert.False(parsed.IsOk);
        Assert.Contains("image format", parsed.Error!.Message);
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
        { "dst_format", "\"image2\"", "only it" },
        { "dst_format", "\"hls\"", "muxer" },
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

    /// <summary>A rendition sent as null, or without its action, is a malformed task (-2), like <c>video</c>.</summary>
    [Theory]
    [InlineData("""{"renditions":[null]}""", "task.renditions[0]")]
    [InlineData("""{"renditions":[{"action":null}]}""", "task.renditions[0].action")]
    public void A_null_rendition_is_refused_with_minus_2(string changes, string named)
    {
        var error = RefusalOf("ladder-chunk", changes);

        Assert.NotNull(error);
        Assert.Equal(ErrorCode.InvalidRequest, error.Code);
        Assert.Contains(named, error.Message);
    }

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

    [Fact]
    public void The_output_group_fields_travel_in_snake_case()
    {
        var chunk = JsonNode.Parse(WorkerTaskWire.RequestBody(LadderChunk, 1))!["task"]!;
        var join = JsonNode.Parse(WorkerTaskWire.RequestBody(FragmentedJoin, 1))!["task"]!;
        var sprite = JsonNode.Parse(WorkerTaskWire.RequestBody(Sprite, 1))!["task"]!;

        Assert.Equal([0, 3.991667, 7.991667], chunk["forced_keyframes"]!.AsArray().Select(n => (double)n!));
        Assert.Equal(4_500_000, (long)chunk["video"]!["max_bitrate"]!);
        Assert.Equal([720, 360], chunk["renditions"]!.AsArray().Select(r => (int)r!["height"]!));
        Assert.Equal(24, (int)chunk["renditions"]![1]!["crf"]!);
        Assert.Equal(1, (int)join["video_track"]!);
        Assert.Null(chunk["video_track"]);
        Assert.Null(join["renditions"]);
        Assert.Equal("abr", (string?)chunk["output_name"]);
        Assert.Null(chunk["fragment_seconds"]);
        // 0 is a value (a fragment per key frame), not "plain MP4": it must not be left out like a null.
        Assert.Equal(0, (double)join["fragment_seconds"]!);
        Assert.Equal("sprite", (string?)sprite["kind"]);
        Assert.Equal("image2", (string?)sprite["dst_format"]);
        Assert.Equal("/media/out/.a b.j4.tmp/thumbs", (string?)sprite["dst_dir"]);
        Assert.Equal(Md5B, (string?)sprite["parts"]![0]!["file_id"]);
        Assert.Equal(5, (double)sprite["stills"]!["interval_seconds"]!);
        Assert.Equal("jpeg", (string?)sprite["stills"]!["format"]);
        Assert.Equal(10, (int)sprite["stills"]!["columns"]!);
    }

    /// <summary>Sets each field of <paramref name="changes"/> on the sample's task object, merging into nested objects.</summary>
    private static Failure? RefusalOf(string sample, string changes)
    {
        var body = JsonNode.Parse(WorkerTaskWire.RequestBody(Sample(sample), 1))!.AsObject();
        Merge(body["task"]!.AsObject(), JsonNode.Parse(changes)!.AsObject());
        return WorkerTaskWire.Parse(Encoding.UTF8.GetBytes(body.ToJsonString())).Error;

        static void Merge(JsonObject into, JsonObject from)
        {
            foreach (var (key, value) in from.ToList())
                if (value is JsonObject inner && into[key] is JsonObject existing) Merge(existing, inner);
                else into[key] = value?.DeepClone();
        }
    }

    private static string Many(int n, Func<int, double> at) => "[" + string.Join(",", Enumerable.Range(0, n).Select(i => at(i).ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";

    /// <summary>Hostile or impossible values of the output-group fields: each -4, naming the field and what is wrong.</summary>
    public static TheoryData<string, string, string, string> BadOutputGroupValues => new()
    {
        { "ladder-chunk", """{"forced_keyframes":[0,4,4]}""", "task.forced_keyframes", "strictly increasing" },
        { "ladder-chunk", """{"forced_keyframes":[0,5,4]}""", "task.forced_keyframes", "strictly increasing" },
        { "ladder-chunk", """{"forced_keyframes":[-1,2]}""", "task.forced_keyframes", "finite" },
        { "ladder-chunk", """{"forced_keyframes":[0,8.5]}""", "task.forced_keyframes", "duration" },
        { "ladder-chunk", $$"""{"forced_keyframes":{{Many(WorkerTaskWire.MaxForcedKeyframes + 1, i => i * 0.0001)}}}""", "task.forced_keyframes", "at most" },
        { "audio-fmp4", """{"forced_keyframes":[0,4]}""", "task.forced_keyframes", "only encoded video" },
        { "keyframe", """{"forced_keyframes":[0]}""", "task.forced_keyframes", "only encoded video" },
        { "ladder-chunk", """{"video":{"max_bitrate":0}}""", "task.video", "max_bitrate" },
        { "ladder-chunk", """{"video":{"max_bitrate":-4500000}}""", "task.video", "max_bitrate" },
        { "ladder-chunk", """{"fragment_seconds":2}""", "task.fragment_seconds", "only an mp4" },
        { "audio-fmp4", """{"fragment_seconds":-4}""", "task.fragment_seconds", "null, 0" },
        { "audio-fmp4", """{"fragment_seconds":1000000}""", "task.fragment_seconds", "up to" },
        { "thumbnails", """{"stills":{"format":"png"}}""", "task.stills", "unknown format" },
        { "thumbnails", """{"stills":{"format":"jpeg -i /etc/passwd"}}""", "task.stills", "unknown format" },
        { "thumbnails", """{"stills":{"interval_seconds":0}}""", "task.stills", "interval_seconds" },
        { "thumbnails", """{"stills":{"interval_seconds":-5}}""", "task.stills", "interval_seconds" },
        { "thumbnails", """{"stills":{"width":8}}""", "task.stills", "16..16384" },
        { "thumbnails", """{"stills":{"height":100000}}""", "task.stills", "16..16384" },
        { "thumbnails", """{"stills":{"count":0}}""", "task.stills", "count" },
        { "thumbnails", """{"stills":{"count":100000000}}""", "task.stills", "count" },
        { "thumbnails", """{"stills":{"columns":-1}}""", "task.stills", "negative" },
        { "thumbnails", """{"stills":null}""", "task.stills", "needs stills" },
        { "thumbnails", """{"dst_format":"mp4"}""", "task.dst_format", "only it" },
        { "thumbnails", """{"keyframe_cuts":true}""", "task.keyframe_cuts", "keyframe_cuts" },
        { "thumbnails", """{"parts":[{"filename":"/w/p.jpeg"}]}""", "task.parts", "only a join or a sprite" },
        { "sprite", """{"stills":{"columns":0}}""", "task.stills", "grid" },
        { "sprite", """{"stills":{"columns":1,"rows":3}}""", "task.stills", "grid" },
        { "sprite", """{"stills":{"columns":60,"width":320}}""", "task.stills", "pixels" },
        { "sprite", """{"stills":{"rows":100,"height":180}}""", "task.stills", "pixels" },
        { "sprite", """{"parts":[]}""", "task.parts", "exactly one part" },
        { "sprite", """{"parts":[{"filename":"/w/a.jpeg"},{"filename":"/w/b.jpeg"}]}""", "task.parts", "exactly one part" },
        { "sprite", """{"audio_part":{"filename":"/w/a.flac"}}""", "task.parts", "exactly one part" },
        { "sprite", """{"parts":[{"filename":"/w/../../etc/passwd"}]}""", "task.parts[0].filename", ".." },
        { "sprite", """{"cuts":[{"from":1,"to":2,"seek":0,"video_trim_start":1,"audio_trim_start":1,"frames":null,"duration":1}]}""", "task.cuts", "no cuts" },
        { "sprite", """{"dst_format":"image2pipe"}""", "task.dst_format", "only it" },
        { "sprite", """{"map_filename":"/media/maps/cam.json"}""", "task.map_filename", "stitching map" },
        { "chunk", """{"stills":{"interval_seconds":5,"width":320,"height":180,"format":"jpeg","count":4,"columns":10,"rows":1}}""", "task.stills", "only a thumbnails or sprite" },
        { "chunk", """{"dst_format":"image2"}""", "task.dst_format", "only it" },
        { "chunk", """{"output_name":"../abr"}""", "task.output_name", "[A-Za-z0-9_-]" },
        { "chunk", """{"output_name":""}""", "task.output_name", "[A-Za-z0-9_-]" },
        { "ladder-chunk", """{"renditions":[]}""", "task.renditions", "1..8" },
        { "ladder-chunk", $$"""{"renditions":[{{string.Join(",", Enumerable.Repeat(R720Json, 9))}}]}""", "task.renditions", "1..8" },
        { "ladder-chunk", """{"renditions":[{"action":"copy"}]}""", "task.renditions[0]", "h264" },
        { "ladder-chunk", $$"""{"renditions":[{{R720Json}},{"action":"encode","codec":"hevc","bitrate":800000,"width":640,"height":360}]}""", "task.renditions[1]", "h264" },
        { "ladder-chunk", $$"""{"renditions":[{{R720Json}},{"action":"encode","codec":"h264","bitrate":800000,"width":640}]}""", "task.renditions[1]", "width and height" },
        { "ladder-chunk", $$"""{"renditions":[{{R720Json}},{"action":"encode","codec":"h264","bitrate":800000,"width":8,"height":360}]}""", "task.renditions[1]", "16..16384" },
        { "ladder-chunk", $$"""{"renditions":[{{R720Json}},{"action":"encode","codec":"h264","preset":"placebo -i x","width":640,"height":360}]}""", "task.renditions[1]", "preset" },
        { "ladder-chunk", """{"renditions":[{"action":"encode","codec":"h264","bitrate":800000,"width":640,"height":360}]}""", "task.renditions", "first rendition" },
        { "ladder-chunk", """{"forced_keyframes":null}""", "task.renditions", "ladder chunk" },
        { "ladder-chunk", """{"audio":{"action":"encode","codec":"aac"}}""", "task.renditions", "ladder chunk" },
        { "ladder-chunk", """{"video_track":1}""", "task.video_track", "only on a join" },
        { "audio-fmp4", $$"""{"renditions":[{{R720Json}}]}""", "task.renditions", "ladder chunk" },
        { "fragmented-join", $$"""{"renditions":[{{R720Json}}]}""", "task.renditions", "ladder chunk" },
        { "fragmented-join", """{"video_track":8}""", "task.video_track", "0..7" },
        { "fragmented-join", """{"video_track":-1}""", "task.video_track", "0..7" },
    };

    private const string R720Json = """{"action":"encode","codec":"h264","bitrate":3000000,"width":1280,"height":720,"max_bitrate":4500000}""";

    [Theory]
    [MemberData(nameof(BadOutputGroupValues))]
    public void Bad_output_group_values_are_refused_with_minus_4(string sample, string changes, string field, string fragment)
    {
        var error = RefusalOf(sample, changes);

        Assert.NotNull(error);
        Assert.Equal(ErrorCode.InvalidValue, error.Code);
        Assert.Contains(field, error.Message);
        Assert.Contains(fragment, error.Message);
    }

    [Fact]
    public void A_thumbnails_task_may_carry_the_jobs_map()
    {
        var spec = Thumbnails with { MapPath = "/media/maps/cam.json", FileIds = new Dictionary<string, string> { ["/media/maps/cam.json"] = Md5B } };

        var parsed = WorkerTaskWire.Parse(WorkerTaskWire.RequestBody(spec, 1));

        Assert.True(parsed.IsOk, parsed.Error?.Message);
        Assert.Equal("/media/maps/cam.json", parsed.Value.Spec.MapPath);
    }

    [Fact]
    public void Stills_without_a_format_are_a_malformed_task()
    {
        var error = RefusalOf("thumbnails", """{"stills":{"format":null}}""");

        Assert.NotNull(error);
        Assert.Equal(ErrorCode.InvalidRequest, error.Code);
        Assert.Contains("task.stills.format", error.Message);
    }

    [Fact]
    public void A_number_too_large_for_a_double_is_refused()
    {
        var error = RefusalOf("ladder-chunk", """{"forced_keyframes":[0,1e400]}""");

        Assert.NotNull(error);
        Assert.Contains("task.forced_keyframes", error.Message);
    }

    /// <summary>docs/worker-protocol.md's add_task examples (a chunk, a ladder chunk, a sprite) are tasks a worker takes.</summary>
    [Fact]
    public void The_documented_add_task_examples_are_accepted()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Akka.Transcode.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var doc = File.ReadAllText(Path.Combine(dir.FullName, "docs", "worker-protocol.md"));
        var section = doc[doc.IndexOf("### `POST /worker/add_task`", StringComparison.Ordinal)..doc.IndexOf("#### The task object", StringComparison.Ordinal)];

        var examples = System.Text.RegularExpressions.Regex.Matches(section, "```json\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline)
            .Select(m => WorkerTaskWire.Parse(Encoding.UTF8.GetBytes(m.Groups[1].Value))).ToList();

        Assert.Equal(3, examples.Count);
        Assert.All(examples, e => Assert.True(e.IsOk, e.Error?.Message));
        Assert.Equal([TaskKind.Video, TaskKind.Video, TaskKind.Sprite], examples.Select(e => e.Value.Spec.Kind));
        Assert.Equal([0, 4], examples[1].Value.Spec.ForcedKeyframes);
        Assert.Equal([(1280, 720), (640, 360)], examples[1].Value.Spec.Renditions.Select(r => (r.Width!.Value, r.Height!.Value)));
        Assert.Equal(examples[1].Value.Spec.Video, examples[1].Value.Spec.Renditions[0]);
        Assert.Equal(new StillsOp(10, 320, 180, "jpeg", 12, 10, 2), examples[2].Value.Spec.Stills);
    }
}
