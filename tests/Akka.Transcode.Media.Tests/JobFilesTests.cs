using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Jobs;
using Akka.Transcode.Media.Paths;
using Akka.Transcode.Media.Tests.Support;

namespace Akka.Transcode.Media.Tests;

/// <summary>
/// add_job's checks of a job's files, in the order the client meets them: each refusal's code and message are what
/// the HTTP answer carries (the end-to-end error-code and hostile-input tests see the same through the API).
/// </summary>
public sealed class JobFilesTests : IDisposable
{
    private readonly ScratchDir _dir = new();
    private readonly MediaRoots _roots;

    public JobFilesTests()
    {
        _roots = new MediaRoots([_dir.Path]);
        File.WriteAllBytes(_dir.File("in.ts"), [0x47, 0, 0, 0, 1, 2, 3]);
    }

    public void Dispose() => _dir.Dispose();

    private Task<Result<JobFilePaths>> Resolve(string src, string? map = null, string dst = "out") =>
        JobFiles.ResolveAsync(_roots, src, map, dst, CancellationToken.None);

    [Fact]
    public async Task A_source_and_destination_inside_the_roots_resolve_to_real_paths_and_dst_dir_is_created()
    {
        var files = await Resolve("in.ts");

        Assert.True(files.IsOk, files.Error?.Message);
        Assert.Equal(Path.Combine(_roots.Roots[0], "in.ts"), files.Value!.SourcePath);
        Assert.Equal(Path.Combine(_roots.Roots[0], "out"), files.Value.DstDir);
        Assert.True(Directory.Exists(files.Value.DstDir));
        Assert.Null(files.Value.MapPath);
        Assert.Empty(files.Value.MapTables);
    }

    [Fact]
    public async Task A_missing_source_is_minus_9_and_names_the_field_and_the_clients_text()
    {
        var files = await Resolve("nope.ts");

        Assert.Equal(new Failure(ErrorCode.SourceUnusable, "job.src_filename: 'nope.ts' does not exist"), files.Error);
        Assert.False(Directory.Exists(_dir.File("out")));
    }

    [Fact]
    public async Task A_playlist_is_refused_before_any_probe_with_minus_9()
    {
        File.WriteAllText(_dir.File("list.m3u8"), "#EXTM3U\n#EXTINF:1,\nhttp://example.invalid/a.ts\n");

        var files = await Resolve("list.m3u8");

        Assert.Equal(ErrorCode.SourceUnusable, files.Error!.Code);
        Assert.StartsWith("job.src_filename: 'list.m3u8' is ", files.Error.Message);
    }

    [Fact]
    public async Task A_missing_map_is_minus_9_under_its_own_field_and_dst_dir_is_not_created()
    {
        var files = await Resolve("in.ts", map: "nomap.json");

        Assert.Equal(new Failure(ErrorCode.SourceUnusable, "job.map_filename: 'nomap.json' does not exist"), files.Error);
        Assert.False(Directory.Exists(_dir.File("out")));
    }

    [Fact]
    public async Task A_map_that_does_not_load_is_refused_with_the_field_in_front_of_the_loaders_message()
    {
        File.WriteAllText(_dir.File("bad.json"), "{ not json");

        var files = await Resolve("in.ts", map: "bad.json");

        Assert.False(files.IsOk);
        Assert.StartsWith("job.map_filename: ", files.Error!.Message);
        Assert.False(Directory.Exists(_dir.File("out")));
    }

    [Fact]
    public async Task A_dst_dir_that_is_a_file_is_minus_4()
    {
        var files = await Resolve("in.ts", dst: "in.ts");

        Assert.Equal(new Failure(ErrorCode.InvalidValue, "job.dst_dir: 'in.ts' is a file, not a directory"), files.Error);
    }

    [Fact]
    public async Task An_output_already_in_dst_dir_is_minus_8_unless_the_job_may_overwrite_it()
    {
        var files = (await Resolve("in.ts")).Value!;
        var job = new JobSpec { SourcePath = files.SourcePath, DstDir = files.DstDir, DstFormat = "mp4" };
        Assert.Null(JobFiles.OutputTaken(job));

        File.WriteAllText(job.OutputPath(), "an earlier output");

        Assert.Equal(new Failure(ErrorCode.Conflict, $"output {job.OutputPath()} already exists (set overwrite to replace it)"),
            JobFiles.OutputTaken(job));
        Assert.Null(JobFiles.OutputTaken(job with { Overwrite = true }));
    }

    [Fact]
    public async Task An_output_group_is_taken_by_a_directory_or_a_file_of_its_name()
    {
        var files = (await Resolve("in.ts")).Value!;
        var job = new JobSpec
        {
            SourcePath = files.SourcePath, DstDir = files.DstDir, DstFormat = "",
            Outputs = Akka.Transcode.Domain.Outputs.Presets.Abr16x9,
        };
        Assert.Null(JobFiles.OutputTaken(job));

        Directory.CreateDirectory(job.OutputPath());
        Assert.Equal(ErrorCode.Conflict, JobFiles.OutputTaken(job)?.Code);
        Assert.Null(JobFiles.OutputTaken(job with { Overwrite = true }));

        Directory.Delete(job.OutputPath());
        File.WriteAllText(job.OutputPath(), "a file where the directory goes");
        Assert.Equal(new Failure(ErrorCode.Conflict, $"output {job.OutputPath()} already exists (set overwrite to replace it)"),
            JobFiles.OutputTaken(job));
    }
}
