using Akka.Transcode.Media.Files;
using Akka.Transcode.Media.Paths;
using Akka.Transcode.Media.Tests.Support;

namespace Akka.Transcode.Media.Tests;

/// <summary>
/// A job's cleanup with real symbolic links: given the roots, it deletes its own files and never anything a
/// swapped link leads to outside them.
/// </summary>
public sealed class FileCleanupTests : IDisposable
{
    private readonly ScratchDir _dir = new();
    private readonly string _root;
    private readonly string _outside;
    private readonly MediaRoots _roots;

    public FileCleanupTests()
    {
        _root = Directory.CreateDirectory(_dir.File("root")).FullName;
        _outside = Directory.CreateDirectory(_dir.File("outside")).FullName;
        _roots = new MediaRoots([_root]);
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>A job's files in <paramref name="dst"/>: the work directory with a part, the temporary output, a partial.</summary>
    private static (string WorkDir, string Temp) JobFiles(string dst)
    {
        var work = Directory.CreateDirectory(Path.Combine(dst, ".transcode-job")).FullName;
        File.WriteAllText(Path.Combine(work, "video-0000.mkv"), "part");
        var temp = Path.Combine(dst, ".transcode-job.mkv");
        File.WriteAllText(temp, "temp");
        File.WriteAllText(temp + ".partial-0123abcd", "partial");
        return (work, temp);
    }

    [Fact]
    public void A_jobs_own_files_are_removed()
    {
        var dst = Directory.CreateDirectory(Path.Combine(_root, "dst")).FullName;
        var (work, temp) = JobFiles(dst);
        File.WriteAllText(Path.Combine(dst, "other.mkv"), "someone else's");

        FileCleanup.Remove(work, temp, _roots);

        Assert.Equal(["other.mkv"], Directory.EnumerateFileSystemEntries(dst).Select(Path.GetFileName));
    }

    [Fact]
    public void A_destination_swapped_for_a_link_out_loses_nothing_where_the_link_leads()
    {
        var dst = Path.Combine(_root, "dst");
        // The same names outside: what a cleanup through the swapped link would delete.
        JobFiles(_outside);
        var before = Directory.EnumerateFileSystemEntries(_outside, "*", SearchOption.AllDirectories).Order().ToList();
        Directory.CreateSymbolicLink(dst, _outside);

        FileCleanup.Remove(Path.Combine(dst, ".transcode-job"), Path.Combine(dst, ".transcode-job.mkv"), _roots);
        FileCleanup.TryDelete(Path.Combine(dst, ".transcode-job.mkv"), _roots);
        FileCleanup.TryDeleteEmptyDirectory(Path.Combine(dst, ".transcode-job"), _roots);

        Assert.Equal(before, Directory.EnumerateFileSystemEntries(_outside, "*", SearchOption.AllDirectories).Order().ToList());
    }

    [Fact]
    public void A_work_directory_that_is_a_link_loses_the_link_not_its_target()
    {
        var dst = Directory.CreateDirectory(Path.Combine(_root, "dst")).FullName;
        var (target, _) = JobFiles(_outside);
        var work = Path.Combine(dst, ".transcode-job");
        Directory.CreateSymbolicLink(work, target);

        FileCleanup.Remove(work, null, _roots);

        Assert.False(Path.Exists(work));
        Assert.True(File.Exists(Path.Combine(target, "video-0000.mkv")));
    }

    [Fact]
    public void A_link_inside_the_work_directory_is_removed_without_following_it()
    {
        var dst = Directory.CreateDirectory(Path.Combine(_root, "dst")).FullName;
        var (work, _) = JobFiles(dst);
        File.WriteAllText(Path.Combine(_outside, "keep.mkv"), "keep");
        Directory.CreateSymbolicLink(Path.Combine(work, "sub"), _outside);

        FileCleanup.Remove(work, null, _roots);

        Assert.False(Directory.Exists(work));
        Assert.True(File.Exists(Path.Combine(_outside, "keep.mkv")));
    }
}
