using System.Text.Json;
using System.Text.RegularExpressions;
using Akka.Transcode.Domain.Outputs;
using Akka.Transcode.Protocol;
using Akka.Transcode.Protocol.Requests;

namespace Akka.Transcode.Domain.Tests.Protocol;

/// <summary>add_job's <c>outputs</c>: every rule as a row (body, err_code, message), then the values it reads.</summary>
public class OutputsReaderTests
{
    private const string Job = "\"src_filename\":\"in.ts\",\"dst_dir\":\"/tmp/\"";
    private const string Ladder = "{\"type\":\"cmaf\",\"renditions\":[{\"height\":720,\"video_bitrate\":\"3000k\"}]}";

    private static string AddJob(string extraJobFields) => $"{{\"type\":0,\"job\":{{{Job}{extraJobFields}}}}}";
    private static string WithOutputs(string outputs) => AddJob($",\"outputs\":{outputs}");
    private static string WithEntry(string entry) => WithOutputs($"[{entry}]");
    private static string WithRendition(string rendition) => WithEntry($"{{\"type\":\"hls\",\"renditions\":[{rendition}]}}");
    private static string WithRenditions(params string[] renditions) =>
        WithEntry($"{{\"type\":\"hls\",\"renditions\":[{string.Join(',', renditions)}]}}");
    private static string WithThumbnails(string fields) => WithEntry($"{{\"type\":\"thumbnails\"{fields}}}");

    public static TheoryData<string, ErrorCode, string> Rows => new()
    {
        // accepted
        { WithOutputs("\"abr-16x9\""), ErrorCode.Ok, "" },
        { WithOutputs("\"ABR-16x9\""), ErrorCode.Ok, "" },
        { WithOutputs($"[{Ladder},{{\"type\":\"thumbnails\",\"sprite\":true}},{{\"type\":\"file\",\"format\":\"mp4\",\"crf\":20}}]"), ErrorCode.Ok, "" },
        { WithEntry("{\"type\":\"dash\",\"segment_seconds\":2.5,\"no_upscale\":false,\"renditions\":[{\"width\":640,\"video_bitrate\":800000}]}"), ErrorCode.Ok, "" },
        { WithRendition("{\"name\":\"hd\",\"width\":1280,\"height\":720,\"video_bitrate\":\"3M\",\"max_bitrate\":\"3M\",\"crf\":21,\"audio_bitrate\":\"96k\"}"), ErrorCode.Ok, "" },
        { AddJob($",\"segments\":\"1-5:8-12\",\"map_filename\":\"map.txt\",\"outputs\":[{Ladder}]"), ErrorCode.Ok, "" },
        { WithOutputs($"[{Ladder},{{\"type\":\"hls\",\"renditions\":[{{\"height\":360,\"video_bitrate\":\"800k\"}}]}}]"), ErrorCode.Ok, "" },
        { WithOutputs(string.Join(',', Enumerable.Range(0, 16).Select(i => $"{{\"type\":\"thumbnails\",\"name\":\"t{i}\"}}")).Insert(0, "[") + "]"), ErrorCode.Ok, "" },
        // the job-level output fields belong to a file entry when there are outputs; without outputs nothing changes
        { AddJob($",\"dst_format\":\"mp4\",\"outputs\":[{Ladder}]"), ErrorCode.InvalidValue, "job.dst_format: not allowed with outputs" },
        { AddJob($",\"video_codec\":\"h264\",\"outputs\":[{Ladder}]"), ErrorCode.InvalidValue, "job.video_codec: not allowed with outputs" },
        { AddJob($",\"height\":720,\"outputs\":\"abr-16x9\""), ErrorCode.InvalidValue, "job.height: not allowed with outputs" },
        { AddJob(""), ErrorCode.InvalidRequest, "job.dst_format: required field is missing" },
        { AddJob(",\"dst_format\":\"mp4\",\"outputs\":null"), ErrorCode.Ok, "" },
        // the outputs field itself
        { WithOutputs("5"), ErrorCode.InvalidRequest, "job.outputs: expected an array of outputs or a preset name, got number" },
        { WithOutputs("{}"), ErrorCode.InvalidRequest, "job.outputs: expected an array of outputs or a preset name, got object" },
        { WithOutputs("[]"), ErrorCode.InvalidValue, "job.outputs: 0 outputs; 1..16 are allowed" },
        { WithOutputs(string.Join(',', Enumerable.Range(0, 17).Select(i => $"{{\"type\":\"thumbnails\",\"name\":\"t{i}\"}}")).Insert(0, "[") + "]"), ErrorCode.InvalidValue, "job.outputs: 17 outputs; 1..16 are allowed" },
        { WithOutputs("[\"abr-16x9\"]"), ErrorCode.InvalidRequest, "job.outputs[0]: expected an object, got string" },
        { WithOutputs("\"nope\""), ErrorCode.InvalidValue, "job.outputs: unknown preset 'nope' (known: abr-16x9)" },
        // every entry
        { WithEntry("{\"name\":\"x\"}"), ErrorCode.InvalidRequest, "job.outputs[0].type: required field is missing" },
        { WithEntry("{\"type\":\"mpd\"}"), ErrorCode.InvalidValue, "job.outputs[0].type: unsupported output type 'mpd' (expected one of file, cmaf, hls, dash, thumbnails)" },
        { WithEntry("{\"type\":\"thumbnails\",\"name\":\"a/b\"}"), ErrorCode.InvalidValue, "job.outputs[0].name: 'a/b' is not a plain name" },
        { WithEntry("{\"type\":\"thumbnails\",\"name\":\"..\"}"), ErrorCode.InvalidValue, "job.outputs[0].name: '..' is not a plain name" },
        { WithEntry("{\"type\":\"thumbnails\",\"name\":\"\"}"), ErrorCode.InvalidValue, "job.outputs[0].name: '' is not a plain name" },
        { WithEntry($"{{\"type\":\"thumbnails\",\"name\":\"{new string('a', 65)}\"}}"), ErrorCode.InvalidValue, "job.outputs[0].name:" },
        { WithEntry("{\"type\":\"thumbnails\",\"name\":7}"), ErrorCode.InvalidRequest, "job.outputs[0].name: expected a string, got number" },
        { WithOutputs("[{\"type\":\"file\",\"format\":\"mp4\"},{\"type\":\"file\",\"format\":\"mkv\"}]"), ErrorCode.InvalidValue, "job.outputs[1].name: 'main' is already the name of outputs[0]" },
        { WithOutputs("[{\"type\":\"thumbnails\",\"name\":\"Pics\"},{\"type\":\"thumbnails\",\"name\":\"pics\"}]"), ErrorCode.InvalidValue, "job.outputs[1].name: 'pics' is already the name of outputs[0]" },
        // file entries: today's job fields
        { WithEntry("{\"type\":\"file\"}"), ErrorCode.InvalidRequest, "job.outputs[0].format: required field is missing" },
        { WithEntry("{\"type\":\"file\",\"format\":\"avi\"}"), ErrorCode.InvalidValue, "job.outputs[0].format: unsupported container 'avi'" },
        { WithEntry("{\"type\":\"file\",\"format\":\"flv\",\"video_codec\":\"vp9\"}"), ErrorCode.InvalidValue, "job.outputs[0].video_codec: vp9 cannot be written to flv (allowed: h264)" },
        { WithEntry("{\"type\":\"file\",\"format\":\"mp4\",\"crf\":64}"), ErrorCode.InvalidValue, "job.outputs[0].crf: 64 is out of range (0..63)" },
        { WithEntry("{\"type\":\"file\",\"format\":\"mp4\",\"video_bitrate\":\"fast\"}"), ErrorCode.InvalidValue, "job.outputs[0].video_bitrate: 'fast' is not a bitrate" },
        // ladders
        { WithEntry("{\"type\":\"hls\"}"), ErrorCode.InvalidRequest, "job.outputs[0].renditions: required field is missing" },
        { WithEntry("{\"type\":\"hls\",\"renditions\":{}}"), ErrorCode.InvalidRequest, "job.outputs[0].renditions: expected an array, got object" },
        { WithEntry("{\"type\":\"hls\",\"renditions\":[]}"), ErrorCode.InvalidValue, "job.outputs[0].renditions: 0 renditions; 1..8 are allowed" },
        { WithRenditions(Enumerable.Range(1, 9).Select(i => $"{{\"height\":{i * 100},\"video_bitrate\":\"{i}M\"}}").ToArray()), ErrorCode.InvalidValue, "job.outputs[0].renditions: 9 renditions; 1..8 are allowed" },
        { WithEntry("{\"type\":\"hls\",\"segment_seconds\":0.5,\"renditions\":[{\"height\":720,\"video_bitrate\":\"3M\"}]}"), ErrorCode.InvalidValue, "job.outputs[0].segment_seconds: 0.5 is out of range (1..30)" },
        { WithEntry("{\"type\":\"hls\",\"segment_seconds\":31,\"renditions\":[{\"height\":720,\"video_bitrate\":\"3M\"}]}"), ErrorCode.InvalidValue, "job.outputs[0].segment_seconds: 31 is out of range (1..30)" },
        { WithEntry("{\"type\":\"hls\",\"segment_seconds\":\"4\",\"renditions\":[{\"height\":720,\"video_bitrate\":\"3M\"}]}"), ErrorCode.InvalidRequest, "job.outputs[0].segment_seconds: expected a number, got string" },
        { WithEntry("{\"type\":\"hls\",\"video_codec\":\"hevc\",\"renditions\":[{\"height\":720,\"video_bitrate\":\"3M\"}]}"), ErrorCode.InvalidValue, "job.outputs[0].video_codec: 'hevc': ladders are h264 only for now" },
        { WithEntry("{\"type\":\"hls\",\"no_upscale\":\"yes\",\"renditions\":[{\"height\":720,\"video_bitrate\":\"3M\"}]}"), ErrorCode.InvalidRequest, "job.outputs[0].no_upscale: expected true or false, got string" },
        { WithRendition("{\"video_bitrate\":\"3M\"}"), ErrorCode.InvalidValue, "job.outputs[0].renditions[0].height: a rendition needs height or width (or both)" },
        { WithRendition("{\"height\":721,\"video_bitrate\":\"3M\"}"), ErrorCode.InvalidValue, "job.outputs[0].renditions[0].height: 721 must be even" },
        { WithRendition("{\"height\":8,\"video_bitrate\":\"3M\"}"), ErrorCode.InvalidValue, "job.outputs[0].renditions[0].height: 8 is out of range (16..8192)" },
        { WithRendition("{\"width\":8194,\"video_bitrate\":\"3M\"}"), ErrorCode.InvalidValue, "job.outputs[0].renditions[0].width: 8194 is out of range (16..8192)" },
        { WithRendition("{\"width\":641,\"video_bitrate\":\"3M\"}"), ErrorCode.InvalidValue, "job.outputs[0].renditions[0].width: 641 must be even" },
        { WithRendition("{\"height\":720}"), ErrorCode.InvalidRequest, "job.outputs[0].renditions[0].video_bitrate: required field is missing" },
        { WithRendition("{\"height\":720,\"video_bitrate\":\"fast\"}"), ErrorCode.InvalidValue, "job.outputs[0].renditions[0].video_bitrate: 'fast' is not a bitrate" },
        { WithRendition("{\"height\":720,\"video_bitrate\":\"3M\",\"max_bitrate\":\"2M\"}"), ErrorCode.InvalidValue, "job.outputs[0].renditions[0].max_bitrate: 2000000 bits/s is below video_bitrate (3000000)" },
        { WithRendition("{\"height\":720,\"video_bitrate\":\"3M\",\"crf\":52}"), ErrorCode.InvalidValue, "job.outputs[0].renditions[0].crf: 52 is out of range (0..51)" },
        { WithRendition("{\"height\":720,\"video_bitrate\":\"3M\",\"audio_bitrate\":\"8k\"}"), ErrorCode.InvalidValue, "job.outputs[0].renditions[0].audio_bitrate: 8000 bits/s is out of range (16000..512000)" },
        { WithRendition("{\"height\":720,\"video_bitrate\":\"3M\",\"audio_bitrate\":\"600k\"}"), ErrorCode.InvalidValue, "job.outputs[0].renditions[0].audio_bitrate: 600000 bits/s is out of range (16000..512000)" },
        { WithRendition("{\"height\":720,\"video_bitrate\":\"3M\",\"name\":\"audio-128k\"}"), ErrorCode.InvalidValue, "job.outputs[0].renditions[0].name: 'audio-128k': names starting with audio- are kept for the audio renditions" },
        { WithRendition("{\"height\":720,\"video_bitrate\":\"3M\",\"name\":\"7 20\"}"), ErrorCode.InvalidValue, "job.outputs[0].renditions[0].name: '7 20' is not a plain name" },
        { WithRenditions("{\"height\":720,\"video_bitrate\":\"3M\"}", "{\"height\":720,\"video_bitrate\":3000000,\"name\":\"again\"}"), ErrorCode.InvalidValue, "job.outputs[0].renditions[1].video_bitrate: renditions[0] has the same size and video_bitrate" },
        { WithRenditions("{\"height\":720,\"video_bitrate\":\"3M\"}", "{\"height\":720,\"video_bitrate\":\"2M\"}"), ErrorCode.InvalidValue, "job.outputs[0].renditions[1].name: '720p' is already the name of renditions[0]" },
        { WithRenditions("{\"height\":720,\"video_bitrate\":\"3M\"}", "\"x\""), ErrorCode.InvalidRequest, "job.outputs[0].renditions[1]: expected an object, got string" },
        // thumbnails
        { WithThumbnails(",\"interval_seconds\":0.4"), ErrorCode.InvalidValue, "job.outputs[0].interval_seconds: 0.4 is out of range (0.5..3600)" },
        { WithThumbnails(",\"interval_seconds\":3601"), ErrorCode.InvalidValue, "job.outputs[0].interval_seconds: 3601 is out of range (0.5..3600)" },
        { WithThumbnails(",\"format\":\"png\""), ErrorCode.InvalidValue, "job.outputs[0].format: unsupported image format 'png' (expected one of jpeg, webp)" },
        { WithThumbnails(",\"width\":1922"), ErrorCode.InvalidValue, "job.outputs[0].width: 1922 is out of range (16..1920)" },
        { WithThumbnails(",\"width\":321"), ErrorCode.InvalidValue, "job.outputs[0].width: 321 must be even" },
        { WithThumbnails(",\"height\":181"), ErrorCode.InvalidValue, "job.outputs[0].height: 181 must be even" },
        { WithThumbnails(",\"sprite_columns\":0"), ErrorCode.InvalidValue, "job.outputs[0].sprite_columns: 0 is out of range (1..50)" },
        { WithThumbnails(",\"sprite_columns\":51"), ErrorCode.InvalidValue, "job.outputs[0].sprite_columns: 51 is out of range (1..50)" },
        { WithThumbnails(",\"sprite\":\"true\""), ErrorCode.InvalidRequest, "job.outputs[0].sprite: expected true or false, got string" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Outputs_give_the_expected_code_and_message(string body, ErrorCode code, string message)
    {
        var failure = RequestParser.ParseAddJob(body).Error;

        Assert.Equal(code, failure?.Code ?? ErrorCode.Ok);
        if (code == ErrorCode.Ok) return;
        Assert.StartsWith(message, failure!.Message);
    }

    [Theory]
    [MemberData(nameof(CodecFields))]
    public void Every_job_level_codec_field_is_refused_with_outputs(string field)
    {
        var failure = RequestParser.ParseAddJob(AddJob($",\"{field}\":1,\"outputs\":\"abr-16x9\"")).Error;

        Assert.Equal(new Failure(ErrorCode.InvalidValue, $"job.{field}: not allowed with outputs: give it in a file entry of outputs"), failure);
    }

    public static TheoryData<string> CodecFields => new(AddJobFieldNames);

    private static readonly string[] AddJobFieldNames =
        ["dst_format", "video_codec", "audio_codec", "video_bitrate", "audio_bitrate", "crf", "preset", "width", "height"];

    [Fact]
    public void Entries_take_their_defaults_and_a_cmaf_ladder_writes_both_manifests()
    {
        var req = RequestParser.ParseAddJob(WithOutputs(
            "[{\"type\":\"cmaf\",\"renditions\":[{\"height\":720,\"video_bitrate\":\"3000k\"},{\"width\":640,\"video_bitrate\":\"800k\",\"max_bitrate\":\"1M\",\"crf\":23}]}," +
            "{\"type\":\"hls\",\"name\":\"hls-only\",\"renditions\":[{\"height\":360,\"video_bitrate\":\"1M\"}]}," +
            "{\"type\":\"dash\",\"renditions\":[{\"height\":360,\"video_bitrate\":\"1M\"}]}," +
            "{\"type\":\"thumbnails\"},{\"type\":\"file\",\"format\":\"MKV\",\"video_codec\":\"hevc\"}]")).Value!;

        Assert.Equal("", req.DstFormat);
        Assert.Null(req.OutputsPreset);
        Assert.Equal(["cmaf", "hls-only", "dash", "thumbs", "main"], req.Outputs.Select(o => o.Name));
        var cmaf = req.Outputs[0].Ladder!;
        Assert.Equal((true, true, 4.0, "h264", true), (cmaf.Hls, cmaf.Dash, cmaf.SegmentSeconds, cmaf.VideoCodec, cmaf.NoUpscale));
        Assert.Equal(new RenditionSpec("720p", null, 720, 3_000_000, null, null, 128_000), cmaf.Renditions[0]);
        Assert.Equal(new RenditionSpec("640w", 640, null, 800_000, 1_000_000, 23, 128_000), cmaf.Renditions[1]);
        Assert.Equal((true, false), (req.Outputs[1].Ladder!.Hls, req.Outputs[1].Ladder!.Dash));
        Assert.Equal((false, true), (req.Outputs[2].Ladder!.Hls, req.Outputs[2].Ladder!.Dash));
        Assert.Equal(new ThumbnailsSpec(10, "jpeg", 320, null, false, 10), req.Outputs[3].Thumbnails);
        Assert.Equal(OutputKind.File, req.Outputs[4].Kind);
        Assert.Equal(("mkv", "hevc"), (req.Outputs[4].File!.Format, req.Outputs[4].File!.Settings.VideoCodec));
    }

    [Fact]
    public void A_classic_job_has_no_outputs()
    {
        var req = RequestParser.ParseAddJob(AddJob(",\"dst_format\":\"mp4\"")).Value!;

        Assert.Empty(req.Outputs);
        Assert.Equal(("mp4", null), (req.DstFormat, req.OutputsPreset));
    }

    [Fact]
    public void A_preset_name_is_spelled_out_and_recorded_as_the_client_wrote_it()
    {
        var req = RequestParser.ParseAddJob(WithOutputs("\"ABR-16x9\"")).Value!;

        Assert.Equal("ABR-16x9", req.OutputsPreset);
        Assert.Equal(Json(Presets.Abr16x9), Json(req.Outputs));
    }

    /// <summary>The README documents the built-in preset as the outputs JSON a client would send for it: read through
    /// the request's validation, that is exactly the preset.</summary>
    [Fact]
    public void The_built_in_preset_is_the_READMEs_and_passes_the_request_validation()
    {
        var readme = File.ReadAllText(Path.Combine(RepoRoot(), "README.md"));
        var block = Regex.Match(readme, @"<!-- preset abr-16x9 -->\s*```json\n(.*?)```", RegexOptions.Singleline);
        Assert.True(block.Success, "README.md has no ```json block after <!-- preset abr-16x9 -->");

        var read = OutputPresets.With([KeyValuePair.Create("readme-copy", JsonDocument.Parse(block.Groups[1].Value).RootElement)]);

        Assert.True(read.IsOk, read.Error?.Message);
        Assert.Equal(Json(Presets.Abr16x9), Json(read.Value!.Find("readme-copy")!));
        Assert.Equal(Json(Presets.Abr16x9), Json(read.Value.Find(Presets.Abr16x9Name)!));
    }

    [Fact]
    public void A_configured_preset_is_read_like_a_request_and_named_in_its_refusals()
    {
        static Result<OutputPresets> With(string name, string json) =>
            OutputPresets.With([KeyValuePair.Create(name, JsonDocument.Parse(json).RootElement)]);

        var ok = With("web", $"[{Ladder}]");
        Assert.True(ok.IsOk, ok.Error?.Message);
        Assert.Equal(["abr-16x9", "web"], ok.Value!.Names);
        Assert.Equal("720p", ok.Value.Find("WEB")![0].Ladder!.Renditions[0].Name);
        var req = RequestParser.ParseAddJob(WithOutputs("\"web\""), ok.Value).Value!;
        Assert.Equal(("web", "cmaf"), (req.OutputsPreset, req.Outputs[0].Name));
        Assert.Equal("job.outputs: unknown preset 'nope' (known: abr-16x9, web)",
            RequestParser.ParseAddJob(WithOutputs("\"nope\""), ok.Value).Error!.Message);

        Assert.Equal("web: outputs[0].renditions[0].height: 721 must be even",
            With("web", "[{\"type\":\"hls\",\"renditions\":[{\"height\":721,\"video_bitrate\":\"3M\"}]}]").Error!.Message);
        Assert.Equal("web: outputs: 0 outputs; 1..16 are allowed", With("web", "[]").Error!.Message);
        Assert.Equal("web: expected an array of outputs", With("web", "\"abr-16x9\"").Error!.Message);
        Assert.Equal("abr-16x9: is a built-in preset; choose another name", With("abr-16x9", $"[{Ladder}]").Error!.Message);
        Assert.Equal("a b: a preset name is 1..64 characters of A-Z a-z 0-9 _ -", With("a b", $"[{Ladder}]").Error!.Message);
    }

    private static string Json(IReadOnlyList<OutputSpec> outputs) => JsonSerializer.Serialize(outputs);

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "README.md"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("README.md not found above the test binaries");
    }
}
