using Akka.Transcode.Domain;
using Akka.Transcode.Media.Files;
using Akka.Transcode.Media.Paths;

namespace Akka.Transcode.Media.Tests.Files;

/// <summary>The rename at a job's end, on a real directory: in place, repeated after a crash, and refused outside the roots.</summary>
public sealed class OutputPublisherTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("akka-transcode-publish-").FullName;
    private readonly string _outside = Directory.CreateTempSubdirectory("akka-transcode-outside-").FullName;
    private readonly string _dst;
    private readonly string _work;
    private readonly OutputPublisher _publisher;

    public OutputPublisherTests()
    {
        _dst = Directory.CreateDirectory(Path.Combine(_root, "out")).FullName;
        _work = Directory.CreateDirectory(Path.Combine(_root, ".parts-j1")).FullName;
        File.WriteAllText(Path.Combine(_work, "video-0000.mkv"), "part");
        _publisher = new OutputPublisher(new MediaRoots([_root]));
    }

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_outside, recursive: true);
    }

    private string Output => Path.Combine(_dst, "movie.mp4");
    private string Temp => Path.Combine(_dst, ".movie.mp4.j1.tmp");
    private OutputPublication Publication(bool overwrite = false) => new(Temp, Output, overwrite, _work);

    [Fact]
    public void The_finished_output_takes_its_name_and_the_job_files_go()
    {
        File.WriteAllText(Temp, "new");

        var result = _publisher.Publish(Publication());

        Assert.True(result.IsOk, result.Error?.Message);
        Assert.Equal(Output, result.Value);
        Assert.Equal("new", File.ReadAllText(Output));
        Assert.Equal(["movie.mp4"], Directory.EnumerateFileSystemEntries(_dst).Select(Path.GetFileName));
        Assert.False(Directory.Exists(_work));
    }

    [Fact]
    public void An_existing_output_without_overwrite_is_a_conflict_and_stays()
    {
        File.WriteAllText(Temp, "new");
        File.WriteAllText(Output, "earlier");

        var result = _publisher.Publish(Publication());

        Assert.Equal(ErrorCode.Conflict, result.Error?.Code);
        Assert.Equal("earlier", File.ReadAllText(Output));
    }

    [Fact]
    public void Overwrite_replaces_the_earlier_output_and_leaves_nothing_aside()
    {
        File.WriteAllText(Temp, "new");
        File.WriteAllText(Output, "earlier");

        Assert.True(_publisher.Publish(Publication(overwrite: true)).IsOk);

        Assert.Equal("new", File.ReadAllText(Output));
        Assert.Equal(["movie.mp4"], Directory.EnumerateFileSystemEntries(_dst).Select(Path.GetFileName));
    }

    [Fact]
    public void Repeated_after_a_crash_between_moving_the_earlier_output_aside_and_the_rename_it_finishes()
    {
        File.WriteAllText(Temp, "new");
        File.WriteAllText(OutputPublisher.AsideName(Temp), "earlier");

        Assert.True(_publisher.Publish(Publication(overwrite: true)).IsOk);

        Assert.Equal("new", File.ReadAllText(Output));
        Assert.False(File.Exists(OutputPublisher.AsideName(Temp)));
    }

    [Fact]
    public void Repeated_after_a_crash_after_the_rename_it_only_tidies_up()
    {
        File.WriteAllText(Output, "new");
        File.WriteAllText(OutputPublisher.AsideName(Temp), "earlier");

        var result = _publisher.Publish(Publication(overwrite: true));

        Assert.True(result.IsOk, result.Error?.Message);
        Assert.Equal("new", File.ReadAllText(Output));
        Assert.Equal(["movie.mp4"], Directory.EnumerateFileSystemEntries(_dst).Select(Path.GetFileName));
        Assert.False(Directory.Exists(_work));
    }

    [Fact]
    public void When_the_finished_output_is_gone_the_earlier_output_is_put_back()
    {
        File.WriteAllText(OutputPublisher.AsideName(Temp), "earlier");

        var result = _publisher.Publish(Publication(overwrite: true));

        Assert.Equal(ErrorCode.Internal, result.Error?.Code);
        Assert.Equal("earlier", File.ReadAllText(Output));
    }

    [Fact]
    public void An_output_directory_swapped_for_a_link_out_of_the_roots_is_refused_and_nothing_is_written_there()
    {
        File.WriteAllText(Temp, "new");
        var moved = _dst + ".moved";
        Directory.Move(_dst, moved);
        Directory.CreateSymbolicLink(_dst, _outside);

        var result = _publisher.Publish(Publication());

        Assert.Equal(ErrorCode.Forbidden, result.Error?.Code);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_outside));
        Assert.True(File.Exists(Path.Combine(moved, ".movie.mp4.j1.tmp")));
    }
}
