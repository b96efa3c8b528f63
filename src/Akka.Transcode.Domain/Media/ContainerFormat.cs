namespace Akka.Transcode.Domain.Media;

/// <summary>
/// An output container clients may name in dst_format, with the codecs its users expect and the codecs that can be
/// stream-copied into it unchanged. Codec names are ffprobe's (h264, aac, ...).
/// </summary>
public sealed record ContainerFormat(
    string Name,
    string Extension,
    string Muxer,
    string? DefaultVideoCodec,
    string DefaultAudioCodec,
    IReadOnlySet<string> AllowedVideoCodecs,
    IReadOnlySet<string> AllowedAudioCodecs,
    IReadOnlySet<string> CopyableVideoCodecs,
    IReadOnlySet<string> CopyableAudioCodecs)
{
    public bool AudioOnly => DefaultVideoCodec is null;
}

public static class ContainerFormats
{
    private static IReadOnlySet<string> Set(params string[] xs) => new HashSet<string>(xs, StringComparer.Ordinal);

    // ffmpeg's own defaults are wrong for users here (flv would get FLV1 + MP3), so every container names its codecs.
    public static readonly IReadOnlyDictionary<string, ContainerFormat> All = new[]
    {
        new ContainerFormat("flv", "flv", "flv", "h264", "aac",
            Set("h264"), Set("aac", "mp3"), Set("h264"), Set("aac", "mp3")),
        new ContainerFormat("mp4", "mp4", "mp4", "h264", "aac",
            Set("h264", "hevc", "av1", "vp9"), Set("aac", "mp3", "opus"), Set("h264", "hevc", "av1", "vp9"), Set("aac", "mp3", "opus")),
        new ContainerFormat("mkv", "mkv", "matroska", "h264", "aac",
            Set("h264", "hevc", "vp9", "av1"), Set("aac", "mp3", "opus"),
            Set("h264", "hevc", "vp9", "vp8", "av1", "mpeg4", "mpeg2video"), Set("aac", "mp3", "opus", "vorbis", "flac", "ac3", "eac3", "pcm_s16le")),
        new ContainerFormat("mov", "mov", "mov", "h264", "aac",
            Set("h264", "hevc", "av1"), Set("aac", "mp3"), Set("h264", "hevc", "mpeg4"), Set("aac", "mp3", "pcm_s16le")),
        new ContainerFormat("ts", "ts", "mpegts", "h264", "aac",
            Set("h264", "hevc"), Set("aac", "mp3"), Set("h264", "hevc", "mpeg2video"), Set("aac", "mp3", "ac3", "mp2")),
        new ContainerFormat("webm", "webm", "webm", "vp9", "opus",
            Set("vp9", "av1"), Set("opus"), Set("vp9", "vp8", "av1"), Set("opus", "vorbis")),
        new ContainerFormat("mp3", "mp3", "mp3", null, "mp3",
            Set(), Set("mp3"), Set(), Set("mp3")),
        new ContainerFormat("m4a", "m4a", "ipod", null, "aac",
            Set(), Set("aac"), Set(), Set("aac")),
        new ContainerFormat("wav", "wav", "wav", null, "pcm_s16le",
            Set(), Set("pcm_s16le"), Set(), Set("pcm_s16le")),
    }.ToDictionary(f => f.Name, StringComparer.Ordinal);

    public static string Names => string.Join(", ", All.Keys);

    public static ContainerFormat? Find(string? name) => name is not null && All.TryGetValue(name, out var f) ? f : null;
}
