using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Domain.Maps;
using Akka.Transcode.Domain.Media;
using Akka.Transcode.Media.Maps;
using Akka.Transcode.Media.Probing;

namespace Akka.Transcode.Media.Paths;

/// <summary>The real paths of a job's files, as add_job accepted them.</summary>
public sealed record JobFilePaths(string SourcePath, string? MapPath, IReadOnlyList<MapTable> MapTables, string DstDir);

/// <summary>
/// Every check add_job makes of the files a job names, in one place: the source (missing, not a file, unreadable,
/// a playlist), the map with its tables, the destination directory, and an output that is already there. What it
/// refuses answers the client at once; the workers check each path again when they use it.
/// </summary>
public static class JobFiles
{
    /// <summary>
    /// The real paths of the files a client named, or the first reason one is refused (-4, -6 or -9). A refusal
    /// echoes the client's text, never a real path.
    /// </summary>
    public static async Task<Result<JobFilePaths>> ResolveAsync(MediaRoots roots, string srcFilename, string? mapFilename,
        string dstDir, CancellationToken ct)
    {
        var src = roots.ResolveSource(srcFilename, "job.src_filename");
        if (!src.IsOk) return src.Error!;
        // A playlist or list names other files: refused before any ffprobe sees it (the probe's allow-list stands behind).
        if (SourceSniffer.Refusal(src.Value!) is { } notMedia)
            return Result<JobFilePaths>.Fail(ErrorCode.SourceUnusable,
                $"job.src_filename: '{srcFilename}' is {notMedia}: {InputFormats.OnlyContainers}");
        // The map is checked in full now, tables included, so a bad one is refused before the job exists (and
        // before dst_dir is created); the worker checks it again before use. Its tables must lie inside the media
        // roots like every other file.
        string? mapPath = null;
        IReadOnlyList<MapTable> mapTables = [];
        if (mapFilename is not null)
        {
            var map = roots.ResolveSource(mapFilename, "job.map_filename");
            if (!map.IsOk) return map.Error!;
            var loaded = await StitchMapLoader.LoadWithTablesAsync(map.Value!, roots.Contains, ct);
            if (!loaded.IsOk) return loaded.Error! with { Message = $"job.map_filename: {loaded.Error!.Message}" };
            mapPath = map.Value!;
            mapTables = loaded.Value!.Tables;
        }
        var dst = roots.ResolveDestinationDir(dstDir, "job.dst_dir");
        if (!dst.IsOk) return dst.Error!;
        return Result<JobFilePaths>.Ok(new JobFilePaths(src.Value!, mapPath, mapTables, dst.Value!));
    }

    /// <summary>-8 when the job's output is already there and the job may not replace it; checked at add_job for a
    /// fast, clear answer, and again by the rename at the job's end, which never overwrites it. An output-group job's
    /// output is a directory, and a file of that name blocks its rename just the same.</summary>
    public static Failure? OutputTaken(JobSpec job) =>
        !job.Overwrite && (job.IsOutputGroup ? Path.Exists(job.OutputPath()) : File.Exists(job.OutputPath()))
            ? new Failure(ErrorCode.Conflict, $"output {job.OutputPath()} already exists (set overwrite to replace it)")
            : null;
}
