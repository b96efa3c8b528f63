using Akka.Transcode.Domain;
using Akka.Transcode.Media.Paths;

namespace Akka.Transcode.Media.Tests;

/// <summary>
/// Layout in a fresh temp directory: base/root (the only media root) holding out/group, a published output directory
/// with a ladder's files, and base/outside with a file no client may read through the output directory.
/// </summary>
public sealed class OutputFilesTests : IDisposable
{
    private readonly string _base;
    private readonly string _group;
    private readonly string _secret;
    private readonly MediaRoots _roots;

    public OutputFilesTests()
    {
        var temp = Directory.CreateTempSubdirectory("outputfiles-").FullName;
        _base = new MediaRoots([temp]).Roots[0]; // real path: the temp directory may sit behind a link
        _group = Directory.CreateDirectory(Path.Combine(_base, "root", "out", "group")).FullName;
        Directory.CreateDirectory(Path.Combine(_group, "abr", "720p"));
        File.WriteAllText(Path.Combine(_group, "abr", "master.m3u8"), "#EXTM3U\n");
        File.WriteAllText(Path.Combine(_group, "abr", "720p", "seg-00001.m4s"), "segment one");
        Directory.CreateDirectory(Path.Combine(_base, "outside"));
        _secret = Path.Combine(_base, "outside", "secret.txt");
        File.WriteAllText(_secret, "not for clients");
        _roots = new MediaRoots([Path.Combine(_base, "root")]);
    }

    public void Dispose() => Directory.Delete(_base, recursive: true);

    private static string Read(Result<OutputFiles.Opened> r)
    {
        Assert.True(r.IsOk, r.Error?.Message);
        using var reader = new StreamReader(r.Value!.Stream);
        return reader.ReadToEnd();
    }

    private static void Refused(ErrorCode code, Result<OutputFiles.Opened> r, string because)
    {
        Assert.False(r.IsOk, because);
        Assert.Equal(code, r.Error!.Code);
    }

    [Fact]
    public void A_file_of_the_directory_is_opened_by_its_relative_path()
    {
        Assert.Equal("segment one", Read(OutputFiles.Open(_roots, _group, "abr/720p/seg-00001.m4s")));
        Assert.Equal("#EXTM3U\n", Read(OutputFiles.Open(_roots, _group, "abr/master.m3u8")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("abr/../../../outside/secret.txt")]
    [InlineData("abr/./master.m3u8")]
    [InlineData("/etc/passwd")]
    [InlineData("abr//master.m3u8")]
    [InlineData("abr\\master.m3u8")]
    [InlineData("abr/master.m3u8\n")]
    [InlineData("abr/\u0000master.m3u8")]
    [InlineData("%2e%2e/outside/secret.txt")]
    [InlineData("abr/master.m3u8?x")]
    [InlineData("a/b/c/d/e/f/g/h/i")]
    public void Paths_that_are_not_plain_relative_names_are_refused_before_the_file_system_is_asked(string path)
    {
        Assert.NotNull(OutputFiles.CheckRelative(path));
        Refused(ErrorCode.InvalidValue, OutputFiles.Open(_roots, _group, path), path);
    }

    [Fact]
    public void A_symbolic_link_in_the_output_directory_that_points_out_is_refused()
    {
        File.CreateSymbolicLink(Path.Combine(_group, "abr", "leak.m3u8"), _secret);
        Refused(ErrorCode.Forbidden, OutputFiles.Open(_roots, _group, "abr/leak.m3u8"), "a link to a file outside");
    }

    [Fact]
    public void A_symbolic_link_to_a_directory_outside_is_refused_on_the_way()
    {
        Directory.CreateSymbolicLink(Path.Combine(_group, "abr", "1080p"), Path.Combine(_base, "outside"));
        Refused(ErrorCode.Forbidden, OutputFiles.Open(_roots, _group, "abr/1080p/secret.txt"), "a link on the way");
    }

    [Fact]
    public void A_symbolic_link_is_refused_even_when_it_points_inside_the_directory()
    {
        // The layout never makes links: one is something planted, wherever it points today.
        File.CreateSymbolicLink(Path.Combine(_group, "abr", "copy.m3u8"), Path.Combine(_group, "abr", "master.m3u8"));
        Refused(ErrorCode.Forbidden, OutputFiles.Open(_roots, _group, "abr/copy.m3u8"), "a link inside");
    }

    [Fact]
    public void An_output_directory_swapped_for_a_link_is_refused()
    {
        var moved = Path.Combine(_base, "outside", "group");
        Directory.Move(_group, moved);
        Directory.CreateSymbolicLink(_group, moved);
        Refused(ErrorCode.Forbidden, OutputFiles.Open(_roots, _group, "abr/master.m3u8"), "the directory is a link now");
    }

    [Fact]
    public void An_output_directory_outside_the_roots_is_refused()
    {
        Refused(ErrorCode.Forbidden, OutputFiles.Open(_roots, Path.Combine(_base, "outside"), "secret.txt"), "outside the roots");
    }

    [Theory]
    [InlineData("abr/480p/seg-00001.m4s")]
    [InlineData("abr/manifest.mpd")]
    [InlineData("abr/720p")]
    [InlineData("abr/master.m3u8/x")]
    public void What_is_not_a_file_of_the_directory_is_not_found(string path)
    {
        Refused(ErrorCode.NotFound, OutputFiles.Open(_roots, _group, path), path);
    }

    [Fact]
    public void An_empty_file_is_answered_without_being_opened()
    {
        File.WriteAllBytes(Path.Combine(_group, "abr", "empty.vtt"), []);
        Assert.Equal("", Read(OutputFiles.Open(_roots, _group, "abr/empty.vtt")));
    }
}
