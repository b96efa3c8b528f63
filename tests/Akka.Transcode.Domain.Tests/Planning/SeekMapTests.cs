using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Domain.Tasks;
using static Akka.Transcode.Domain.Tests.Planning.PlanSamples;

namespace Akka.Transcode.Domain.Tests.Planning;

public sealed class SeekMapTests
{
    // Key frames every 2 s of a TS that starts at 1.4 (the first frame there too).
    private static readonly double[] Keys = Enumerable.Range(0, 30).Select(i => 1.4 + 2 * i).ToArray();

    [Theory]
    // container, start (s after the container's start), expected seek, expected seconds decoded before the start
    [InlineData("mpegts", 30.0, 29.5, 0.0)]          // a start on a key frame: the margin before it, nothing wasted
    [InlineData("mpegts", 31.0, 29.5, 1.0)]          // between key frames: the one before
    [InlineData("mpegts", 31.99, 29.5, 1.99)]
    [InlineData("mpegts", 0.3, 0.0, 0.3)]            // before the margin: from the beginning
    [InlineData("mov,mp4,m4a,3gp,3g2,mj2", 30.0, 30.0 + 0.5 / 30, 0.0)] // indexed: half a frame after the key frame
    [InlineData("mov,mp4,m4a,3gp,3g2,mj2", 33.0, 32.0 + 0.5 / 30, 1.0)]
    [InlineData("matroska,webm", 33.0, 31.5, 1.0)]   // other containers: the margin rule (lands there or earlier)
    public void A_cut_seeks_to_the_key_frame_before_it(string format, double start, double seek, double decoded)
    {
        var map = new SeekMap(Keys, 1.4, 30, SeekMap.IsIndexed(format));

        var (s, d) = map.For(start);

        Assert.Equal(seek, s, 6);
        Assert.Equal(decoded, d, 6);
    }

    [Fact]
    public void A_start_a_rounding_error_before_a_key_frame_still_counts_as_on_it()
    {
        // Frame times come from the grid, key frame times from ffprobe's six decimals.
        var map = new SeekMap([1.466667, 3.466667], 1.445333, 30, false);

        Assert.Equal(0, map.For(3.466667 - 1.445333 - 1e-5).Decoded, 6);
    }

    [Fact]
    public void Without_key_frames_a_cut_seeks_the_blind_pre_roll()
    {
        Assert.Equal((30 - TaskPlanner.SeekPreroll, TaskPlanner.SeekPreroll), SeekMap.None.For(30));
        Assert.Equal((0.0, 2.0), SeekMap.None.For(2));
        // Key frames only after the start: nothing to seek to either.
        Assert.Equal(30 - TaskPlanner.SeekPreroll, new SeekMap([40.0], 0, 30, false).For(30).Seek);
    }

    [Fact]
    public void Chunks_of_a_source_with_known_key_frames_seek_to_them_and_balance_on_what_they_decode()
    {
        var media = Hd60() with { Keyframes = Enumerable.Range(0, 30).Select(i => 2.0 * i).ToList() };
        var plan = PlanOk(Spec("mp4", output: new OutputSettings { VideoCodec = "h264" }), media,
            new PlanningOptions(MaxTaskSeconds: 60, WorkerSlots: 2));

        var cuts = plan.Tasks.Where(t => t.Kind == TaskKind.Video).Select(t => t.Cuts.Single()).ToList();
        Assert.Equal(2, cuts.Count);
        // The balanced split falls on the key frame at 30 s: the second chunk decodes nothing it throws away, so the
        // two chunks get the same frames.
        Assert.Equal(30 - SeekMap.Margin, cuts[1].Seek, 6);
        Assert.Equal(900, cuts[0].Frames);
        Assert.Equal(900, cuts[1].Frames);
    }

    [Fact]
    public void Blind_chunks_give_the_later_chunk_fewer_frames_for_its_pre_roll()
    {
        var plan = PlanOk(Spec("mp4", output: new OutputSettings { VideoCodec = "h264" }), Hd60(),
            new PlanningOptions(MaxTaskSeconds: 60, WorkerSlots: 2));

        var cuts = plan.Tasks.Where(t => t.Kind == TaskKind.Video).Select(t => t.Cuts.Single()).ToList();
        Assert.True(cuts[1].Frames < cuts[0].Frames);
        Assert.Equal(cuts[1].From - TaskPlanner.SeekPreroll, cuts[1].Seek, 6);
    }

    [Theory]
    [InlineData("mp4", "auto", null, false)]     // auto, nothing changed: copied when the codec fits
    [InlineData("mp4", "h264", null, true)]
    [InlineData("mp4", "copy", null, false)]
    [InlineData("mp4", "auto", "1-5", true)]      // exact cuts re-encode
    [InlineData("mp3", "auto", "1-5", false)]     // no video at all
    public void Only_jobs_that_may_re_encode_video_ask_for_key_frames(string format, string codec, string? segments, bool expected)
    {
        Assert.Equal(expected, TaskPlanner.MayEncodeVideo(Spec(format, segments, new OutputSettings { VideoCodec = codec })));
    }
}
