using System.Text;
using System.Text.Json;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Segments;
using Akka.Transcode.Protocol;
using Akka.Transcode.Protocol.Requests;

namespace Akka.Transcode.Domain.Tests.Protocol;

/// <summary>What accepted requests parse to, the byte and query-string entry points, and the defaults.</summary>
public class RequestParserValueTests
{
    [Fact]
    public void Draft_example_of_add_job_parses_to_its_fields()
    {
        var r = RequestParser.ParseAddJob(
            "{\"type\":0,\"job\":{\"src_filename\":\"record.bin\",\"dst_dir\":\"/tmp/\",\"dst_format\":\"flv\",\"segments\":\"1-5:2-10\"}}");

        var job = r.Value!;
        Assert.Equal("record.bin", job.SrcFilename);
        Assert.Equal("/tmp/", job.DstDir);
        Assert.Equal("flv", job.DstFormat);
        Assert.Equal("1-5:2-10", job.Segments);
        Assert.Equal([new TimeRange(1, 5), new TimeRange(2, 10)], job.Ranges);
        Assert.Null(job.MapFilename);
        Assert.Null(job.JobId);
        Assert.Null(job.CallbackUrl);
        Assert.Equal(0, job.Priority);
        Assert.False(job.Overwrite);
        Assert.Equal(Akka.Transcode.Domain.Media.OutputSettings.Default, job.Output);
    }

    [Fact]
    public void Optional_add_job_fields_are_read_and_normalised()
    {
        var r = RequestParser.ParseAddJob("""
            {"type":0,"job":{"src_filename":"in/cam 1.mp4","dst_dir":"out","dst_format":"MP4","map_filename":"maps/lens.json",
             "priority":-3,"job_id":"client.42","overwrite":true,"video_codec":"HEVC","audio_codec":"opus",
             "video_bitrate":"1.5M","audio_bitrate":96000,"crf":28,"preset":"Slow","width":1920,"height":1080,
             "callback_url":"http://hooks.local:8080/done"}}
            """);

        Assert.True(r.IsOk, r.Error?.Message);
        var job = r.Value!;
        Assert.Equal("mp4", job.DstFormat);
        Assert.Equal("maps/lens.json", job.MapFilename);
        Assert.Equal(-3, job.Priority);
        Assert.Equal("client.42", job.JobId);
        Assert.True(job.Overwrite);
        Assert.Equal("http://hooks.local:8080/done", job.CallbackUrl);
        Assert.Empty(job.Ranges);
        var o = job.Output;
        Assert.Equal(("hevc", "opus"), (o.VideoCodec, o.AudioCodec));
        Assert.Equal(1_500_000L, o.VideoBitrate);
        Assert.Equal(96_000L, o.AudioBitrate);
        Assert.Equal(28, o.Crf);
        Assert.Equal("slow", o.Preset);
        Assert.Equal((1920, 1080), (o.Width!.Value, o.Height!.Value));
    }

    [Theory]
    [InlineData("\"2M\"", 2_000_000L)]
    [InlineData("\"800k\"", 800_000L)]
    [InlineData("\"800K\"", 800_000L)]
    [InlineData("\"128000\"", 128_000L)]
    [InlineData("\"1.5m\"", 1_500_000L)]
    [InlineData("\"0.001G\"", 1_000_000L)]
    [InlineData("2000000", 2_000_000L)]
    [InlineData("2e6", 2_000_000L)]
    public void Bitrates_are_bits_per_second(string json, long expected)
    {
        var r = RequestParser.ParseAddJob(
            $"{{\"job\":{{\"src_filename\":\"a\",\"dst_dir\":\"b\",\"dst_format\":\"mkv\",\"video_bitrate\":{json}}}}}");

        Assert.True(r.IsOk, r.Error?.Message);
        Assert.Equal(expected, r.Value!.Output.VideoBitrate);
    }

    [Theory]
    [InlineData("2 M")]
    [InlineData("-2M")]
    [InlineData("+2M")]
    [InlineData("2MB")]
    [InlineData("0x10")]
    [InlineData("")]
    [InlineData("k")]
    public void Bitrate_text_that_is_not_a_bitrate_is_refused(string text)
    {
        Assert.Null(Bitrate.Parse(text));
    }

    [Fact]
    public void Byte_entry_point_accepts_a_leading_bom_and_refuses_invalid_utf8_inside_strings()
    {
        var withBom = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("{\"type\":0,\"job_id\":\"j1\"}")).ToArray();
        var badUtf8 = Encoding.UTF8.GetBytes("{\"type\":0,\"job_id\":\"j\u00ff\"}").Select(b => b == 0xC3 ? (byte)0xFF : b).ToArray();

        Assert.Equal("j1", RequestParser.ParseGetJob(withBom).Value!.JobId);
        var bad = RequestParser.ParseGetJob(badUtf8);
        Assert.Equal(ErrorCode.InvalidJson, bad.Error!.Code);
        Assert.Contains("job_id", bad.Error.Message);
    }

    [Fact]
    public void Lone_surrogate_escape_is_invalid_json()
    {
        var r = RequestParser.ParseCancelJob("{\"job_id\":\"\\ud800\"}");

        Assert.Equal(ErrorCode.InvalidJson, r.Error!.Code);
    }

    [Fact]
    public void JsonElement_entry_point_gives_the_same_answers()
    {
        using var doc = JsonDocument.Parse("{\"type\":0,\"start_index\":20,\"limit\":5,\"sortby\":\"time\",\"order\":\"asc\",\"state\":2}");

        var r = RequestParser.ParseGetJobs(doc.RootElement);

        Assert.Equal(new GetJobsRequest(20, 5, "time", SortOrder.Asc, JobState.InProgress), r.Value);
    }

    [Fact]
    public void Get_jobs_defaults_follow_the_protocol()
    {
        var r = RequestParser.ParseGetJobs("{\"type\":0}");

        Assert.Equal(new GetJobsRequest(0, 10, "time", SortOrder.Desc, null), r.Value);
    }

    [Fact]
    public void Register_worker_reads_every_field_and_defaults_slots_to_one()
    {
        var a = RequestParser.ParseRegisterWorker("{\"type\":0,\"ip\":\"10.0.0.5\",\"port\":20001,\"state\":1}");
        var b = RequestParser.ParseRegisterWorker("{\"type\":0,\"ip\":\"::1\",\"port\":9,\"state\":0,\"slots\":4}");

        Assert.Equal(new RegisterWorkerRequest("10.0.0.5", 20001, 1, 1), a.Value);
        Assert.Equal(new RegisterWorkerRequest("::1", 9, 0, 4), b.Value);
    }

    [Fact]
    public void Get_job_takes_task_id_as_a_synonym()
    {
        Assert.Equal(new GetJobRequest("1490776760.13", false), RequestParser.ParseGetJob("{\"type\":0,\"task_id\":\"1490776760.13\"}").Value);
        Assert.Equal(new GetJobRequest("x", true), RequestParser.ParseGetJob("{\"job_id\":\"x\",\"task_id\":\"x\",\"detail\":true}").Value);
    }

    [Fact]
    public void Heartbeat_reads_id_and_state()
    {
        Assert.Equal(new WorkerHeartbeatRequest("w-1", 1),
            RequestParser.ParseWorkerHeartbeat("{\"type\":0,\"worker_id\":\"w-1\",\"worker_state\":1}").Value);
    }

    [Theory]
    [InlineData("?token=abc&job_id=j1&detail=true", "j1", true)]
    [InlineData("job_id=j1", "j1", false)]
    [InlineData("task_id=a.b&detail=FALSE&type=0", "a.b", false)]
    [InlineData("job_id=j%2D1", "j-1", false)]
    public void Get_job_query_strings_parse_like_bodies(string query, string id, bool detail)
    {
        Assert.Equal(new GetJobRequest(id, detail), RequestParser.ParseGetJobQuery(query).Value);
    }

    [Theory]
    [InlineData("", ErrorCode.InvalidRequest, "job_id: required field is missing")]
    [InlineData("job_id=j1&detail=maybe", ErrorCode.InvalidRequest, "detail: expected true or false, got 'maybe'")]
    [InlineData("job_id=j1&job_id=j2", ErrorCode.InvalidRequest, "job_id: query parameter appears more than once")]
    [InlineData("job_id=a%00b", ErrorCode.InvalidValue, "job_id: contains a NUL character")]
    [InlineData("job_id=a b", ErrorCode.InvalidValue, "job_id: 'a b' is not a valid id")]
    [InlineData("job_id=j1&type=1", ErrorCode.InvalidRequest, "type: must be 0")]
    public void Bad_get_job_query_strings_are_refused(string query, ErrorCode code, string message)
    {
        var r = RequestParser.ParseGetJobQuery(query);

        Assert.Equal(code, r.Error!.Code);
        Assert.Contains(message, r.Error.Message);
    }

    [Fact]
    public void Get_jobs_query_string_parses_integers_and_words()
    {
        var r = RequestParser.ParseGetJobsQuery("start_index=10&limit=50&sortby=time&order=asc&state=3");

        Assert.Equal(new GetJobsRequest(10, 50, "time", SortOrder.Asc, JobState.Completed), r.Value);
    }

    [Theory]
    [InlineData("limit=ten", ErrorCode.InvalidRequest, "limit: expected an integer, got 'ten'")]
    [InlineData("limit=", ErrorCode.InvalidRequest, "limit: expected an integer")]
    [InlineData("limit=5000", ErrorCode.InvalidValue, "limit: 5000 is out of range (1..1000)")]
    [InlineData("start_index=-5", ErrorCode.InvalidValue, "start_index: -5 is out of range")]
    [InlineData("order=sideways", ErrorCode.InvalidValue, "order: unsupported order 'sideways'")]
    public void Bad_get_jobs_query_strings_are_refused(string query, ErrorCode code, string message)
    {
        var r = RequestParser.ParseGetJobsQuery(query);

        Assert.Equal(code, r.Error!.Code);
        Assert.Contains(message, r.Error.Message);
    }

    [Fact]
    public void Query_pairs_entry_point_and_get_task_info_query()
    {
        var pairs = new[] { new KeyValuePair<string, string?>("task_id", "t-9"), new KeyValuePair<string, string?>("token", "x") };

        Assert.Equal(new GetTaskInfoRequest("t-9"), RequestParser.ParseGetTaskInfoQuery(pairs).Value);
        Assert.Equal(new GetTaskInfoRequest("t-9"), RequestParser.ParseGetTaskInfoQuery("task_id=t-9").Value);
        Assert.Equal(ErrorCode.InvalidRequest, RequestParser.ParseGetTaskInfoQuery("id=t-9").Error!.Code);
    }

    [Theory]
    [InlineData("a", true)]
    [InlineData("1490776760.13", true)]
    [InlineData("A-Z_a.z-09", true)]
    [InlineData("", false)]
    [InlineData("a/b", false)]
    [InlineData("a b", false)]
    [InlineData("é", false)]
    [InlineData(null, false)]
    public void Protocol_ids_are_short_and_plain(string? id, bool valid)
    {
        Assert.Equal(valid, ProtocolId.IsValid(id));
        Assert.True(ProtocolId.IsValid(new string('x', ProtocolId.MaxLength)));
        Assert.False(ProtocolId.IsValid(new string('x', ProtocolId.MaxLength + 1)));
    }
}
