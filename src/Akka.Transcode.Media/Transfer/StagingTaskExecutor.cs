using System.Collections.Concurrent;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Media.Execution;
using Akka.Transcode.Media.Files;
using Akka.Transcode.Media.Hashing;

namespace Akka.Transcode.Media.Transfer;

/// <param name="IsLocal">Whether a master path may be used as it is on this worker: its real path (links followed)
/// lies in this worker's media roots. Cluster workers share the master's storage, so anything else is refused there
/// with -6; a worker outside the cluster fetches it from the master instead.</param>
/// <param name="WorkDir">Where fetched inputs, staged outputs and the source cache live on this worker.</param>
/// <param name="CacheMaxBytes">Fetched sources are kept for the next chunk of the same job up to this total.</param>
public sealed record StagingOptions(Func<string, bool> IsLocal, string WorkDir, long CacheMaxBytes = StagingOptions.DefaultCacheMaxBytes)
{
    /// <summary>The default of Transcode:Worker:CacheMaxBytes (20 GiB).</summary>
    public const long DefaultCacheMaxBytes = 20L << 30;

    // ffmpeg is given absolute paths only, and the data directory is often configured relative.
    public string WorkDir { get; } = Path.GetFullPath(WorkDir);

    public string CacheDir => Path.Combine(WorkDir, "cache");
    public string StageDir => Path.Combine(WorkDir, "stage");
}

/// <summary>
/// Puts a task's files in place around the ffmpeg run, the same way on every worker: each input with a content id
/// is checked against it before use (a mismatch fails the task with -9); an input this worker cannot read is
/// fetched from the master by its id; an output that cannot be written where the master wants it is written here
/// and sent back. Whatever it staged is removed when the attempt ends, however it ends.
/// </summary>
public sealed class StagingTaskExecutor(ITaskExecutor inner, StagingOptions options, IMasterFiles? master, ContentIdCache ids)
    : ITaskExecutor
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _fetching = new();

    public async Task<TaskOutcome> RunAsync(TaskSpec task, Action<TaskProgress> onProgress, CancellationToken ct)
    {
        var stage = Path.Combine(options.StageDir, $"{task.TaskId}-{Guid.NewGuid().ToString("N")[..8]}");
        try
        {
            var local = await Stage(task, stage, ct);
            if (!local.IsOk) return TaskOutcome.Failed(local.Error!.Code, local.Error.Message);
            var (spec, remoteOutput) = local.Value;
            var outcome = await inner.RunAsync(spec, onProgress, ct);
            if (!outcome.Success || !remoteOutput) return outcome;
            var id = await FileHasher.Md5HexAsync(spec.OutputPath, ct);
            try
            {
                await master!.UploadAsync(task.TaskId, id, spec.OutputPath, task.FileToken, ct);
            }
            catch (FileTransferException ex)
            {
                return TaskOutcome.Failed(ErrorCode.Internal, $"sending the output to the master failed: {ex.Message}");
            }
            return outcome;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return TaskOutcome.WasCanceled;
        }
        catch (IOException ex)
        {
            return TaskOutcome.Failed(ErrorCode.Internal, $"staging the task's files failed: {ex.Message}");
        }
        finally
        {
            FileCleanup.Remove(stage, null);
        }
    }

    private async Task<Result<(TaskSpec Spec, bool RemoteOutput)>> Stage(TaskSpec task, string stage, CancellationToken ct)
    {
        var spec = task;
        // A join reads the source only for audio it takes from there; a sprite never does (it tiles its one part).
        var needsSource = task.Inputs().Contains(task.SourcePath);
        if (needsSource)
        {
            var src = await Input(task, task.SourcePath, "src_filename", null, ct);
            if (!src.IsOk) return src.Error!;
            spec = spec with { SourcePath = src.Value! };
        }
        if (task.MapPath is not null)
        {
            // Tables are found relative to the map file: the map is used in place only when every table is too;
            // otherwise the map and all its tables are fetched, the tables beside the map under their names.
            var mapDir = Path.Combine(stage, "map");
            var inPlace = task.MapTables.All(t => options.IsLocal(t.Path) && File.Exists(t.Path));
            var map = await Input(task, task.MapPath, "map_filename", Path.Combine(mapDir, Path.GetFileName(task.MapPath)), ct, fetch: !inPlace);
            if (!map.IsOk) return map.Error!;
            var fetched = map.Value != task.MapPath;
            foreach (var table in task.MapTables)
            {
                var t = await Input(task, table.Path, $"map table {table.Name}", fetched ? Path.Combine(mapDir, table.Name) : null, ct, fetch: fetched);
                if (!t.IsOk) return t.Error!;
            }
            spec = spec with { MapPath = map.Value };
        }
        var parts = new List<string>();
        for (var i = 0; i < task.VideoParts.Count; i++)
        {
            var p = await Input(task, task.VideoParts[i], $"part {i}", Path.Combine(stage, "in", $"{i:D4}-{Path.GetFileName(task.VideoParts[i])}"), ct);
            if (!p.IsOk) return p.Error!;
            parts.Add(p.Value!);
        }
        spec = spec with { VideoParts = parts };
        if (task.AudioPart is not null)
        {
            var a = await Input(task, task.AudioPart, "audio part", Path.Combine(stage, "in", "audio-" + Path.GetFileName(task.AudioPart)), ct);
            if (!a.IsOk) return a.Error!;
            spec = spec with { AudioPart = a.Value };
        }
        var outDir = Path.GetDirectoryName(task.OutputPath)!;
        // The output's own directory may not exist yet (a job's parts directory); its parent, the job's dst_dir, does.
        // A sprite's folder sits one level deeper, in the job's temporary output directory, which may not exist yet.
        var jobDir = Path.GetDirectoryName(outDir);
        if (task.Kind == TaskKind.Sprite && jobDir is not null && !Directory.Exists(jobDir)) jobDir = Path.GetDirectoryName(jobDir);
        var remoteOutput = !(options.IsLocal(outDir) && (Directory.Exists(outDir) || Directory.Exists(jobDir)));
        if (remoteOutput)
        {
            if (master is null)
                return options.IsLocal(outDir)
                    ? Result<(TaskSpec, bool)>.Fail(ErrorCode.Internal, $"output directory {outDir} is not writable on this worker")
                    : Result<(TaskSpec, bool)>.Fail(ErrorCode.Forbidden, $"output directory {outDir} is outside this worker's media roots");
            spec = spec with { OutputPath = Path.Combine(stage, "out", Path.GetFileName(task.OutputPath)) };
        }
        return Result<(TaskSpec, bool)>.Ok((spec, remoteOutput));
    }

    /// <summary>
    /// The local path to read <paramref name="path"/> from, checked against its content id. Sources are fetched into
    /// the cache (the next chunk of the job needs them too); other inputs into <paramref name="placeAt"/>.
    /// </summary>
    /// <param name="fetch">Fetch even when the file is readable here (a map's tables must sit beside the map).</param>
    private async Task<Result<string>> Input(TaskSpec task, string path, string what, string? placeAt, CancellationToken ct,
        bool fetch = false)
    {
        var id = task.FileIds.GetValueOrDefault(path);
        if (!fetch && options.IsLocal(path) && File.Exists(path))
        {
            if (id is null) return Result<string>.Ok(path);
            // The master hashed this very file as it is now: the whole read is not repeated on the way to ffmpeg.
            if (task.FileStamps.TryGetValue(path, out var stamp) && stamp == FileStamp.Of(path)?.Text) return Result<string>.Ok(path);
            var actual = await ids.IdOfAsync(path, ct);
            return actual == id
                ? Result<string>.Ok(path)
                : Result<string>.Fail(ErrorCode.SourceUnusable,
                    $"{what} {path} does not match its file id (expected {id}, found {actual}): it changed after the job was accepted");
        }
        if (master is null && !options.IsLocal(path))
            return Result<string>.Fail(ErrorCode.Forbidden, $"{what} {path} is outside this worker's media roots");
        if (id is null)
            return Result<string>.Fail(ErrorCode.SourceUnusable, $"{what} {path} is not readable on this worker and has no file id to fetch it by");
        if (master is null)
            return Result<string>.Fail(ErrorCode.SourceUnusable, $"{what} {path} is not readable on this worker");

        var target = placeAt ?? Path.Combine(options.CacheDir, id);
        var gate = _fetching.GetOrAdd(target, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            if (placeAt is null && File.Exists(target))
            {
                File.SetLastWriteTimeUtc(target, DateTime.UtcNow); // most recently used
                return Result<string>.Ok(target);
            }
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var partial = FileCleanup.FetchPartialName(target);
            try
            {
                await master.DownloadAsync(id, partial, task.FileToken, ct);
            }
            catch (FileTransferException ex)
            {
                if (ex.NotFound) FileCleanup.TryDelete(partial);
                return Result<string>.Fail(ex.NotFound ? ErrorCode.SourceUnusable : ErrorCode.Internal,
                    $"fetching {what} {path} from the master failed: {ex.Message}");
            }
            var got = await FileHasher.Md5HexAsync(partial, ct);
            if (got != id)
            {
                FileCleanup.TryDelete(partial);
                return Result<string>.Fail(ErrorCode.SourceUnusable,
                    $"{what} {path} fetched from the master does not match its file id (expected {id}, got {got})");
            }
            File.Move(partial, target, overwrite: true);
            if (placeAt is null) EvictCache(keep: target);
            return Result<string>.Ok(target);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Oldest first, until the cache fits its budget again; a file being read stays readable (Linux unlink).</summary>
    private void EvictCache(string keep)
    {
        var files = new DirectoryInfo(options.CacheDir).GetFiles()
            .Where(f => !FileCleanup.IsFetchPartial(f.Name))
            .OrderBy(f => f.LastWriteTimeUtc).ToList();
        var total = files.Sum(f => f.Length);
        foreach (var f in files)
        {
            if (total <= options.CacheMaxBytes) break;
            if (f.FullName == Path.GetFullPath(keep)) continue;
            total -= f.Length;
            FileCleanup.TryDelete(f.FullName);
        }
    }
}
