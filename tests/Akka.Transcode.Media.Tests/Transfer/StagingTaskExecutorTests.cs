using System.Security.Cryptography;
using System.Text;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Maps;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Media.Execution;
using Akka.Transcode.Media.Hashing;
using Akka.Transcode.Media.Paths;
using Akka.Transcode.Media.Tests.Support;
using Akka.Transcode.Media.Transfer;

namespace Akka.Transcode.Media.Tests.Transfer;

/// <summary>
/// Staging around the ffmpeg run: content ids checked, inputs fetched, outputs sent back, nothing left behind. The
/// master's storage is one directory, the worker's media root another; ffmpeg is replaced by a recorder.
/// </summary>
public sealed class StagingTaskExecutorTests : IDisposable
{
    private readonly ScratchDir _dir = new();
    private readonly string _master, _workerRoot, _workDir;
    private readonly Recorder _inner = new();
    private readonly FakeMaster _files = new();

    public StagingTaskExecutorTests()
    {
        _master = Directory.CreateDirectory(_dir.File("master")).FullName;
        _workerRoot = Directory.CreateDirectory(_dir.File("worker")).FullName;
        _workDir = _dir.File("transfer");
    }

    public void Dispose() => _dir.Dispose();

    private static string Md5(byte[] bytes) => Convert.ToHexStringLower(MD5.HashData(bytes));

    /// <summary>A file on the master's storage, also served by the fake master under its id.</summary>
    private string MasterFile(string relative, string content)
    {
        var path = Path.Combine(_master, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        _files.Serve(Md5(Encoding.UTF8.GetBytes(content)), Encoding.UTF8.GetBytes(content));
        return path;
    }

    private StagingTaskExecutor Executor(bool shared, IMasterFiles? master = null, long cacheMax = 1L << 30) =>
        new(_inner, new StagingOptions(p => shared ? p.StartsWith(_master) : p.StartsWith(_workerRoot), _workDir, cacheMax),
            master ?? _files, new ContentIdCache());

    private TaskSpec Task(string source, string? id = null, string? output = null) => new()
    {
        TaskId = "j1-t0", JobId = "j1", Index = 0, Kind = TaskKind.Transcode, SourcePath = source,
        OutputPath = output ?? Path.Combine(_master, "out", ".a.mp4.j1.tmp"), Muxer = "mp4",
        Video = new VideoOp(StreamAction.Encode, "h264"), Audio = AudioOp.Copy, Duration = 1, Weight = 1,
        FileIds = id is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [source] = id },
    };

    private Task<TaskOutcome> Run(ITaskExecutor e, TaskSpec t) => e.RunAsync(t, _ => { }, CancellationToken.None);

    private IReadOnlyList<string> Staged() =>
        Directory.Exists(Path.Combine(_workDir, "stage")) ? Directory.GetFileSystemEntries(Path.Combine(_workDir, "stage")) : [];

    [Fact]
    public async Task A_readable_input_that_matches_its_id_is_used_where_it_is()
    {
        var src = MasterFile("in/a.bin", "source one");
        Directory.CreateDirectory(Path.Combine(_master, "out"));

        var outcome = await Run(Executor(shared: true), Task(src, Md5("source one"u8.ToArray())));

        Assert.True(outcome.Success, outcome.Error);
        Assert.Equal(src, _inner.Last!.SourcePath);
        Assert.Empty(_files.Downloads);
        Assert.Empty(_files.Uploads);
    }

    [Fact]
    public async Task A_readable_input_that_changed_since_its_id_was_taken_fails_with_minus_9_and_ffmpeg_never_runs()
    {
        var src = MasterFile("in/a.bin", "source one");
        var id = Md5("source one"u8.ToArray());
        File.WriteAllText(src, "source two, replaced after the job was planned");

        var outcome = await Run(Executor(shared: true), Task(src, id));

        Assert.False(outcome.Success);
        Assert.Equal(ErrorCode.SourceUnusable, outcome.Code);
        Assert.Contains("does not match its file id", outcome.Error);
        Assert.Contains(id, outcome.Error);
        Assert.Null(_inner.Last);
    }

    [Fact]
    public async Task An_input_with_the_stamp_the_master_hashed_is_trusted_without_reading_it_again()
    {
        var src = MasterFile("in/a.bin", "source one");
        Directory.CreateDirectory(Path.Combine(_master, "out"));
        // The id cannot match what the file holds: only a worker that does not hash the file can pass.
        var task = Task(src, Md5("an id the file does not have"u8.ToArray())) with
        {
            FileStamps = new Dictionary<string, string> { [src] = FileStamp.Of(src)!.Value.Text },
        };

        var outcome = await Run(Executor(shared: true), task);

        Assert.True(outcome.Success, outcome.Error);
        Assert.Equal(src, _inner.Last!.SourcePath);
    }

    [Fact]
    public async Task An_input_rewritten_since_the_master_stamped_it_is_hashed_and_fails_with_minus_9()
    {
        var src = MasterFile("in/a.bin", "source one");
        var id = Md5("source one"u8.ToArray());
        var stamp = FileStamp.Of(src)!.Value.Text;
        File.WriteAllText(src, "source two, replaced after the job was planned");
        File.SetLastWriteTimeUtc(src, File.GetLastWriteTimeUtc(src).AddSeconds(1)); // a coarse clock must not hide it

        var outcome = await Run(Executor(shared: true), Task(src, id) with
        {
            FileStamps = new Dictionary<string, string> { [src] = stamp },
        });

        Assert.Equal(ErrorCode.SourceUnusable, outcome.Code);
        Assert.Contains("does not match its file id", outcome.Error);
        Assert.Null(_inner.Last);
    }

    [Fact]
    public async Task An_input_the_worker_cannot_read_is_fetched_once_into_the_cache_and_reused()
    {
        var src = MasterFile("in/a.bin", "remote source");
        var id = Md5("remote source"u8.ToArray());
        var executor = Executor(shared: false);

        var first = await Run(executor, Task(src, id));
        var second = await Run(executor, Task(src, id) with { TaskId = "j1-t1" });

        Assert.True(first.Success && second.Success, first.Error ?? second.Error);
        Assert.Equal(Path.Combine(_workDir, "cache", id), _inner.Last!.SourcePath);
        Assert.Equal([id], _files.Downloads);
        Assert.Equal("remote source", File.ReadAllText(_inner.Last.SourcePath));
    }

    [Fact]
    public async Task A_fetched_file_that_does_not_match_its_id_fails_with_minus_9_and_is_not_kept()
    {
        var src = Path.Combine(_master, "in/a.bin");
        var id = Md5("what the master hashed"u8.ToArray());
        _files.Serve(id, "something else arrived"u8.ToArray());

        var outcome = await Run(Executor(shared: false), Task(src, id));

        Assert.Equal(ErrorCode.SourceUnusable, outcome.Code);
        Assert.Contains("does not match its file id", outcome.Error);
        Assert.Empty(Directory.GetFiles(Path.Combine(_workDir, "cache")));
        Assert.Null(_inner.Last);
    }

    [Fact]
    public async Task A_download_resumes_after_what_the_partial_file_already_holds()
    {
        var content = Encoding.UTF8.GetBytes(new string('x', 5000) + "tail");
        var id = Md5(content);
        _files.Serve(id, content);
        Directory.CreateDirectory(Path.Combine(_workDir, "cache"));
        File.WriteAllBytes(Path.Combine(_workDir, "cache", id + ".partial"), content[..3000]);

        var outcome = await Run(Executor(shared: false), Task(Path.Combine(_master, "in/a.bin"), id));

        Assert.True(outcome.Success, outcome.Error);
        Assert.Equal([3000L], _files.ResumedFrom);
        Assert.Equal(content, File.ReadAllBytes(_inner.Last!.SourcePath));
    }

    [Fact]
    public async Task Inputs_that_cannot_be_read_or_fetched_fail_with_minus_9()
    {
        var src = Path.Combine(_master, "in/missing.bin");

        var noId = await Run(Executor(shared: false), Task(src));
        var clusterWorker = await Run(new StagingTaskExecutor(_inner, new StagingOptions(_ => true, _workDir), null, new ContentIdCache()),
            Task(src, Md5("x"u8.ToArray())));

        Assert.Equal(ErrorCode.SourceUnusable, noId.Code);
        Assert.Contains("no file id", noId.Error);
        Assert.Equal(ErrorCode.SourceUnusable, clusterWorker.Code);
        Assert.Contains("not readable on this worker", clusterWorker.Error);
    }

    [Fact]
    public async Task An_output_outside_the_workers_roots_is_written_here_and_sent_back_with_its_md5()
    {
        var src = MasterFile("in/a.bin", "remote source");
        var output = Path.Combine(_master, "out", ".transcode-j1", "video-0000.mkv");

        var outcome = await Run(Executor(shared: false),
            Task(src, Md5("remote source"u8.ToArray()), output) with { FileToken = "attempt-secret-0123456789" });

        Assert.True(outcome.Success, outcome.Error);
        Assert.StartsWith(Path.Combine(_workDir, "stage"), _inner.Last!.OutputPath);
        // The attempt's file token goes with the fetch of its source and with the upload of its output.
        Assert.Equal(["attempt-secret-0123456789", "attempt-secret-0123456789"], _files.Tokens);
        var (taskId, fileId, bytes) = Assert.Single(_files.Uploads);
        Assert.Equal("j1-t0", taskId);
        Assert.Equal(Md5(bytes), fileId);
        Assert.Equal(Recorder.OutputText("j1-t0"), Encoding.UTF8.GetString(bytes));
        Assert.Empty(Staged());
    }

    [Fact]
    public async Task A_failed_upload_fails_the_attempt_so_it_is_retried()
    {
        var src = MasterFile("in/a.bin", "remote source");
        _files.FailUploads = true;

        var outcome = await Run(Executor(shared: false), Task(src, Md5("remote source"u8.ToArray())));

        Assert.False(outcome.Success);
        Assert.Equal(ErrorCode.Internal, outcome.Code);
        Assert.Contains("sending the output to the master failed", outcome.Error);
        Assert.Empty(Staged());
    }

    [Fact]
    public async Task A_fetched_map_gets_its_tables_beside_it_under_the_names_it_uses()
    {
        var src = MasterFile("in/a.bin", "remote source");
        var map = MasterFile("maps/cam.json", """{"kind":"remap","xmap":"luts/x.pgm","ymap":"luts/y.pgm"}""");
        var x = MasterFile("maps/luts/x.pgm", "x table");
        var y = MasterFile("maps/luts/y.pgm", "y table");
        var ids = new[] { src, map, x, y }.ToDictionary(p => p, p => Md5(File.ReadAllBytes(p)));
        var task = Task(src) with
        {
            MapPath = map, MapTables = [new MapTable("luts/x.pgm", x), new MapTable("luts/y.pgm", y)], FileIds = ids,
        };

        var outcome = await Run(Executor(shared: false), task);

        Assert.True(outcome.Success, outcome.Error);
        var seen = _inner.Last!;
        Assert.NotEqual(map, seen.MapPath);
        var mapDir = Path.GetDirectoryName(seen.MapPath)!;
        Assert.Equal(["x table", "y table"], _inner.TablesSeen);
        Assert.StartsWith(Path.Combine(_workDir, "stage"), mapDir);
        Assert.Empty(Staged());
    }

    [Fact]
    public async Task A_map_read_in_place_whose_table_is_not_readable_is_fetched_with_all_its_tables()
    {
        // The map is on this worker's storage, one table is not: tables are read beside the map, so the map and
        // both tables are fetched together.
        var src = MasterFile("in/a.bin", "source");
        var map = MasterFile("maps/cam.json", """{"kind":"remap","xmap":"luts/x.pgm","ymap":"luts/y.pgm"}""");
        var x = MasterFile("maps/luts/x.pgm", "x table");
        var y = MasterFile("maps/luts/y.pgm", "y table");
        var ids = new[] { src, map, x, y }.ToDictionary(p => p, p => Md5(File.ReadAllBytes(p)));
        File.Delete(y);
        var task = Task(src) with
        {
            MapPath = map, MapTables = [new MapTable("luts/x.pgm", x), new MapTable("luts/y.pgm", y)], FileIds = ids,
        };

        var outcome = await Run(Executor(shared: true), task);

        Assert.True(outcome.Success, outcome.Error);
        Assert.StartsWith(Path.Combine(_workDir, "stage"), _inner.Last!.MapPath);
        Assert.Equal(["x table", "y table"], _inner.TablesSeen);
        Assert.Empty(Staged());
    }

    [Fact]
    public async Task Nothing_is_left_staged_when_the_attempt_is_cancelled()
    {
        var src = MasterFile("in/a.bin", "remote source");
        using var cts = new CancellationTokenSource();
        _inner.OnRun = _ => cts.Cancel();

        var outcome = await Executor(shared: false).RunAsync(Task(src, Md5("remote source"u8.ToArray())), _ => { }, cts.Token);

        Assert.True(outcome.Canceled);
        Assert.Empty(Staged());
        Assert.Empty(_files.Uploads);
    }

    [Fact]
    public async Task The_cache_keeps_the_newest_sources_within_its_budget()
    {
        var executor = Executor(shared: false, cacheMax: 25);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var content = $"source number {i}."; // 17 bytes: two do not fit in 25
            var src = MasterFile($"in/{i}.bin", content);
            ids.Add(Md5(Encoding.UTF8.GetBytes(content)));
            Assert.True((await Run(executor, Task(src, ids[^1]) with { TaskId = $"j1-t{i}" })).Success);
        }

        Assert.Equal([ids[2]], Directory.GetFiles(Path.Combine(_workDir, "cache")).Select(Path.GetFileName));
    }

    /// <summary>Inside means the real path, links followed, as the nodes wire it (ClusterWiring.IsInside).</summary>
    private static Func<string, bool> InsideOf(MediaRoots roots) => p => roots.Recheck(p, "path").IsOk;

    [Fact]
    public async Task A_cluster_worker_refuses_paths_outside_its_own_roots_with_minus_6_and_runs_nothing()
    {
        var outside = Directory.CreateDirectory(_dir.File("outside")).FullName;
        File.WriteAllText(Path.Combine(outside, "secret.bin"), "secret");
        Directory.CreateSymbolicLink(Path.Combine(_master, "in"), outside);
        var src = MasterFile("ok.bin", "a source");
        var clusterWorker = new StagingTaskExecutor(_inner, new StagingOptions(InsideOf(new MediaRoots([_master])), _workDir),
            null, new ContentIdCache());

        // A source through a link out, and an output directory elsewhere: AssignTask's paths are not taken on trust.
        var linked = await Run(clusterWorker, Task(Path.Combine(_master, "in", "secret.bin"), Md5("secret"u8.ToArray())));
        var elsewhere = await Run(clusterWorker, Task(src, Md5("a source"u8.ToArray()), Path.Combine(outside, "out.mp4")));

        Assert.Equal(ErrorCode.Forbidden, linked.Code);
        Assert.Contains("outside this worker's media roots", linked.Error);
        Assert.DoesNotContain(Md5("secret"u8.ToArray()), linked.Error); // not even hashed
        Assert.Equal(ErrorCode.Forbidden, elsewhere.Code);
        Assert.Contains("outside this worker's media roots", elsewhere.Error);
        Assert.Null(_inner.Last);
        Assert.Equal(["secret.bin"], Directory.GetFileSystemEntries(outside).Select(Path.GetFileName));
    }

    [Fact]
    public async Task An_http_workers_ffmpeg_may_use_its_transfer_directory_and_roots_and_nothing_a_swapped_link_leads_to()
    {
        var roots = new MediaRoots([_workerRoot]);
        var guard = new PathGuard(new MediaRoots([_workerRoot, _workDir]));
        var outside = Directory.CreateDirectory(_dir.File("outside")).FullName;
        var swapper = new SwapFirst(new InstantTaskExecutor(guard));
        var worker = new StagingTaskExecutor(swapper, new StagingOptions(InsideOf(roots), _workDir), _files, new ContentIdCache());

        // Fetched into the cache and staged for upload: the transfer directory is this worker's too.
        var src = MasterFile("in/a.bin", "remote source");
        var staged = await Run(worker, Task(src, Md5("remote source"u8.ToArray())));
        Assert.True(staged.Success, staged.Error);
        Assert.Single(_files.Uploads);

        // A local output directory, swapped for a link out after staging chose to write there in place.
        var local = Directory.CreateDirectory(Path.Combine(_workerRoot, "out")).FullName;
        swapper.Before = () =>
        {
            Directory.Delete(local);
            Directory.CreateSymbolicLink(local, outside);
        };
        var swapped = await Run(worker, Task(src, Md5("remote source"u8.ToArray()), Path.Combine(local, ".a.mp4.j1.tmp")));

        Assert.Equal(ErrorCode.Forbidden, swapped.Code);
        Assert.Contains("outside the media roots", swapped.Error);
        Assert.Empty(Directory.GetFileSystemEntries(outside));
        Assert.Single(_files.Uploads);
    }

    /// <summary>Runs <see cref="Before"/> once, right before the executor it wraps: the moment a swap would hurt most.</summary>
    private sealed class SwapFirst(ITaskExecutor inner) : ITaskExecutor
    {
        public Action? Before { get; set; }

        public Task<TaskOutcome> RunAsync(TaskSpec task, Action<TaskProgress> onProgress, CancellationToken ct)
        {
            Before?.Invoke();
            Before = null;
            return inner.RunAsync(task, onProgress, ct);
        }
    }

    /// <summary>Stands in for ffmpeg: records the task it got, reads map tables next to the map, writes its output.</summary>
    private sealed class Recorder : ITaskExecutor
    {
        public TaskSpec? Last { get; private set; }
        public List<string> TablesSeen { get; } = new();
        public Action<TaskSpec>? OnRun { get; set; }

        public static string OutputText(string taskId) => "output of " + taskId;

        public Task<TaskOutcome> RunAsync(TaskSpec task, Action<TaskProgress> onProgress, CancellationToken ct)
        {
            Last = task;
            OnRun?.Invoke(task);
            if (ct.IsCancellationRequested) return System.Threading.Tasks.Task.FromResult(TaskOutcome.WasCanceled);
            if (task.MapPath is not null)
                foreach (var t in task.MapTables)
                    TablesSeen.Add(File.ReadAllText(Path.Combine(Path.GetDirectoryName(task.MapPath)!, t.Name)));
            Directory.CreateDirectory(Path.GetDirectoryName(task.OutputPath)!);
            File.WriteAllText(task.OutputPath, OutputText(task.TaskId));
            return System.Threading.Tasks.Task.FromResult(TaskOutcome.Succeeded);
        }
    }

    private sealed class FakeMaster : IMasterFiles
    {
        private readonly Dictionary<string, byte[]> _served = new();
        public List<string> Downloads { get; } = new();
        public List<long> ResumedFrom { get; } = new();
        public List<(string TaskId, string FileId, byte[] Bytes)> Uploads { get; } = new();
        public bool FailUploads { get; set; }

        public void Serve(string id, byte[] content) => _served[id] = content;

        /// <summary>The file token each download and upload presented, in order.</summary>
        public List<string?> Tokens { get; } = new();

        public async Task DownloadAsync(string fileId, string partialPath, string? fileToken, CancellationToken ct)
        {
            if (!_served.TryGetValue(fileId, out var content)) throw new FileTransferException("not served", notFound: true);
            Downloads.Add(fileId);
            Tokens.Add(fileToken);
            var have = File.Exists(partialPath) ? new FileInfo(partialPath).Length : 0;
            if (have > 0) ResumedFrom.Add(have);
            await using var f = new FileStream(partialPath, FileMode.Append);
            await f.WriteAsync(content.AsMemory((int)have), ct);
        }

        public Task UploadAsync(string taskId, string fileId, string localPath, string? fileToken, CancellationToken ct)
        {
            if (FailUploads) throw new FileTransferException("master unreachable");
            Tokens.Add(fileToken);
            Uploads.Add((taskId, fileId, File.ReadAllBytes(localPath)));
            return System.Threading.Tasks.Task.CompletedTask;
        }
    }
}
