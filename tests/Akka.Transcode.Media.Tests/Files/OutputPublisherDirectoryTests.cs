using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Outputs;
using Akka.Transcode.Media.Files;
using Akka.Transcode.Media.Paths;
using Akka.Transcode.Media.Tests.Support;

namespace Akka.Transcode.Media.Tests.Files;

/// <summary>
/// An output-group job's directory published the way a file is: renamed whole, an earlier one moved aside and
/// removed after, repeated safely after a crash at each step, and discarded without following links out of the roots.
/// </summary>
public sealed class OutputPublisherDirectoryTests : IDisposable
{
    private readonly ScratchDir _scratch = new();
    private readonly string _dst;
    private readonly string _outside;
    private readonly string _work;
    private readonly OutputPublisher _publisher;

    public OutputPublisherDirectoryTests()
    {
        var root = Directory.CreateDirectory(_scratch.File("root")).FullName;
        _outside = Directory.CreateDirectory(_scratch.File("outside")).FullName;
        _dst = Directory.CreateDirectory(Path.Combine(root, "out")).FullName;
        _work = Directory.CreateDirectory(Path.Combine(root, ".parts-j1")).FullName;
        _publisher = new OutputPublisher(new MediaRoots([root]));
    }

    public void Dispose() => _scratch.Dispose();

    private string Output => OutputLayout.GroupDir(_dst, "/media/movie.mov");
    private string Temp => OutputLayout.TempGroupDir(_dst, "/media/movie.mov", "j1");
    private string Aside => OutputPublisher.AsideName(Temp);
    private OutputPublication Publication(bool overwrite = false) => new(Temp, Output, overwrite, _work);

    /// <summary>A ladder's worth of files in <paramref name="dir"/>, each holding <paramref name="content"/>.</summary>
    private static void Group(string dir, string content)
    {
        Directory.CreateDirectory(Path.Combine(dir, "abr", "720p"));
        File.WriteAllText(Path.Combine(dir, "abr", OutputLayout.MasterPlaylist), content);
        File.WriteAllText(Path.Combine(dir, "abr", "720p", OutputLayout.Segment(1)), content);
    }

    private static string Content(string dir) => File.ReadAllText(Path.Combine(dir, "abr", "720p", OutputLayout.Segment(1)));

    private IEnumerable<string?> Entries => Directory.EnumerateFileSystemEntries(_dst).Select(Path.GetFileName);

    [Fact]
    public void The_finished_directory_takes_its_name_whole_and_the_job_files_go()
    {
        Group(Temp, "new");

        var result = _publisher.Publish(Publication());

        Assert.True(result.IsOk, result.Error?.Message);
        Assert.Equal(Output, result.Value);
        Assert.Equal("new", Content(Output));
        Assert.Equal(["movie"], Entries);
        Assert.False(Directory.Exists(_work));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void An_existing_output_without_overwrite_is_a_conflict_even_an_empty_directory(bool empty)
    {
        Group(Temp, "new");
        if (empty) Directory.CreateDirectory(Output);
        else Group(Output, "earlier");

        var result = _publisher.Publish(Publication());

        Assert.Equal(ErrorCode.Conflict, result.Error?.Code);
        Assert.Equal(empty, !Directory.EnumerateFileSystemEntries(Output).Any());
        if (!empty) Assert.Equal("earlier", Content(Output));
        Assert.Equal("new", Content(Temp));
    }

    [Fact]
    public void Overwrite_replaces_the_earlier_directory_and_leaves_nothing_aside()
    {
        Group(Temp, "new");
        Group(Output, "earlier");

        Assert.True(_publisher.Publish(Publication(overwrite: true)).IsOk);

        Assert.Equal("new", Content(Output));
        Assert.Equal(["movie"], Entries);
    }

    [Fact]
    public void Overwrite_replaces_an_earlier_file_of_the_same_name()
    {
        Group(Temp, "new");
        File.WriteAllText(Output, "a file");

        Assert.True(_publisher.Publish(Publication(overwrite: true)).IsOk);

        Assert.Equal("new", Content(Output));
        Assert.Equal(["movie"], Entries);
    }

    [Fact]
    public void Repeated_after_a_crash_between_moving_the_earlier_one_aside_and_the_rename_it_finishes()
    {
        Group(Temp, "new");
        Group(Aside, "earlier");

        Assert.True(_publisher.Publish(Publication(overwrite: true)).IsOk);

        Assert.Equal("new", Content(Output));
        Assert.Equal(["movie"], Entries);
    }

    [Fact]
    public void Repeated_after_a_crash_after_the_rename_it_only_tidies_up()
    {
        Group(Output, "new");
        Group(Aside, "earlier");

        var result = _publisher.Publish(Publication(overwrite: true));

        Assert.True(result.IsOk, result.Error?.Message);
        Assert.Equal("new", Content(Output));
        Assert.Equal(["movie"], Entries);
        Assert.False(Directory.Exists(_work));
    }

    [Fact]
    public void When_the_finished_directory_is_gone_the_earlier_one_is_put_back()
    {
        Group(Aside, "earlier");

        var result = _publisher.Publish(Publication(overwrite: true));

        Assert.Equal(ErrorCode.Internal, result.Error?.Code);
        Assert.Equal("earlier", Content(Output));
    }

    [Fact]
    public void A_finished_directory_swapped_for_a_link_is_not_published()
    {
        Group(_outside, "someone else's");
        Directory.CreateSymbolicLink(Temp, _outside);

        var result = _publisher.Publish(Publication());

        Assert.Equal(ErrorCode.Forbidden, result.Error?.Code);
        Assert.False(Directory.Exists(Output));
    }

    [Fact]
    public void An_output_directory_swapped_for_a_link_out_of_the_roots_is_refused()
    {
        Group(Temp, "new");
        var moved = _dst + ".moved";
        Directory.Move(_dst, moved);
        Directory.CreateSymbolicLink(_dst, _outside);

        var result = _publisher.Publish(Publication());

        Assert.Equal(ErrorCode.Forbidden, result.Error?.Code);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_outside));
        Assert.Equal("new", Content(Path.Combine(moved, Path.GetFileName(Temp))));
    }

    [Fact]
    public async Task Discard_removes_the_temp_directory_but_nothing_a_link_inside_it_leads_to()
    {
        Group(Temp, "new");
        Group(_outside, "someone else's");
        Directory.CreateSymbolicLink(Path.Combine(Temp, "abr", "planted"), _outside);
        File.WriteAllText(Path.Combine(_dst, "other.mp4"), "someone else's");

        await _publisher.DiscardAsync(_work, Temp);

        Assert.Equal(["other.mp4"], Entries);
        Assert.False(Directory.Exists(_work));
        Assert.Equal("someone else's", Content(_outside));
    }

    [Fact]
    public async Task Discard_of_a_temp_directory_that_is_a_link_removes_the_link_only()
    {
        Group(_outside, "someone else's");
        Directory.CreateSymbolicLink(Temp, _outside);

        await _publisher.DiscardAsync(_work, Temp);

        Assert.Empty(Entries);
        Assert.Equal("someone else's", Content(_outside));
    }
}
