using System.Text.Json;
using Akka.Transcode.Domain;
using Akka.Transcode.Protocol;
using Akka.Transcode.Protocol.Responses;

namespace Akka.Transcode.Domain.Tests.Protocol;

public class ResponseWriterTests
{
    private static JsonElement Parse(byte[] utf8) => JsonDocument.Parse(utf8).RootElement;

    private static string[] Names(JsonElement e) => e.EnumerateObject().Select(p => p.Name).ToArray();

    [Fact]
    public void Client_ok_is_the_plain_envelope_followed_by_the_payload()
    {
        var json = Parse(ResponseWriter.Ok(ResponseAudience.Client, new AddJobResponse("j-7")));

        Assert.Equal(["type", "err_code", "err_msg", "job_id"], Names(json));
        Assert.Equal(1, json.GetProperty("type").GetInt32());
        Assert.Equal(0, json.GetProperty("err_code").GetInt32());
        Assert.Equal("ok", json.GetProperty("err_msg").GetString());
        Assert.Equal("j-7", json.GetProperty("job_id").GetString());
    }

    [Fact]
    public void Worker_responses_also_carry_error_code()
    {
        var ok = Parse(ResponseWriter.Ok(ResponseAudience.Worker, new RegisterWorkerResponse("w-1")));
        var fail = Parse(ResponseWriter.Error(ResponseAudience.Worker, new Failure(ErrorCode.NotFound, "worker_id: unknown")));

        Assert.Equal(["type", "error_code", "err_code", "err_msg", "worker_id"], Names(ok));
        Assert.Equal(0, ok.GetProperty("error_code").GetInt32());
        Assert.Equal(-7, fail.GetProperty("error_code").GetInt32());
        Assert.Equal(-7, fail.GetProperty("err_code").GetInt32());
        Assert.Equal("worker_id: unknown", fail.GetProperty("err_msg").GetString());
    }

    [Fact]
    public void Heartbeat_answer_is_the_envelope_alone()
    {
        var json = Parse(ResponseWriter.Ok(ResponseAudience.Worker));

        Assert.Equal(["type", "error_code", "err_code", "err_msg"], Names(json));
    }

    [Fact]
    public void Client_error_has_no_error_code()
    {
        var json = Parse(ResponseWriter.Error(ResponseAudience.Client, ErrorCode.InvalidValue, "job.dst_format: unsupported container 'avi'"));

        Assert.Equal(["type", "err_code", "err_msg"], Names(json));
        Assert.Equal(-4, json.GetProperty("err_code").GetInt32());
    }

    [Fact]
    public void Get_jobs_page_counts_its_jobs_and_the_total()
    {
        var job = new JobDto
        {
            Id = "j1", State = 3, Result = 0, SrcPath = "/m/a.mp4", CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch,
        };

        var json = Parse(ResponseWriter.Ok(ResponseAudience.Client, new GetJobsResponse(20, 57, [job, job with { Id = "j2" }])));

        Assert.Equal(["type", "err_code", "err_msg", "start_index", "num_jobs", "total", "jobs"], Names(json));
        Assert.Equal(2, json.GetProperty("num_jobs").GetInt32());
        Assert.Equal(57, json.GetProperty("total").GetInt64());
        Assert.Equal("j2", json.GetProperty("jobs")[1].GetProperty("id").GetString());
        Assert.Equal("1970-01-01T00:00:00.000Z", json.GetProperty("jobs")[0].GetProperty("created_at").GetString());
    }

    [Fact]
    public void Task_info_answer_nests_the_task()
    {
        var json = Parse(ResponseWriter.Ok(ResponseAudience.Worker, new TaskInfoResponse(new Akka.Transcode.Protocol.Workers.WorkerTaskInfoDto("t1", 1, 2, null, 12.5))));

        Assert.Equal(["id", "attempt", "state", "progress"], Names(json.GetProperty("task")));
    }

    [Fact]
    public void Messages_are_escaped_as_json()
    {
        var json = Parse(ResponseWriter.Error(ResponseAudience.Client, ErrorCode.InvalidValue, "quote \" and newline \n"));

        Assert.Equal("quote \" and newline \n", json.GetProperty("err_msg").GetString());
    }

    [Theory]
    [InlineData(ErrorCode.Ok, 200)]
    [InlineData(ErrorCode.Internal, 500)]
    [InlineData(ErrorCode.InvalidRequest, 400)]
    [InlineData(ErrorCode.InvalidJson, 400)]
    [InlineData(ErrorCode.InvalidValue, 400)]
    [InlineData(ErrorCode.Unauthorized, 401)]
    [InlineData(ErrorCode.Forbidden, 403)]
    [InlineData(ErrorCode.NotFound, 404)]
    [InlineData(ErrorCode.Conflict, 409)]
    [InlineData(ErrorCode.SourceUnusable, 400)]
    [InlineData(ErrorCode.Unavailable, 503)]
    public void Every_error_code_has_its_http_status(ErrorCode code, int status)
    {
        Assert.Equal(status, ErrorHttpStatus.For(code));
    }
}
