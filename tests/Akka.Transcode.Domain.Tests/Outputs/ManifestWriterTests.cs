using Akka.Transcode.Domain.Outputs.Manifests;

namespace Akka.Transcode.Domain.Tests.Outputs;

/// <summary>The HLS, DASH and WebVTT text of a ladder, exactly, from measured segment facts.</summary>
public sealed class ManifestWriterTests
{
    // 4 s, 4 s and a last 2 s segment at 30 fps (timescale 15360, as ffmpeg's mp4 muxer picks for 30 fps).
    private static readonly TrackFacts Video720 = new("720p", "720p", TrackKind.Video, "avc1.64001f", 15360, 1280, 720,
        30, 0, 0, "audio-128k", [new(0, 61440, 250_000), new(61440, 61440, 300_000), new(122880, 30720, 100_000)]);

    private static readonly TrackFacts Video360 = new("360p", "360p", TrackKind.Video, "avc1.64001e", 15360, 640, 360,
        30, 0, 0, "audio-128k", [new(0, 61440, 100_000), new(61440, 61440, 120_000), new(122880, 30720, 40_000)]);

    private static readonly TrackFacts Audio = new("audio-128k", "audio-128k", TrackKind.Audio, "mp4a.40.2", 48000, 0, 0,
        0, 2, 48000, "audio-128k", [new(0, 192000, 64_000), new(192000, 192000, 64_000), new(384000, 96000, 32_000)]);

    [Fact]
    public void Measured_bitrates_are_the_busiest_segment_and_the_whole_track()
    {
        Assert.Equal(300_000 * 8 / 4, Video720.PeakBitrate);
        Assert.Equal(650_000 * 8 / 10, Video720.AverageBitrate);
        Assert.Equal(10.0, Video720.DurationSeconds);
        Assert.Equal(128_000, Audio.PeakBitrate);
    }

    [Theory]
    [InlineData(61440, 4)]      // exactly 4 s stays 4, however the division rounds
    [InlineData(61441, 5)]      // a tick over rounds up: EXTINF rounded must never exceed it
    [InlineData(7680, 1)]
    public void Target_duration_is_the_longest_segment_rounded_up(long ticks, long expected)
    {
        var track = Video720 with { Segments = [new(0, 1536, 1), new(1536, ticks, 1)] };
        Assert.Equal(expected, track.TargetDurationSeconds);
    }

    [Fact]
    public void A_media_playlist_lists_every_segment_with_its_measured_length()
    {
        Assert.Equal("""
            #EXTM3U
            #EXT-X-VERSION:7
            #EXT-X-TARGETDURATION:4
            #EXT-X-PLAYLIST-TYPE:VOD
            #EXT-X-INDEPENDENT-SEGMENTS
            #EXT-X-MAP:URI="init.mp4"
            #EXTINF:4.000000,
            seg-00001.m4s
            #EXTINF:4.000000,
            seg-00002.m4s
            #EXTINF:2.000000,
            seg-00003.m4s
            #EXT-X-ENDLIST

            """.ReplaceLineEndings("\n"), HlsPlaylists.Media(Video720));
    }

    [Fact]
    public void The_master_playlist_names_the_audio_group_and_orders_variants_by_bandwidth()
    {
        // 720p: 600000 + 128000 peak, 520000 + 128000 average; 360p: 240000 + 128000, 208000 + 128000.
        Assert.Equal("""
            #EXTM3U
            #EXT-X-VERSION:7
            #EXT-X-INDEPENDENT-SEGMENTS
            #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio-128k",NAME="audio-128k",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio-128k/index.m3u8"
            #EXT-X-STREAM-INF:BANDWIDTH=728000,AVERAGE-BANDWIDTH=648000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2",FRAME-RATE=30.000,AUDIO="audio-128k"
            720p/index.m3u8
            #EXT-X-STREAM-INF:BANDWIDTH=368000,AVERAGE-BANDWIDTH=336000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",FRAME-RATE=30.000,AUDIO="audio-128k"
            360p/index.m3u8

            """.ReplaceLineEndings("\n"), HlsPlaylists.Master([Video360, Video720], [Audio]));
    }

    [Fact]
    public void A_variant_without_audio_names_only_its_video_codec()
    {
        var master = HlsPlaylists.Master([Video360 with { AudioGroup = null, FrameRate = 30000 / 1001.0 }], []);

        Assert.Equal("""
            #EXTM3U
            #EXT-X-VERSION:7
            #EXT-X-INDEPENDENT-SEGMENTS
            #EXT-X-STREAM-INF:BANDWIDTH=240000,AVERAGE-BANDWIDTH=208000,RESOLUTION=640x360,CODECS="avc1.64001e",FRAME-RATE=29.970
            360p/index.m3u8

            """.ReplaceLineEndings("\n"), master);
    }

    [Fact]
    public void The_mpd_states_every_representation_and_its_segment_timeline()
    {
        Assert.Equal("""
            <?xml version="1.0" encoding="utf-8"?>
            <MPD profiles="urn:mpeg:dash:profile:isoff-live:2011" type="static" mediaPresentationDuration="PT10.000S" minBufferTime="PT4.000S" xmlns="urn:mpeg:dash:schema:mpd:2011">
              <Period id="0" start="PT0S">
                <AdaptationSet id="0" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1" maxWidth="1280" maxHeight="720">
                  <Representation id="720p" bandwidth="600000" width="1280" height="720" frameRate="30" codecs="avc1.64001f">
                    <SegmentTemplate timescale="15360" initialization="720p/init.mp4" media="720p/seg-$Number%05d$.m4s" startNumber="1">
                      <SegmentTimeline>
                        <S t="0" d="61440" r="1" />
                        <S d="30720" />
                      </SegmentTimeline>
                    </SegmentTemplate>
                  </Representation>
                  <Representation id="360p" bandwidth="240000" width="640" height="360" frameRate="30" codecs="avc1.64001e">
                    <SegmentTemplate timescale="15360" initialization="360p/init.mp4" media="360p/seg-$Number%05d$.m4s" startNumber="1">
                      <SegmentTimeline>
                        <S t="0" d="61440" r="1" />
                        <S d="30720" />
                      </SegmentTimeline>
                    </SegmentTemplate>
                  </Representation>
                </AdaptationSet>
                <AdaptationSet id="1" contentType="audio" mimeType="audio/mp4" segmentAlignment="true" startWithSAP="1">
                  <Representation id="audio-128k" bandwidth="128000" codecs="mp4a.40.2" audioSamplingRate="48000">
                    <AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="2" />
                    <SegmentTemplate timescale="48000" initialization="audio-128k/init.mp4" media="audio-128k/seg-$Number%05d$.m4s" startNumber="1">
                      <SegmentTimeline>
                        <S t="0" d="192000" r="1" />
                        <S d="96000" />
                      </SegmentTimeline>
                    </SegmentTemplate>
                  </Representation>
                </AdaptationSet>
              </Period>
            </MPD>

            """.ReplaceLineEndings("\n"), DashManifest.Write([Video360, Video720], [Audio], 4));
    }

    public static TheoryData<long[], string> Timelines => new()
    {
        { [0, 4, 4, 4, 8, 2], "t0 d4 r1 | d2" },
        { [0, 4, 5, 4], "t0 d4 | t5 d4" },             // a gap states the next start
        { [100, 4, 104, 4, 108, 4], "t100 d4 r2" },    // a first segment not at zero states where it is
        { [0, 3, 3, 4, 7, 3], "t0 d3 | d4 | d3" },
    };

    [Theory]
    [MemberData(nameof(Timelines))]
    public void Timeline_runs_repeat_equal_back_to_back_segments(long[] startsAndDurations, string expected)
    {
        var segments = startsAndDurations.Chunk(2).Select(p => new SegmentFacts(p[0], p[1], 1)).ToList();

        var runs = DashManifest.Runs(segments).Select(r =>
            (r.Stated ? $"t{r.Start} " : "") + $"d{r.Duration}" + (r.Repeat > 0 ? $" r{r.Repeat}" : ""));

        Assert.Equal(expected, string.Join(" | ", runs));
    }

    [Theory]
    [InlineData(30.0, "30")]
    [InlineData(25.0, "25")]
    [InlineData(30000 / 1001.0, "30000/1001")]
    [InlineData(24000 / 1001.0, "24000/1001")]
    [InlineData(60000 / 1001.0, "60000/1001")]
    [InlineData(12.5, "25/2")]
    public void Frame_rates_are_written_as_dash_ratios(double fps, string expected) =>
        Assert.Equal(expected, DashManifest.FrameRate(fps));

    [Fact]
    public void Sprite_cues_follow_the_stills_and_tile_row_by_row()
    {
        Assert.Equal("""
            WEBVTT

            00:00:00.000 --> 00:00:10.000
            sprite.jpg#xywh=0,0,160,90

            00:00:10.000 --> 00:00:20.000
            sprite.jpg#xywh=160,0,160,90

            00:00:20.000 --> 00:00:25.000
            sprite.jpg#xywh=0,90,160,90

            """.ReplaceLineEndings("\n"), SpriteVtt.Write(3, 10, 25, 2, 160, 90, "sprite.jpg"));
    }

    [Theory]
    [InlineData(0.0, "00:00:00.000")]
    [InlineData(3661.5, "01:01:01.500")]
    [InlineData(59.9996, "00:01:00.000")]
    [InlineData(360000.0, "100:00:00.000")]
    public void Vtt_timestamps_carry_hours_and_milliseconds(double seconds, string expected) =>
        Assert.Equal(expected, SpriteVtt.Timestamp(seconds));
}
