using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Media;
using FFMpegCore;
using FFMpegCore.Exceptions;

namespace Akka.Transcode.Media.Probing;

/// <summary>Probes a source by its content with ffprobe (through FFMpegCore); the file name and extension play no part.</summary>
public sealed class MediaProber
{
    private const string Unreadable = "not media ffprobe can read: ";

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

    private static async Task<Result<MediaInfo>> ProbeFileAsync(string fullPath, CancellationToken ct)
    {
        var file = new FileInfo(fullPath);
        if (!file.Exists) return Unusable("no such file");
        if (file.Length == 0) return Unusable("empty file");

        using var alias = ProbeAlias.For(fullPath);
        IMediaAnalysis analysis;
        try
        {
            analysis = await FFProbe.AnalyseAsync(alias.Path, null, null, ct).ConfigureAwait(false);
        }
        catch (FFProbeProcessException e)
        {
            return Unusable(ShortReason(e, alias.Path));
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

    // ffprobe's last stderr line names the problem, prefixed with the path it was given (ours, or the alias).
    private static string ShortReason(FFProbeProcessException e, string probedPath)
    {
        var last = e.StandardError.LastOrDefault(line => !string.IsNullOrWhiteSpace(line))?.Trim();
        if (last is null) return $"ffprobe exited with code {e.ExitCode}";
        var prefix = probedPath + ": ";
        return last.StartsWith(prefix, StringComparison.Ordinal) ? last[prefix.Length..] : last;
    }
}
