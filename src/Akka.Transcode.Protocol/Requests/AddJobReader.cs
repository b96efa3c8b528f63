using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Domain.Segments;
using Akka.Transcode.Protocol.Reading;

namespace Akka.Transcode.Protocol.Requests;

internal static class AddJobReader
{
    /// <summary>The job-level codec fields: with <c>outputs</c> they belong to a file entry instead.</summary>
    public static readonly string[] CodecFields =
        ["video_codec", "audio_codec", "video_bitrate", "audio_bitrate", "crf", "preset", "width", "height"];

    public static Result<AddJobRequest> Read(JsonFieldReader body) => Read(body, OutputPresets.BuiltIn);

    public static Result<AddJobRequest> Read(JsonFieldReader body, OutputPresets presets)
    {
        body.RequestType();
        var job = body.Object("job");
        var src = job.NonEmpty("src_filename");
        var dstDir = job.NonEmpty("dst_dir");
        // An output-group job writes a directory of outputs, each with its own format and codecs: a job-level one
        // would be ambiguous (which output?), so it is refused rather than applied to some of them.
        var group = job.Raw("outputs").Kind != RawKind.Absent;
        if (group)
            foreach (var f in CodecFields.Prepend("dst_format"))
                if (job.Raw(f).Kind != RawKind.Absent)
                    job.Fail<int>(ErrorCode.InvalidValue, f, "not allowed with outputs: give it in a file entry of outputs");
        var format = group ? "" : job.Word("dst_format", ContainerFormats.All.Keys.ToList(), fallback: null, what: "container", required: true);
        var segments = job.String("segments");
        var ranges = Ranges(job, segments);
        var map = job.String("map_filename");
        var priority = job.IntegerIn("priority", int.MinValue, int.MaxValue, fallback: 0);
        var jobId = job.Id("job_id", required: false);
        var overwrite = job.Boolean("overwrite") ?? false;
        var output = group ? OutputSettings.Default : OutputSettingsReader.Read(job, ContainerFormats.Find(format ?? ""));
        var callback = CallbackUrl(job);
        var timeout = job.IntegerIn("timeout_seconds", 1, 7 * 24 * 3600, fallback: 0);
        var (outputs, preset) = group && job.Error is null ? OutputsReader.Read(job, presets) : ([], null);

        if (body.Error is { } e) return e;
        return Result<AddJobRequest>.Ok(new AddJobRequest
        {
            SrcFilename = src!,
            DstDir = dstDir!,
            DstFormat = format!,
            Segments = segments,
            Ranges = ranges,
            MapFilename = string.IsNullOrEmpty(map) ? null : map,
            Priority = priority,
            JobId = jobId,
            Overwrite = overwrite,
            Output = output,
            CallbackUrl = callback,
            TimeoutSeconds = timeout,
            Outputs = outputs,
            OutputsPreset = preset,
        });
    }

    private static IReadOnlyList<TimeRange> Ranges(FieldReader job, string? segments)
    {
        var parsed = SegmentParser.Parse(segments);
        if (parsed.IsOk) return parsed.Value!;
        job.Fail<int>(parsed.Error!.Code, "segments", parsed.Error.Message);
        return [];
    }

    // Only http(s): file:, ftp: and friends would let a client make the master read or probe local resources.
    private static string? CallbackUrl(FieldReader job)
    {
        var s = job.String("callback_url");
        if (s is null) return null;
        return Uri.TryCreate(s, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps)
            && u.Host.Length > 0
            ? s
            : job.Fail<string>(ErrorCode.InvalidValue, "callback_url", $"'{s}' is not an absolute http or https URL");
    }
}
