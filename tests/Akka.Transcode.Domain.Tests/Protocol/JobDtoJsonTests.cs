using System.Text.Json;
using Akka.Transcode.Protocol;
using Akka.Transcode.Protocol.Responses;

namespace Akka.Transcode.Domain.Tests.Protocol;

public class JobDtoJsonTests
{
    private static readonly DateTimeOffset Created = new(2026, 11, 23, 18, 44, 23, 123, TimeSpan.Zero);

    private static JobDto Running() => new()
    {
        Id = "j1",
        State = 2,
        SrcPath = "/media/record.bin",
        DstPath = "/media/out/record.flv",
        Progress = 35.5,
        DstFormat = "flv",
        Segments = "1-5:2-10",
        CreatedAt = Created,
        UpdatedAt = Created.AddSeconds(2),
        EtaSeconds = 12.5,
        Tasks = new TaskCountsDto(4, 1),
        Notes = [],
        Priority = 1,
    };

    private static JsonElement Json(object o) => JsonSerializer.SerializeToElement(o, ProtocolJson.Options);

    private static string[] Names(JsonElement e) => e.EnumerateObject().Select(p => p.Name).ToArray();

    [Fact]
    public void Running_job_has_the_protocol_names_and_leaves_out_what_does_not_apply()
    {
        var json = Json(Running());

        Assert.Equal(
            ["id", "state", "srt_path", "src_path", "dst_path", "progress", "dst_format", "segments", "created_at",
             "updated_at", "eta_seconds", "tasks", "priority"],
            Names(json));
        Assert.Equal("/media/record.bin", json.GetProperty("srt_path").GetString());
        Assert.Equal(json.GetProperty("src_path").GetString(), json.GetProperty("srt_path").GetString());
        Assert.Equal(35.5, json.GetProperty("progress").GetDouble());
        Assert.Equal(["count", "done"], Names(json.GetProperty("tasks")));
        Assert.Equal(4, json.GetProperty("tasks").GetProperty("count").GetInt32());
    }

    [Fact]
    public void Times_are_iso_8601_utc_with_milliseconds_whatever_the_offset()
    {
        var local = new DateTimeOffset(2026, 11, 23, 20, 44, 23, 123, TimeSpan.FromHours(2)).AddTicks(4567);
        var json = Json(Running() with { CreatedAt = local });

        Assert.Equal("2026-11-23T18:44:23.123Z", json.GetProperty("created_at").GetString());
        Assert.Equal("2026-11-23T18:44:25.123Z", json.GetProperty("updated_at").GetString());
    }

    [Fact]
    public void Failed_job_carries_result_error_and_notes()
    {
        var failed = Running() with
        {
            State = 4, Result = -1, ErrCode = -9, ErrMsg = "source not usable", EtaSeconds = null,
            Notes = ["copy with segments cuts at key frames"],
        };

        var json = Json(failed);

        Assert.Equal(-1, json.GetProperty("result").GetInt32());
        Assert.Equal(-9, json.GetProperty("err_code").GetInt32());
        Assert.Equal("source not usable", json.GetProperty("err_msg").GetString());
        Assert.Equal("copy with segments cuts at key frames", json.GetProperty("notes")[0].GetString());
        Assert.False(json.TryGetProperty("eta_seconds", out _));
        Assert.False(json.TryGetProperty("speed", out _));
    }

    [Fact]
    public void Task_list_appears_only_when_set_with_the_task_field_names()
    {
        var task = new TaskDto
        {
            Id = "j1.t0", Kind = "encode", State = 2, Progress = 50, WorkerId = "w1", FromTime = 0, ToTime = 60, Attempts = 1,
        };

        var json = Json(Running() with { TaskList = [task], Speed = 1.25 });

        Assert.Equal(1.25, json.GetProperty("speed").GetDouble());
        var t = json.GetProperty("task_list")[0];
        Assert.Equal(["id", "kind", "state", "progress", "worker_id", "from_time", "to_time", "attempts"], Names(t));
        Assert.Equal(0, Json(task with { Result = 0 }).GetProperty("result").GetInt32());
        Assert.False(Json(Running()).TryGetProperty("task_list", out _));
    }

    [Fact]
    public void Job_object_reads_back()
    {
        var text = JsonSerializer.Serialize(Running(), ProtocolJson.Options);

        var back = JsonSerializer.Deserialize<JobDto>(text, ProtocolJson.Options)!;

        Assert.Equal(Running() with { Tasks = back.Tasks }, back);
        Assert.Equal(Running().Tasks, back.Tasks);
    }

    [Fact]
    public void Shared_options_cannot_be_changed_by_a_caller()
    {
        Assert.True(ProtocolJson.Options.IsReadOnly);
        Assert.Throws<InvalidOperationException>(() => ProtocolJson.Options.WriteIndented = true);
    }
}
