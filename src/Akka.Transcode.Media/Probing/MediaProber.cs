using System.Globalization;
using System.Text.RegularExpressions;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Media;
using FFMpegCore;
using FFMpegCore.Exceptions;

namespace Akka.Transcode.Media.Probing;

/// <summary>
/// Probes a source by its content with ffprobe (through FFMpegCore); the file name and extension play no part.
/// ffprobe may open the file only as one of <see cref="InputFormats.SourceDemuxers"/>, and only through the file
/// protocol: a playlist or list that names other files is refused, never followed.
/// </summary>
/// <param name="timeout">How long one ffprobe run may take (default <see cref="DefaultTimeout"/>); it is stopped then.</param>
public sealed partial class MediaProber(TimeSpan? timeout = null)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);
    private const string Unreadable = "not media ffprobe can read: ";

    // FFMpegCore appends these after the file name; ffprobe reads all its options before it opens the input.
    private static readonly string ProbeArguments = string.Join(" ", InputFormats.SourceInputOptions);

    private readonly TimeSpan _timeout = timeout ?? DefaultTimeout;

    /// <summary>How long one ffprobe run may take: the key-frame scan beside the probe keeps to it too.</summary>
    public TimeSpan Timeout => _timeout;

    /// <summary>
    /// The source's streams and duration, or <see cref="ErrorCode.SourceUnusable"/> saying why it cannot be transcoded.
    /// A node whose ffprobe cannot run at all answers <see cref="ErrorCode.Unavailable"/>: that is no fault of the source.
    /// </summary>
    public async Task<Result<MediaInfo>> ProbeAsync(string path, CancellationToken ct)
    {
        var result = await ProbeFileAsync(Path.GetFullPath(path), ct).ConfigureAwait(false);
        // The job's err_msg is all a client sees of a failed probe: name the file (not the whole path, which the
        // job object already carries).
        return result.IsOk || result.Error!.Code != ErrorCode.SourceUnusable
            ? result
            : Result<MediaInfo>.Fail(ErrorCode.SourceUnusable, $"source '{Path.GetFileName(path)}': {result.Error.Message}");
    }

    private async Task<Result<MediaInfo>> ProbeFileAsync(string fullPath, CancellationToken ct)
    {
        var file = new FileInfo(fullPath);
        if (!file.Exists) return Unusable("no such file");
        if (file.Length == 0) return Unusable("empty file");
        // The common playlists and lists are named from their first bytes; ffprobe's allow-list refuses the rest.
        if (SourceSniffer.Refusal(fullPath) is { } what) return Refused(what);

        using var alias = ProbeAlias.For(fullPath);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(_timeout);
        IMediaAnalysis analysis;
        try
        {
            analysis = await FFProbe.AnalyseAsync(alias.Path, null, customArguments: ProbeArguments, cancellationToken: limit.Token).ConfigureAwait(false);
        }
        catch (Exception) when (limit.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            // FFMpegCore kills ffprobe; whether it then throws a cancellation or an exit-code error depends on timing.
            return Unusable(TimedOut(_timeout));
        }
        catch (FFProbeProcessException e)
        {
            return NotOnWhitelist(e.StandardError) is { } demuxer
                ? Refused(InputFormats.Describe(demuxer))
                : Unusable(ShortReason(e, alias.Path));
        }
        catch (FFProbeException e)
        {
            return Unusable(e.Message);
        }
        catch (FileNotFoundException)
        {
            return Unusable("no such file");
        }
        catch (FFMpegException e)
        {
            return Result<MediaInfo>.Fail(ErrorCode.Unavailable, "ffprobe could not run: " + e.Message);
        }

        return MediaAnalysisMapper.ToMediaInfo(analysis);
    }

    private static Result<MediaInfo> Unusable(string reason) => Result<MediaInfo>.Fail(ErrorCode.SourceUnusable, Unreadable + reason);

    private static Result<MediaInfo> Refused(string what) =>
        Result<MediaInfo>.Fail(ErrorCode.SourceUnusable, $"{what}: {InputFormats.OnlyContainers}");

    public static string TimedOut(TimeSpan timeout) =>
        $"ffprobe did not finish within {timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s (Transcode:Media:ProbeTimeoutSeconds)";

    /// <summary>
    /// The demuxer ffprobe recognised but was not allowed to use: ffmpeg logs that refusal under the demuxer's own
    /// name ("[hls @ 0x55...] Format not on whitelist '...'"), having only looked at the first bytes.
    /// </summary>
    public static string? NotOnWhitelist(IEnumerable<string> stderr)
    {
        foreach (var line in stderr)
        {
            var m = WhitelistRefusal().Match(line);
            if (m.Success) return m.Groups[1].Value;
        }
        return null;
    }

    [GeneratedRegex(@"^\[([A-Za-z0-9_,]+) @ 0x[0-9a-fA-F]+\] Format not on whitelist")]
    private static partial Regex WhitelistRefusal();

    // ffprobe's last stderr line names the problem, prefixed with the path it was given (ours, or the alias).
    private static string ShortReason(FFProbeProcessException e, string probedPath)
    {
        var last = e.StandardError.LastOrDefault(line => !string.IsNullOrWhiteSpace(line))?.Trim();
        if (last is null) return $"ffprobe exited with code {e.ExitCode}";
        var prefix = probedPath + ": ";
        return last.StartsWith(prefix, StringComparison.Ordinal) ? last[prefix.Length..] : last;
    }
}
