using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Protocol.Reading;

namespace Akka.Transcode.Protocol.Requests;

/// <summary>
/// The optional output fields of add_job. Codec names are checked against the container here, where the client
/// still gets a -4 naming the field, instead of surfacing later as an ffmpeg failure of the job.
/// </summary>
internal static class OutputSettingsReader
{
    public static readonly string[] VideoCodecs = ["auto", "copy", "h264", "hevc", "vp9", "av1"];
    public static readonly string[] AudioCodecs = ["auto", "copy", "aac", "mp3", "opus", "none"];
    public static readonly string[] Presets =
        ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"];

    public const int MinDimension = 16;
    public const int MaxDimension = 8192;

    public static OutputSettings Read(FieldReader job, ContainerFormat? container)
    {
        var video = job.Word("video_codec", VideoCodecs, "auto", "video codec")!;
        var audio = job.Word("audio_codec", AudioCodecs, "auto", "audio codec")!;
        if (container is not null)
        {
            CheckVideo(job, container, video);
            CheckAudio(job, container, audio);
        }
        var settings = new OutputSettings
        {
            VideoCodec = video,
            AudioCodec = audio,
            VideoBitrate = Bitrate.Read(job, "video_bitrate"),
            AudioBitrate = Bitrate.Read(job, "audio_bitrate"),
            Crf = Optional(job, "crf", 0, 63),
            Preset = job.Word("preset", Presets, fallback: null, what: "preset"),
            Width = Optional(job, "width", MinDimension, MaxDimension),
            Height = Optional(job, "height", MinDimension, MaxDimension),
        };
        return job.Error is null ? settings : OutputSettings.Default;
    }

    private static int? Optional(FieldReader job, string field, int min, int max) =>
        job.Raw(field).Kind == RawKind.Absent ? null : job.IntegerIn(field, min, max, fallback: 0);

    private static void CheckVideo(FieldReader job, ContainerFormat c, string codec)
    {
        if (c.AudioOnly && codec != "auto")
            job.Fail<int>(ErrorCode.InvalidValue, "video_codec", $"{c.Name} holds no video; leave video_codec out or auto");
        else if (codec is not ("auto" or "copy") && !c.AllowedVideoCodecs.Contains(codec))
            job.Fail<int>(ErrorCode.InvalidValue, "video_codec",
                $"{codec} cannot be written to {c.Name} (allowed: {string.Join(", ", c.AllowedVideoCodecs)})");
    }

    private static void CheckAudio(FieldReader job, ContainerFormat c, string codec)
    {
        if (c.AudioOnly && codec == "none")
            job.Fail<int>(ErrorCode.InvalidValue, "audio_codec", $"{c.Name} holds only audio; audio_codec none would leave it empty");
        else if (codec is not ("auto" or "copy" or "none") && !c.AllowedAudioCodecs.Contains(codec))
            job.Fail<int>(ErrorCode.InvalidValue, "audio_codec",
                $"{codec} cannot be written to {c.Name} (allowed: {string.Join(", ", c.AllowedAudioCodecs)})");
    }
}
