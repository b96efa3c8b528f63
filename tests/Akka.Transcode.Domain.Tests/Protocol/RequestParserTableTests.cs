using Akka.Transcode.Domain;
using Akka.Transcode.Protocol;

namespace Akka.Transcode.Domain.Tests.Protocol;

/// <summary>The good/bad request table: each row is a call, a body, the exact err_code and a message fragment.</summary>
public class RequestParserTableTests
{
    private const string Job = "\"src_filename\":\"record.bin\",\"dst_dir\":\"/tmp/\",\"dst_format\":\"flv\"";

    private static string AddJob(string extraJobFields) => $"{{\"type\":0,\"job\":{{{Job}{extraJobFields}}}}}";

    public static TheoryData<string, string, ErrorCode, string> Rows => new()
    {
        // add_job: accepted
        { "add_job", "{\"type\":0,\"job\":{\"src_filename\":\"record.bin\",\"dst_dir\":\"/tmp/\",\"dst_format\":\"flv\",\"segments\":\"1-5:2-10\"}}", ErrorCode.Ok, "" },
        { "add_job", $"{{\"job\":{{{Job}}}}}", ErrorCode.Ok, "" },
        { "add_job", $"{{\"type\":0,\"extra\":[1],\"job\":{{{Job},\"unknown\":{{\"x\":1}}}}}}", ErrorCode.Ok, "" },
        { "add_job", AddJob(",\"segments\":null,\"map_filename\":\"\",\"priority\":null"), ErrorCode.Ok, "" },
        { "add_job", AddJob(",\"priority\":1e1,\"overwrite\":true,\"job_id\":\"my-job_1.a\""), ErrorCode.Ok, "" },
        { "add_job", AddJob(",\"video_codec\":\"H264\",\"audio_codec\":\"aac\",\"video_bitrate\":\"2M\",\"audio_bitrate\":128000,\"crf\":23,\"preset\":\"veryfast\",\"width\":1280,\"height\":720"), ErrorCode.Ok, "" },
        { "add_job", AddJob(",\"callback_url\":\"https://example.com/done?x=1\""), ErrorCode.Ok, "" },
        // add_job: not JSON at all
        { "add_job", "{\"type\":0,", ErrorCode.InvalidJson, "invalid JSON" },
        { "add_job", "{type:0, job: {src_filename = \"record.bin\"}}", ErrorCode.InvalidJson, "invalid JSON" },
        { "add_job", "", ErrorCode.InvalidJson, "invalid JSON" },
        { "add_job", "{\"type\":0} {}", ErrorCode.InvalidJson, "invalid JSON" },
        { "add_job", "{\"type\":0,\"job\":{},}", ErrorCode.InvalidJson, "invalid JSON" },
        // add_job: wrong shape (-2)
        { "add_job", "[]", ErrorCode.InvalidRequest, "body: expected a JSON object, got array" },
        { "add_job", "\"job\"", ErrorCode.InvalidRequest, "body: expected a JSON object, got string" },
        { "add_job", $"{{\"type\":1,\"job\":{{{Job}}}}}", ErrorCode.InvalidRequest, "type: must be 0" },
        { "add_job", $"{{\"type\":\"0\",\"job\":{{{Job}}}}}", ErrorCode.InvalidRequest, "type: expected an integer, got string" },
        { "add_job", $"{{\"type\":0,\"type\":0,\"job\":{{{Job}}}}}", ErrorCode.InvalidRequest, "type: field appears more than once" },
        { "add_job", "{\"type\":0}", ErrorCode.InvalidRequest, "job: required field is missing" },
        { "add_job", "{\"type\":0,\"job\":null}", ErrorCode.InvalidRequest, "job: required field is missing" },
        { "add_job", "{\"type\":0,\"job\":[]}", ErrorCode.InvalidRequest, "job: expected an object, got array" },
        { "add_job", "{\"type\":0,\"job\":{\"dst_dir\":\"/tmp\",\"dst_format\":\"flv\"}}", ErrorCode.InvalidRequest, "job.src_filename: required field is missing" },
        { "add_job", "{\"type\":0,\"job\":{\"src_filename\":5,\"dst_dir\":\"/tmp\",\"dst_format\":\"flv\"}}", ErrorCode.InvalidRequest, "job.src_filename: expected a string, got number" },
        { "add_job", "{\"type\":0,\"job\":{\"src_filename\":\"a\",\"dst_format\":\"flv\"}}", ErrorCode.InvalidRequest, "job.dst_dir: required field is missing" },
        { "add_job", "{\"type\":0,\"job\":{\"src_filename\":\"a\",\"dst_dir\":\"/tmp\"}}", ErrorCode.InvalidRequest, "job.dst_format: required field is missing" },
        { "add_job", AddJob(",\"segments\":5"), ErrorCode.InvalidRequest, "job.segments: expected a string, got number" },
        { "add_job", AddJob(",\"priority\":\"high\""), ErrorCode.InvalidRequest, "job.priority: expected an integer, got string" },
        { "add_job", AddJob(",\"overwrite\":\"yes\""), ErrorCode.InvalidRequest, "job.overwrite: expected true or false, got string" },
        { "add_job", AddJob(",\"video_bitrate\":true"), ErrorCode.InvalidRequest, "job.video_bitrate: expected a number or a string" },
        { "add_job", AddJob(",\"height\":\"720\""), ErrorCode.InvalidRequest, "job.height: expected an integer, got string" },
        { "add_job", AddJob(",\"job_id\":7"), ErrorCode.InvalidRequest, "job.job_id: expected a string, got number" },
        // add_job: bad values (-4)
        { "add_job", "{\"type\":0,\"job\":{\"src_filename\":\"\",\"dst_dir\":\"/tmp\",\"dst_format\":\"flv\"}}", ErrorCode.InvalidValue, "job.src_filename: must not be empty" },
        { "add_job", "{\"type\":0,\"job\":{\"src_filename\":\"a\",\"dst_dir\":\" \",\"dst_format\":\"flv\"}}", ErrorCode.InvalidValue, "job.dst_dir: must not be empty" },
        { "add_job", "{\"type\":0,\"job\":{\"src_filename\":\"a\",\"dst_dir\":\"/tmp\",\"dst_format\":\"avi\"}}", ErrorCode.InvalidValue, "job.dst_format: unsupported container 'avi' (expected one of flv, mp4, mkv, mov, ts, webm, mp3, m4a, wav)" },
        { "add_job", "{\"type\":0,\"job\":{\"src_filename\":\"a\\u0000b\",\"dst_dir\":\"/tmp\",\"dst_format\":\"flv\"}}", ErrorCode.InvalidValue, "job.src_filename: contains a NUL character" },
        { "add_job", AddJob(",\"segments\":\"5-1\""), ErrorCode.InvalidValue, "job.segments: range 1 '5-1': reversed" },
        { "add_job", AddJob(",\"segments\":\"1-5::2-3\""), ErrorCode.InvalidValue, "job.segments: range 2 is empty" },
        { "add_job", AddJob(",\"priority\":1.5"), ErrorCode.InvalidValue, "job.priority: expected a whole number" },
        { "add_job", AddJob(",\"priority\":3000000000"), ErrorCode.InvalidValue, "job.priority: 3000000000 is out of range" },
        { "add_job", AddJob(",\"job_id\":\"bad id!\""), ErrorCode.InvalidValue, "job.job_id: 'bad id!' is not a valid id" },
        { "add_job", AddJob($",\"job_id\":\"{new string('a', 65)}\""), ErrorCode.InvalidValue, "job.job_id:" },
        { "add_job", AddJob(",\"job_id\":\"\""), ErrorCode.InvalidValue, "job.job_id:" },
        { "add_job", AddJob(",\"video_codec\":\"libx264\""), ErrorCode.InvalidValue, "job.video_codec: unsupported video codec 'libx264'" },
        { "add_job", AddJob(",\"audio_codec\":\"flac\""), ErrorCode.InvalidValue, "job.audio_codec: unsupported audio codec 'flac'" },
        { "add_job", AddJob(",\"video_codec\":\"vp9\""), ErrorCode.InvalidValue, "job.video_codec: vp9 cannot be written to flv (allowed: h264)" },
        { "add_job", "{\"job\":{\"src_filename\":\"a\",\"dst_dir\":\"b\",\"dst_format\":\"mp3\",\"video_codec\":\"h264\"}}", ErrorCode.InvalidValue, "job.video_codec: mp3 holds no video" },
        { "add_job", "{\"job\":{\"src_filename\":\"a\",\"dst_dir\":\"b\",\"dst_format\":\"wav\",\"audio_codec\":\"none\"}}", ErrorCode.InvalidValue, "job.audio_codec: wav holds only audio" },
        { "add_job", AddJob(",\"video_bitrate\":\"2Mbit\""), ErrorCode.InvalidValue, "job.video_bitrate: '2Mbit' is not a bitrate" },
        { "add_job", AddJob(",\"audio_bitrate\":10"), ErrorCode.InvalidValue, "job.audio_bitrate: 10 bits/s is out of range" },
        { "add_job", AddJob(",\"video_bitrate\":2.5"), ErrorCode.InvalidValue, "job.video_bitrate: expected a whole number" },
        { "add_job", AddJob(",\"crf\":64"), ErrorCode.InvalidValue, "job.crf: 64 is out of range (0..63)" },
        { "add_job", AddJob(",\"preset\":\"placebo\""), ErrorCode.InvalidValue, "job.preset: unsupported preset 'placebo'" },
        { "add_job", AddJob(",\"width\":8"), ErrorCode.InvalidValue, "job.width: 8 is out of range (16..8192)" },
        { "add_job", AddJob(",\"callback_url\":\"ftp://example.com/x\""), ErrorCode.InvalidValue, "job.callback_url: 'ftp://example.com/x' is not an absolute http or https URL" },
        { "add_job", AddJob(",\"callback_url\":\"/relative/path\""), ErrorCode.InvalidValue, "job.callback_url:" },
        { "add_job", AddJob(",\"callback_url\":\"file:///etc/passwd\""), ErrorCode.InvalidValue, "job.callback_url:" },
        { "add_job", AddJob(",\"timeout_seconds\":600"), ErrorCode.Ok, "" },
        { "add_job", AddJob(",\"timeout_seconds\":0"), ErrorCode.InvalidValue, "job.timeout_seconds: 0 is out of range (1..604800)" },
        { "add_job", AddJob(",\"timeout_seconds\":\"10\""), ErrorCode.InvalidRequest, "job.timeout_seconds: expected an integer" },
        // get_job
        { "get_job", "{\"type\":0,\"job_id\":\"1490776760.13\"}", ErrorCode.Ok, "" },
        { "get_job", "{\"type\":0,\"task_id\":\"1490776760.13\",\"detail\":true}", ErrorCode.Ok, "" },
        { "get_job", "{\"type\":0}", ErrorCode.InvalidRequest, "job_id: required field is missing (task_id is accepted too)" },
        { "get_job", "{\"type\":0,\"job_id\":\"a\",\"task_id\":\"b\"}", ErrorCode.InvalidRequest, "job_id: job_id and task_id name different ids" },
        { "get_job", "{\"type\":0,\"job_id\":123}", ErrorCode.InvalidRequest, "job_id: expected a string, got number" },
        { "get_job", "{\"type\":0,\"job_id\":\"a\",\"detail\":\"yes\"}", ErrorCode.InvalidRequest, "detail: expected true or false, got string" },
        { "get_job", "{\"type\":0,\"job_id\":\"../../etc\"}", ErrorCode.InvalidValue, "job_id: '../../etc' is not a valid id" },
        // get_jobs
        { "get_jobs", "{\"type\":0,\"start_index\":0,\"limit\":10,\"sortby\":\"time\"}", ErrorCode.Ok, "" },
        { "get_jobs", "{}", ErrorCode.Ok, "" },
        { "get_jobs", "{\"limit\":1000,\"order\":\"asc\",\"state\":5}", ErrorCode.Ok, "" },
        { "get_jobs", "{\"type\":0,\"limit\":\"10\"}", ErrorCode.InvalidRequest, "limit: expected an integer, got string" },
        { "get_jobs", "{\"type\":0,\"limit\":0}", ErrorCode.InvalidValue, "limit: 0 is out of range (1..1000)" },
        { "get_jobs", "{\"type\":0,\"limit\":1001}", ErrorCode.InvalidValue, "limit: 1001 is out of range (1..1000)" },
        { "get_jobs", "{\"type\":0,\"start_index\":-1}", ErrorCode.InvalidValue, "start_index: -1 is out of range" },
        { "get_jobs", "{\"type\":0,\"sortby\":\"name\"}", ErrorCode.InvalidValue, "sortby: unsupported sort key 'name' (expected one of time)" },
        { "get_jobs", "{\"type\":0,\"order\":\"up\"}", ErrorCode.InvalidValue, "order: unsupported order 'up' (expected one of asc, desc)" },
        { "get_jobs", "{\"type\":0,\"state\":6}", ErrorCode.InvalidValue, "state: 6 is out of range (0..5)" },
        { "get_jobs", "{\"type\":0,\"state\":[1]}", ErrorCode.InvalidRequest, "state: expected an integer, got array" },
        // cancel_job
        { "cancel_job", "{\"type\":0,\"job_id\":\"j1\"}", ErrorCode.Ok, "" },
        { "cancel_job", "{\"type\":0}", ErrorCode.InvalidRequest, "job_id: required field is missing" },
        // register_worker
        { "register_worker", "{\"type\":0,\"ip\":\"10.0.0.5\",\"port\":20001,\"state\":0}", ErrorCode.Ok, "" },
        { "register_worker", "{\"type\":0,\"ip\":\"worker-3.local\",\"port\":1,\"state\":1,\"slots\":64}", ErrorCode.Ok, "" },
        { "register_worker", "{\"type\":0,\"ip\":\"10.0.0.5\",\"state\":0}", ErrorCode.InvalidRequest, "port: required field is missing" },
        { "register_worker", "{\"type\":0,\"ip\":\"10.0.0.5\",\"port\":\"20001\",\"state\":0}", ErrorCode.InvalidRequest, "port: expected an integer, got string" },
        { "register_worker", "{\"type\":0,\"ip\":\"10.0.0.5\",\"port\":70000,\"state\":0}", ErrorCode.InvalidValue, "port: 70000 is out of range (1..65535)" },
        { "register_worker", "{\"type\":0,\"ip\":\"10.0.0.5\",\"port\":20001,\"state\":2}", ErrorCode.InvalidValue, "state: 2 is out of range (0..1)" },
        { "register_worker", "{\"type\":0,\"ip\":\"10.0.0.5\",\"port\":20001,\"state\":0,\"slots\":0}", ErrorCode.InvalidValue, "slots: 0 is out of range (1..64)" },
        { "register_worker", "{\"type\":0,\"ip\":\"a/b@c\",\"port\":20001,\"state\":0}", ErrorCode.InvalidValue, "ip: 'a/b@c' is not an IP address or host name" },
        { "register_worker", "{\"type\":0,\"ip\":\"\",\"port\":20001,\"state\":0}", ErrorCode.InvalidValue, "ip: must not be empty" },
        // worker_heartbeat
        { "worker_heartbeat", "{\"type\":0,\"worker_id\":\"id\",\"worker_state\":0}", ErrorCode.Ok, "" },
        { "worker_heartbeat", "{\"type\":0,\"worker_id\":\"id\",\"worker_state\":\"0\"}", ErrorCode.InvalidRequest, "worker_state: expected an integer, got string" },
        { "worker_heartbeat", "{\"type\":0,\"worker_state\":1}", ErrorCode.InvalidRequest, "worker_id: required field is missing" },
        // worker-side task calls
        { "get_task_info", "{\"type\":0,\"task_id\":\"t-1\"}", ErrorCode.Ok, "" },
        { "get_task_info", "{\"type\":0,\"task_id\":false}", ErrorCode.InvalidRequest, "task_id: expected a string, got boolean" },
        { "cancel_task", "{\"type\":0,\"task_id\":\"t-1\"}", ErrorCode.Ok, "" },
        { "cancel_task", "{\"type\":2,\"task_id\":\"t-1\"}", ErrorCode.InvalidRequest, "type: must be 0" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Request_gives_the_expected_code_and_message(string call, string body, ErrorCode code, string message)
    {
        var failure = Parse(call, body);

        Assert.Equal(code, failure?.Code ?? ErrorCode.Ok);
        if (code == ErrorCode.Ok) return;
        Assert.Contains(message, failure!.Message);
        Assert.DoesNotContain("   at ", failure.Message);
    }

    [Fact]
    public void The_table_covers_every_call_and_every_request_error_code()
    {
        var rows = Rows.Select(r => ((string)r[0], (ErrorCode)r[2])).ToList();

        Assert.True(rows.Count >= 30);
        Assert.Equal(
            new[] { "add_job", "cancel_job", "cancel_task", "get_job", "get_jobs", "get_task_info", "register_worker", "worker_heartbeat" },
            rows.Select(r => r.Item1).Distinct().Order());
        Assert.Equal(
            new[] { ErrorCode.InvalidValue, ErrorCode.InvalidJson, ErrorCode.InvalidRequest, ErrorCode.Ok },
            rows.Select(r => r.Item2).Distinct().Order());
    }

    internal static Failure? Parse(string call, string body) => call switch
    {
        "add_job" => RequestParser.ParseAddJob(body).Error,
        "get_job" => RequestParser.ParseGetJob(body).Error,
        "get_jobs" => RequestParser.ParseGetJobs(body).Error,
        "cancel_job" => RequestParser.ParseCancelJob(body).Error,
        "register_worker" => RequestParser.ParseRegisterWorker(body).Error,
        "worker_heartbeat" => RequestParser.ParseWorkerHeartbeat(body).Error,
        "get_task_info" => RequestParser.ParseGetTaskInfo(body).Error,
        "cancel_task" => RequestParser.ParseCancelTask(body).Error,
        _ => throw new ArgumentException(call),
    };
}
