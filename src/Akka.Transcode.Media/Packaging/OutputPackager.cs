using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Outputs;
using Akka.Transcode.Domain.Outputs.Manifests;

namespace Akka.Transcode.Media.Packaging;

/// <summary>
/// Runs a <see cref="PackagePlan"/>: cuts every rendition's fMP4 into init.mp4 and one segment per fragment (bytes
/// copied), measures them, writes the playlists and the MPD from what was measured, splits the still stream into
/// files and writes the sprite's WebVTT. Everything is rewritten on a rerun, so a master that crashed part-way
/// simply runs the plan again. The work runs on the thread pool: the caller is an actor, through PipeTo.
/// </summary>
public sealed class OutputPackager : IOutputPackager
{
    public Task<Result<bool>> PackageAsync(PackagePlan plan, CancellationToken ct) => Task.Run(() => Package(plan, ct), ct);

    public Task<bool> AlreadyPublishedAsync(PackagePlan plan, string publishedDir) => Task.Run(() =>
    {
        if (Directory.Exists(plan.TempDir)) return false;
        var marker = Path.Combine(publishedDir, OutputLayout.PackagedMarker);
        try
        {
            // Not through a link: a marker is a plain file the packager wrote.
            var info = new FileInfo(marker);
            return info.Exists && info.LinkTarget is null && info.Length < 1024
                   && File.ReadAllText(marker) == Path.GetFileName(plan.TempDir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    });

    public static Result<bool> Package(PackagePlan plan, CancellationToken ct)
    {
        try
        {
            var files = new PackageFiles(plan.TempDir);
            foreach (var ladder in plan.Ladders) PackageLadder(ladder, files, ct);
            foreach (var stills in plan.Stills) PackageStills(stills, files, ct);
            files.EnsureDir(plan.TempDir);
            PackageFiles.WriteText(Path.Combine(plan.TempDir, OutputLayout.PackagedMarker), Path.GetFileName(plan.TempDir));
            return Result<bool>.Ok(true);
        }
        catch (PackagingFormatException ex)
        {
            return Result<bool>.Fail(ErrorCode.Internal, ex.Message);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Result<bool>.Fail(ErrorCode.Internal, $"packaging failed: {ex.Message}");
        }
    }

    private static void PackageLadder(LadderPackage ladder, PackageFiles files, CancellationToken ct)
    {
        files.EnsureDir(ladder.Dir);
        var video = ladder.Video.Select(t => Cut(ladder, t, TrackKind.Video, files, ct)).ToList();
        var audio = ladder.Audio.Select(t => Cut(ladder, t, TrackKind.Audio, files, ct)).ToList();
        CheckAligned(ladder.Name, video);

        if (ladder.Hls)
        {
            foreach (var (track, facts) in ladder.Video.Zip(video).Concat(ladder.Audio.Zip(audio)))
                PackageFiles.WriteText(Path.Combine(track.Dir, OutputLayout.MediaPlaylist), HlsPlaylists.Media(facts));
            PackageFiles.WriteText(Path.Combine(ladder.Dir, OutputLayout.MasterPlaylist), HlsPlaylists.Master(video, audio));
        }
        if (ladder.Dash)
            PackageFiles.WriteText(Path.Combine(ladder.Dir, OutputLayout.Mpd), DashManifest.Write(video, audio, ladder.SegmentSeconds));
    }

    /// <summary>Writes one rendition's init segment and segments and measures them.</summary>
    private static TrackFacts Cut(LadderPackage ladder, TrackPackage track, TrackKind kind, PackageFiles files, CancellationToken ct)
    {
        var uri = Path.GetRelativePath(ladder.Dir, track.Dir);
        if (uri.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(uri) || uri == ".")
            throw new PackagingFormatException($"rendition {track.Name}'s folder {track.Dir} is not inside its ladder's {ladder.Dir}");
        files.EnsureDir(track.Dir);

        using var source = PackageFiles.OpenSource(track.SourceFile, FileOptions.RandomAccess);
        Fmp4Track fmp4;
        try
        {
            fmp4 = Fmp4Reader.Read(source);
        }
        catch (PackagingFormatException ex)
        {
            throw new PackagingFormatException($"rendition {track.Name}: {track.SourceFile} is not the fragmented MP4 its task should have written: {ex.Message}");
        }
        if (fmp4.IsVideo != (kind == TrackKind.Video))
            throw new PackagingFormatException($"rendition {track.Name}: {track.SourceFile} holds a '{fmp4.Handler}' track, not {kind.ToString().ToLowerInvariant()}");
        for (var k = 0; k < fmp4.Fragments.Count; k++)
            if (kind == TrackKind.Video && !fmp4.Fragments[k].StartsWithSync)
                throw new PackagingFormatException($"rendition {track.Name}: segment {k + 1} does not start with a key frame, where the plan put a segment boundary");

        PackageFiles.CopyRange(source, 0, fmp4.InitLength, Path.Combine(track.Dir, OutputLayout.InitSegment));
        var segments = new List<SegmentFacts>(fmp4.Fragments.Count);
        for (var k = 0; k < fmp4.Fragments.Count; k++)
        {
            ct.ThrowIfCancellationRequested();
            var f = fmp4.Fragments[k];
            PackageFiles.CopyRange(source, f.Offset, f.Length, Path.Combine(track.Dir, OutputLayout.Segment(k + 1)));
            segments.Add(new SegmentFacts(f.BaseDecodeTime, f.Duration, f.Length));
        }

        var frameRate = track.FrameRate;
        if (frameRate <= 0 && kind == TrackKind.Video)
        {
            var ticks = segments.Sum(s => s.Duration);
            frameRate = ticks > 0 ? fmp4.Fragments.Sum(f => (double)f.SampleCount) * fmp4.Timescale / ticks : 0;
        }
        return new TrackFacts(track.Name, uri.Replace('\\', '/'), kind, fmp4.Codec, fmp4.Timescale, fmp4.Width, fmp4.Height,
            frameRate, fmp4.Channels, fmp4.SampleRate, track.AudioGroup, segments);
    }

    /// <summary>
    /// Segment k must start on the same frame in every video rendition, or a player switching renditions skips or
    /// repeats video: the plan promised it, so a ladder that breaks it fails rather than ships.
    /// </summary>
    private static void CheckAligned(string ladder, IReadOnlyList<TrackFacts> video)
    {
        if (video.Count < 2) return;
        var first = video[0];
        foreach (var other in video.Skip(1))
        {
            if (other.Segments.Count != first.Segments.Count)
                throw new PackagingFormatException($"ladder {ladder}: rendition {other.Name} has {other.Segments.Count} segments, {first.Name} has {first.Segments.Count}");
            // Half a frame: the renditions share frame times, only their timescales may differ.
            var tolerance = first.FrameRate > 0 ? 0.5 / first.FrameRate : 0.001;
            for (var k = 0; k < first.Segments.Count; k++)
            {
                var a = (double)(first.Segments[k].Start - first.Segments[0].Start) / first.Timescale;
                var b = (double)(other.Segments[k].Start - other.Segments[0].Start) / other.Timescale;
                if (Math.Abs(a - b) > tolerance)
                    throw new PackagingFormatException($"ladder {ladder}: segment {k + 1} starts at {a:0.000} s in {first.Name} but {b:0.000} s in {other.Name}");
            }
        }
    }

    private static void PackageStills(StillsPackage stills, PackageFiles files, CancellationToken ct)
    {
        files.EnsureDir(stills.Dir);
        var found = StillSplitter.Find(stills.StreamFile, stills.Format);
        if (!found.IsOk) throw new PackagingFormatException($"thumbnails {stills.Name}: {found.Error!.Message}");
        var images = found.Value!;
        if (images.Count != stills.Count)
            throw new PackagingFormatException($"thumbnails {stills.Name}: {stills.StreamFile} holds {images.Count} stills, the plan asked for {stills.Count}");

        using (var source = PackageFiles.OpenSource(stills.StreamFile, FileOptions.RandomAccess))
        {
            for (var k = 0; k < images.Count; k++)
            {
                ct.ThrowIfCancellationRequested();
                PackageFiles.CopyRange(source, images[k].Offset, images[k].Length, Path.Combine(stills.Dir, OutputLayout.Still(k + 1, stills.Format)));
            }
        }
        if (stills.Sprite)
            PackageFiles.WriteText(Path.Combine(stills.Dir, OutputLayout.SpriteVtt), SpriteVtt.Write(stills.Count, stills.IntervalSeconds,
                stills.OutputDuration, stills.Columns, stills.TileWidth, stills.TileHeight, OutputLayout.Sprite(stills.Format)));
    }
}
