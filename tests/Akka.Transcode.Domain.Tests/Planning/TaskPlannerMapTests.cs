using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Maps;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Domain.Tasks;
using static Akka.Transcode.Domain.Tests.Planning.PlanSamples;

namespace Akka.Transcode.Domain.Tests.Planning;

/// <summary>Jobs with a stitching map: the map needs a re-encoded picture, and chunks like any re-encode.</summary>
public class TaskPlannerMapTests
{
    private const string MapPath = "/media/maps/lens.json";
    private static readonly PlanningOptions SmallChunks = new(MaxTaskSeconds: 10, MinTaskSeconds: 1);
    private static readonly IReadOnlyList<MapTable> Tables =
        [new MapTable("lens.x.pgm", "/media/maps/lens.x.pgm"), new MapTable("lens.y.pgm", "/media/maps/lens.y.pgm")];

    private static JobSpec Mapped(string format, string? segments = null, OutputSettings? output = null) =>
        Spec(format, segments, output) with { MapPath = MapPath, MapTables = Tables };

    private static Failure Refused(JobSpec spec, MediaInfo? media = null)
    {
        var result = TaskPlanner.Plan("job1", spec, media ?? Hd60(), new PlanningOptions());
        Assert.False(result.IsOk, "planned a job that cannot apply its map");
        return result.Error!;
    }

    [Theory]
    [InlineData("mp4")]
    [InlineData("flv")]
    [InlineData("mkv")]
    public void A_map_re_encodes_video_the_container_could_have_copied(string format)
    {
        Assert.Equal(StreamAction.Copy, Assert.Single(PlanOk(Spec(format)).Tasks).Video.Action);

        var task = Assert.Single(PlanOk(Mapped(format)).Tasks);

        Assert.Equal(TaskKind.Transcode, task.Kind);
        Assert.Equal(StreamAction.Encode, task.Video.Action);
        Assert.Equal(MapPath, task.MapPath);
        Assert.Equal(Tables, task.MapTables);
        // The map changes only the picture: audio that fits is still copied.
        Assert.Equal(StreamAction.Copy, task.Audio.Action);
    }

    [Fact]
    public void A_long_mapped_job_is_chunked_and_every_chunk_carries_the_map()
    {
        var plan = PlanOk(Mapped("mp4", output: new OutputSettings { VideoCodec = "h264" }), options: SmallChunks);

        var chunks = plan.Tasks.Where(t => t.Kind == TaskKind.Video).ToList();
        Assert.Equal((int)Math.Ceiling(SourceSeconds / SmallChunks.MaxTaskSeconds), chunks.Count);
        Assert.All(chunks, c =>
        {
            Assert.Equal(MapPath, c.MapPath);
            Assert.Equal(Tables, c.MapTables);
            Assert.Equal(StreamAction.Encode, c.Video.Action);
        });
        // The join copies the mapped chunks; no other task reads the map.
        var join = Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Join);
        Assert.Equal(StreamAction.Copy, join.Video.Action);
        Assert.All(plan.Tasks.Where(t => t.Kind != TaskKind.Video), t =>
        {
            Assert.Null(t.MapPath);
            Assert.Empty(t.MapTables);
        });
        Assert.Equal(chunks.Sum(c => c.Cuts.Single().Frames), (int)(SourceSeconds * Fps));
    }

    [Fact]
    public void A_mapped_job_with_segments_chunks_each_range_and_encodes_audio_once()
    {
        var plan = PlanOk(Mapped("mp4", "1-25:30-45"), options: SmallChunks);

        var chunks = plan.Tasks.Where(t => t.Kind == TaskKind.Video).ToList();
        Assert.True(chunks.Count >= 4, $"{chunks.Count} chunks");
        Assert.All(chunks, c => Assert.Equal(MapPath, c.MapPath));
        var audio = Assert.Single(plan.Tasks, t => t.Kind == TaskKind.Audio);
        Assert.Null(audio.MapPath);
        Assert.Equal(FramesIn(1, 25, Fps).Count + FramesIn(30, 45, Fps).Count, chunks.Sum(c => c.Cuts.Single().Frames));
    }

    [Fact]
    public void Without_a_map_nothing_carries_one()
    {
        var plan = PlanOk(Spec("mp4", "1-25", new OutputSettings { VideoCodec = "h264" }), options: SmallChunks);

        Assert.All(plan.Tasks, t =>
        {
            Assert.Null(t.MapPath);
            Assert.Empty(t.MapTables);
        });
    }

    [Theory]
    [InlineData(null)]
    [InlineData("1-5:2-10")]
    public void Video_codec_copy_with_a_map_is_refused(string? segments)
    {
        var error = Refused(Mapped("mp4", segments, new OutputSettings { VideoCodec = "copy" }));

        Assert.Equal(ErrorCode.InvalidValue, error.Code);
        Assert.Contains("video_codec copy cannot apply a stitching map", error.Message);
    }

    [Theory]
    [InlineData("mp3")]
    [InlineData("m4a")]
    [InlineData("wav")]
    public void A_map_on_an_audio_only_container_is_refused(string format)
    {
        var error = Refused(Mapped(format));

        Assert.Equal(ErrorCode.InvalidValue, error.Code);
        Assert.Contains($"map_filename: {format} holds no video", error.Message);
    }

    [Fact]
    public void A_map_on_a_source_without_video_is_refused()
    {
        var error = Refused(Mapped("mp4"), Hd60(video: false));

        Assert.Equal(ErrorCode.InvalidValue, error.Code);
        Assert.Contains("map_filename: the source has no video stream", error.Message);
    }

    [Fact]
    public void The_map_is_part_of_the_job_fingerprint()
    {
        Assert.NotEqual(Spec("mp4").Fingerprint(), Mapped("mp4").Fingerprint());
        Assert.NotEqual(Mapped("mp4").Fingerprint(), (Mapped("mp4") with { MapPath = "/media/maps/other.json" }).Fingerprint());
    }
}
