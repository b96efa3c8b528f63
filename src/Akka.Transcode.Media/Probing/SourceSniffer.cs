using Akka.Transcode.Domain.Media;

namespace Akka.Transcode.Media.Probing;

/// <summary>
/// Reads a file's first bytes to name the formats ffmpeg must never open as a source (playlists, lists and
/// manifests that name other files or URLs): see <see cref="InputFormats.Sniff"/>. No demuxer is involved, so
/// naming the problem opens nothing the file names.
/// </summary>
public static class SourceSniffer
{
    /// <summary>What the file is, when it is one of those formats; null otherwise, or when it cannot be read (the
    /// caller's own checks say why).</summary>
    public static string? Refusal(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            var head = new byte[InputFormats.SniffBytes];
            var total = 0;
            int read;
            while (total < head.Length && (read = stream.Read(head, total, head.Length - total)) > 0) total += read;
            return InputFormats.Sniff(head.AsSpan(0, total));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
