using Akka.Transcode.Domain;
using Akka.Transcode.Media.Paths;

namespace Akka.Transcode.Media.Tests;

/// <summary>
/// Layout in a fresh temp directory: base/root1 (the first root), base/root2, and base/outside, which holds files
/// a client must never reach. Paths outside exist, so refusals cannot come from a missing file.
/// </summary>
public sealed class MediaRootsTests : IDisposable
{
    private readonly string _base;
    private readonly string _root1;
    private readonly string _root2;
    private readonly string _outside;
    private readonly MediaRoots _roots;

    public MediaRootsTests()
    {
        // Resolved itself: the temp directory may sit behind a link (macOS /tmp), and results are real paths.
        var temp = Path.Combine(Path.GetTempPath(), "mediaroots-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(temp);
        _base = new MediaRoots([temp]).Roots[0];
        _root1 = Dir("root1");
        _root2 = Dir("root2");
        _outside = Dir("outside");
        Dir("outside/dir");
        Dir("root1/sub");
        Write("root1/a.mp4");
        Write("root1/sub/b.mp4");
        Write("root2/c.mp4");
        Write("outside/secret.mp4");
        Write("outside/dir/x.mp4");
        _roots = new MediaRoots([_root1, _root2]);
    }

    public void Dispose() => Directory.Delete(_base, recursive: true);

    private string P(string relative) => Path.Combine(_base, relative);

    [Fact]
    public void CreateMissing_creates_only_the_roots_that_were_missing_and_names_them()
    {
        var missing = P("new/nested");
        var created = MediaRoots.CreateMissing([_root1, missing, _root2]);
        Assert.Equal([missing], created);
        Assert.True(Directory.Exists(missing));
        Assert.True(File.Exists(P("root1/a.mp4"))); // an existing root is left as it was
        Assert.Empty(MediaRoots.CreateMissing([_root1, missing])); // the next start has nothing to say
    }

    [Fact]
    public void CreateMissing_throws_when_a_root_cannot_be_created()
    {
        // A file where the root's parent directory should be: no user, root included, can create the root.
        Assert.ThrowsAny<IOException>(() => MediaRoots.CreateMissing([P("root1/a.mp4/media")]));
    }

    private string Dir(string relative) => Directory.CreateDirectory(P(relative)).FullName;

    private string Write(string relative, int bytes = 16)
    {
        File.WriteAllBytes(P(relative), new byte[bytes]);
        return P(relative);
    }

    private static void AssertFails<T>(Result<T> r, ErrorCode code, string fragment)
    {
        Assert.False(r.IsOk, $"expected {code} but got {r.Value}");
        Assert.Equal(code, r.Error!.Code);
        Assert.Contains(fragment, r.Error.Message);
    }

    [Fact]
    public void Relative_source_is_relative_to_the_first_root()
    {
        Assert.Equal(P("root1/a.mp4"), _roots.ResolveSource("a.mp4").Value);
        Assert.Equal(P("root1/sub/b.mp4"), _roots.ResolveSource("sub/b.mp4").Value);
        Assert.Equal(P("root1/sub/b.mp4"), _roots.ResolveSource("./sub/../sub//b.mp4").Value);
    }

    [Fact]
    public void Absolute_source_in_any_root_is_accepted()
    {
        Assert.Equal(P("root2/c.mp4"), _roots.ResolveSource(P("root2/c.mp4")).Value);
        Assert.Equal(P("root1/a.mp4"), _roots.ResolveSource(P("root2/../root1/a.mp4")).Value);
    }

    [Theory]
    [InlineData("../outside/secret.mp4")]
    [InlineData("sub/../../outside/secret.mp4")]
    [InlineData("../../../../../../../../etc/passwd")]
    [InlineData("..")]
    public void Dot_dot_cannot_leave_the_roots(string input)
    {
        AssertFails(_roots.ResolveSource(input), ErrorCode.Forbidden, $"'{input}' is outside the media roots");
    }

    [Fact]
    public void Absolute_path_elsewhere_is_forbidden_and_not_echoed_resolved()
    {
        AssertFails(_roots.ResolveSource(P("outside/secret.mp4")), ErrorCode.Forbidden, "outside the media roots");
        AssertFails(_roots.ResolveSource("/etc/passwd"), ErrorCode.Forbidden, "outside the media roots");
        AssertFails(_roots.ResolveSource(P("outside/missing.mp4")), ErrorCode.Forbidden, "outside the media roots");
    }

    [Fact]
    public void A_root_prefix_is_not_a_root()
    {
        Dir("root1-evil");
        Write("root1-evil/e.mp4");

        AssertFails(_roots.ResolveSource(P("root1-evil/e.mp4")), ErrorCode.Forbidden, "outside the media roots");
    }

    [Fact]
    public void Symlink_to_a_file_outside_is_forbidden()
    {
        File.CreateSymbolicLink(P("root1/link.mp4"), P("outside/secret.mp4"));

        var r = _roots.ResolveSource("link.mp4");

        AssertFails(r, ErrorCode.Forbidden, "outside the media roots");
        Assert.DoesNotContain("secret", r.Error!.Message);
    }

    [Fact]
    public void Symlinked_directory_pointing_out_is_forbidden_at_any_depth()
    {
        Directory.CreateSymbolicLink(P("root1/sub/out"), P("outside"));

        AssertFails(_roots.ResolveSource("sub/out/secret.mp4"), ErrorCode.Forbidden, "outside the media roots");
        AssertFails(_roots.ResolveSource("sub/out/dir/x.mp4"), ErrorCode.Forbidden, "outside the media roots");
    }

    [Fact]
    public void Dot_dot_after_a_link_goes_to_the_parent_of_the_link_target()
    {
        // Textually "l/../a.mp4" is root1/a.mp4; the kernel goes to outside/a.mp4, which is what ffmpeg would open.
        Directory.CreateSymbolicLink(P("root1/l"), P("outside/dir"));
        Write("outside/a.mp4");

        AssertFails(_roots.ResolveSource("l/../a.mp4"), ErrorCode.Forbidden, "outside the media roots");
    }

    [Fact]
    public void Symlink_that_stays_inside_resolves_to_its_real_target()
    {
        File.CreateSymbolicLink(P("root1/alias.mp4"), "sub/b.mp4");
        Directory.CreateSymbolicLink(P("root1/other"), P("root2"));
        File.CreateSymbolicLink(P("root2/back.mp4"), "../root1/a.mp4");

        Assert.Equal(P("root1/sub/b.mp4"), _roots.ResolveSource("alias.mp4").Value);
        Assert.Equal(P("root2/c.mp4"), _roots.ResolveSource("other/c.mp4").Value);
        Assert.Equal(P("root1/a.mp4"), _roots.ResolveSource("other/back.mp4").Value);
    }

    [Fact]
    public void Link_chain_leaving_at_the_last_hop_is_forbidden()
    {
        File.CreateSymbolicLink(P("root2/hop2.mp4"), P("outside/secret.mp4"));
        File.CreateSymbolicLink(P("root1/hop1.mp4"), P("root2/hop2.mp4"));

        AssertFails(_roots.ResolveSource("hop1.mp4"), ErrorCode.Forbidden, "outside the media roots");
    }

    [Fact]
    public void Link_loop_is_refused_not_followed_forever()
    {
        File.CreateSymbolicLink(P("root1/loop1"), P("root1/loop2"));
        File.CreateSymbolicLink(P("root1/loop2"), P("root1/loop1"));

        AssertFails(_roots.ResolveSource("loop1"), ErrorCode.SourceUnusable, "symbolic links");
    }

    [Fact]
    public void Dangling_link_out_is_forbidden_and_dangling_link_in_is_missing()
    {
        File.CreateSymbolicLink(P("root1/gone-out.mp4"), P("outside/nothing.mp4"));
        File.CreateSymbolicLink(P("root1/gone-in.mp4"), P("root1/nothing.mp4"));

        AssertFails(_roots.ResolveSource("gone-out.mp4"), ErrorCode.Forbidden, "outside the media roots");
        AssertFails(_roots.ResolveSource("gone-in.mp4"), ErrorCode.SourceUnusable, "does not exist");
    }

    [Theory]
    [InlineData("nope/../escape/secret.mp4")]
    [InlineData("nope/deeper/../../escape/secret.mp4")]
    [InlineData("sub/nope/../../escape/dir/x.mp4")]
    public void Dot_dot_after_a_missing_directory_still_meets_the_link(string input)
    {
        // The kernel answers ENOENT for "nope/.."; a resolver that stops looking at links after a missing component
        // would append "escape/..." as text and call it inside.
        Directory.CreateSymbolicLink(P("root1/escape"), P("outside"));

        AssertFails(_roots.ResolveSource(input), ErrorCode.Forbidden, $"'{input}' is outside the media roots");
    }

    [Fact]
    public void Dot_dot_after_a_missing_directory_that_stays_inside_resolves_to_the_real_file()
    {
        Directory.CreateSymbolicLink(P("root1/inlink"), P("root2"));

        Assert.Equal(P("root2/c.mp4"), _roots.ResolveSource("nope/../inlink/c.mp4").Value);
        Assert.Equal(P("root1/sub/b.mp4"), _roots.ResolveSource("nope/x/../../sub/b.mp4").Value);
    }

    [Theory]
    [InlineData("nope/../escape/made")]
    [InlineData("new/../escape/made")]
    [InlineData("nope/deeper/../../escape/made/deeper")]
    public void Destination_with_dot_dot_after_a_missing_directory_is_not_created_through_a_link(string input)
    {
        Directory.CreateSymbolicLink(P("root1/escape"), P("outside"));

        AssertFails(_roots.ResolveDestinationDir(input), ErrorCode.Forbidden, $"'{input}' is outside the media roots");
        Assert.False(Directory.Exists(P("outside/made")));
        Assert.False(Directory.Exists(P("root1/nope")));
    }

    [Fact]
    public void Recheck_follows_links_made_after_the_first_check()
    {
        var dir = _roots.ResolveDestinationDir("jobs/out").Value!;
        Assert.Equal(P("root1/jobs/out/part.mkv"), _roots.Recheck(Path.Combine(dir, "part.mkv"), "output").Value);

        // The directory accepted at add_job is swapped for a link out afterwards.
        Directory.Delete(dir);
        Directory.CreateSymbolicLink(dir, P("outside"));

        var r = _roots.Recheck(Path.Combine(dir, "part.mkv"), "output");
        AssertFails(r, ErrorCode.Forbidden, "output " + Path.Combine(dir, "part.mkv") + " is outside the media roots");
        Assert.DoesNotContain(_outside, r.Error!.Message); // where the link leads is not told
        AssertFails(_roots.Recheck("relative/part.mkv", "output"), ErrorCode.InvalidValue, "not an absolute path");
    }

    [Fact]
    public void CreateDirectoryInside_makes_missing_levels_and_refuses_a_link_on_the_way()
    {
        var made = _roots.CreateDirectoryInside(P("root1/a/b/c"), "parts directory");
        Assert.Equal(P("root1/a/b/c"), made.Value);
        Assert.True(Directory.Exists(P("root1/a/b/c")));

        // A level swapped for a link out: nothing is created below where it leads.
        Directory.Delete(P("root1/a/b"), recursive: true);
        Directory.CreateSymbolicLink(P("root1/a/b"), P("outside"));
        AssertFails(_roots.CreateDirectoryInside(P("root1/a/b/c/d"), "parts directory"), ErrorCode.Forbidden, "parts directory");
        Assert.False(Directory.Exists(P("outside/c")));

        // A link that stays inside is outside nothing: it is followed, and the real path is returned.
        Directory.CreateSymbolicLink(P("root1/to2"), _root2);
        Assert.Equal(P("root2/new"), _roots.CreateDirectoryInside(P("root1/to2/new"), "parts directory").Value);
    }

    [Fact]
    public void CreateDirectoryInside_refuses_a_file_on_the_way()
    {
        AssertFails(_roots.CreateDirectoryInside(P("root1/a.mp4/sub"), "parts directory"), ErrorCode.InvalidValue, "cannot be created");
    }

    [Theory]
    [InlineData("http://example.com/a.mp4")]
    [InlineData("https://example.com/a.mp4")]
    [InlineData("rtmp://host/live")]
    [InlineData("tcp://127.0.0.1:9000")]
    [InlineData("concat:a.mp4|b.mp4")]
    [InlineData("pipe:0")]
    [InlineData("file:a.mp4")]
    [InlineData("file:///etc/passwd")]
    [InlineData("subfile:,,start,0,end,100,,:a.mp4")]
    [InlineData("data:video/mp4;base64,AAAA")]
    [InlineData("crypto:a.mp4")]
    [InlineData("a:b.mp4")]
    [InlineData(":a.mp4")]
    public void Urls_and_ffmpeg_protocols_are_forbidden(string input)
    {
        AssertFails(_roots.ResolveSource(input), ErrorCode.Forbidden, "not a file path");
        AssertFails(_roots.ResolveDestinationDir(input), ErrorCode.Forbidden, "not a file path");
    }

    [Fact]
    public void A_colon_after_the_first_slash_is_part_of_a_file_name()
    {
        Write("root1/sub/12:30.mp4");

        Assert.Equal(P("root1/sub/12:30.mp4"), _roots.ResolveSource("sub/12:30.mp4").Value);
    }

    [Theory]
    [InlineData("a.mp4\0.txt")]
    [InlineData("\0")]
    public void Nul_is_an_invalid_value(string input)
    {
        AssertFails(_roots.ResolveSource(input), ErrorCode.InvalidValue, "NUL");
        AssertFails(_roots.ResolveDestinationDir(input), ErrorCode.InvalidValue, "NUL");
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void Empty_input_is_an_invalid_value(string input)
    {
        AssertFails(_roots.ResolveSource(input), ErrorCode.InvalidValue, "must not be empty");
    }

    [Fact]
    public void Directory_as_source_is_unusable()
    {
        AssertFails(_roots.ResolveSource("sub"), ErrorCode.SourceUnusable, "is a directory");
        AssertFails(_roots.ResolveSource(_root2), ErrorCode.SourceUnusable, "is a directory");
    }

    [Fact]
    public void Empty_file_is_unusable()
    {
        Write("root1/empty.mp4", bytes: 0);

        AssertFails(_roots.ResolveSource("empty.mp4"), ErrorCode.SourceUnusable, "is empty");
    }

    [Fact]
    public void Missing_file_is_unusable_and_names_the_input()
    {
        AssertFails(_roots.ResolveSource("nope.mp4"), ErrorCode.SourceUnusable, "'nope.mp4' does not exist");
        AssertFails(_roots.ResolveSource("nodir/nope.mp4"), ErrorCode.SourceUnusable, "does not exist");
        AssertFails(_roots.ResolveSource("a.mp4/x"), ErrorCode.SourceUnusable, "does not exist");
    }

    [Fact]
    public void Field_name_is_used_in_messages()
    {
        AssertFails(_roots.ResolveSource("nope.json", "job.map_filename"), ErrorCode.SourceUnusable, "job.map_filename: 'nope.json'");
    }

    [Theory]
    [InlineData("with space.mp4")]
    [InlineData("it's \"quoted\".mp4")]
    [InlineData("-i evil.mp4")]
    [InlineData("--help")]
    [InlineData("-")]
    [InlineData("vidéo 東京 🎥.mp4")]
    [InlineData("semi;colon $(x) `y` & | > <.mp4")]
    public void Awkward_file_names_resolve_to_absolute_paths(string name)
    {
        Write("root1/" + name);

        var r = _roots.ResolveSource(name);

        Assert.True(r.IsOk, r.Error?.Message);
        Assert.Equal(P("root1/" + name), r.Value);
        Assert.True(Path.IsPathFullyQualified(r.Value!));
        Assert.False(r.Value!.StartsWith('-'));
    }

    [Fact]
    public void Destination_is_created_when_missing()
    {
        var r = _roots.ResolveDestinationDir("out/2026/new dir");

        Assert.Equal(P("root1/out/2026/new dir"), r.Value);
        Assert.True(Directory.Exists(r.Value));
        Assert.Empty(Directory.GetFileSystemEntries(r.Value!));
    }

    [Fact]
    public void Existing_destination_is_returned_as_its_real_path()
    {
        Directory.CreateSymbolicLink(P("root1/outlink"), P("root2"));

        Assert.Equal(_root2, _roots.ResolveDestinationDir(_root2 + "/").Value);
        Assert.Equal(_root2, _roots.ResolveDestinationDir("outlink").Value);
        Assert.Equal(_root1, _roots.ResolveDestinationDir(".").Value);
    }

    [Fact]
    public void Destination_outside_is_forbidden_and_not_created()
    {
        Directory.CreateSymbolicLink(P("root1/escape"), P("outside"));

        AssertFails(_roots.ResolveDestinationDir("../made-by-client"), ErrorCode.Forbidden, "outside the media roots");
        AssertFails(_roots.ResolveDestinationDir("escape/new"), ErrorCode.Forbidden, "outside the media roots");
        AssertFails(_roots.ResolveDestinationDir("/tmp"), ErrorCode.Forbidden, "outside the media roots");
        Assert.False(Directory.Exists(P("made-by-client")));
        Assert.False(Directory.Exists(P("outside/new")));
    }

    [Fact]
    public void Destination_that_is_a_file_is_an_invalid_value()
    {
        AssertFails(_roots.ResolveDestinationDir("a.mp4"), ErrorCode.InvalidValue, "is a file");
        AssertFails(_roots.ResolveDestinationDir("a.mp4/sub"), ErrorCode.InvalidValue, "cannot be created");
    }

    [Fact]
    public void Destination_that_cannot_be_written_is_forbidden()
    {
        // Root ignores permission bits, so on Linux use a directory nobody may create files in: /proc/sys.
        string dir;
        if (OperatingSystem.IsLinux() && Directory.Exists("/proc/sys/kernel"))
        {
            dir = "/proc/sys/kernel";
        }
        else
        {
            dir = Dir("root1/readonly");
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }
        var roots = new MediaRoots([dir]);

        AssertFails(roots.ResolveDestinationDir(dir), ErrorCode.Forbidden, "is not writable");
    }

    [Fact]
    public void Roots_are_made_absolute_and_real()
    {
        Directory.CreateSymbolicLink(P("rootlink"), _root1);
        var saved = Environment.CurrentDirectory;
        try
        {
            Environment.CurrentDirectory = _base;
            var roots = new MediaRoots(["rootlink", "root2/../root2", "not-yet"]);

            Assert.Equal([_root1, _root2, P("not-yet")], roots.Roots);
            Assert.Equal(P("root1/a.mp4"), roots.ResolveSource(P("rootlink/a.mp4")).Value);
        }
        finally
        {
            Environment.CurrentDirectory = saved;
        }
    }

    [Fact]
    public void No_roots_is_a_configuration_error()
    {
        Assert.Throws<ArgumentException>(() => new MediaRoots([]));
    }
}
