using System.Text;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Maps;
using Akka.Transcode.Media.Maps;
using Akka.Transcode.Media.Paths;
using Akka.Transcode.Media.Tests.Support;

namespace Akka.Transcode.Media.Tests.Maps;

/// <summary>
/// Map files and their tables on disk. Layout: base/root (the media root, holding maps/), and base/outside, which
/// a table must never be read from.
/// </summary>
public sealed class StitchMapLoaderTests : IDisposable
{
    private const string Remap = """{"kind":"remap","xmap":"lens.x.pgm","ymap":"lens.y.pgm"}""";

    private readonly string _base;
    private readonly string _maps;
    private readonly string _outside;
    private readonly MediaRoots _roots;

    public StitchMapLoaderTests()
    {
        var temp = Path.Combine(Path.GetTempPath(), "stitchmaps " + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(temp);
        // Real paths throughout: the temp directory may sit behind a link, and the loader answers real paths.
        _base = new MediaRoots([temp]).Roots[0];
        _maps = Directory.CreateDirectory(Path.Combine(_base, "root", "maps")).FullName;
        _outside = Directory.CreateDirectory(Path.Combine(_base, "outside")).FullName;
        _roots = new MediaRoots([Path.Combine(_base, "root")]);
    }

    public void Dispose() => Directory.Delete(_base, recursive: true);

    private string Map(string json, string name = "lens.json")
    {
        var path = Path.Combine(_maps, name);
        File.WriteAllText(path, json);
        return path;
    }

    private string Table(string relative, int w = 64, int h = 32, int maxval = 65535, string? dir = null)
    {
        var path = Path.Combine(dir ?? _maps, relative);
        PgmTables.Write(path, w, h, (x, y) => Math.Min(maxval, x + y), maxval);
        return path;
    }

    private static async Task<Failure> Fails(Task<Result<LoadedStitchMap>> load, ErrorCode code, string fragment)
    {
        var r = await load;
        Assert.False(r.IsOk, $"expected {code}, loaded {r.Value}");
        Assert.Equal(code, r.Error!.Code);
        Assert.Contains(fragment, r.Error.Message);
        return r.Error;
    }

    private Task<Result<LoadedStitchMap>> Load(string path) =>
        StitchMapLoader.LoadWithTablesAsync(path, _roots.Contains, CancellationToken.None);

    // ---- good maps ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_v360_map_loads_with_no_tables()
    {
        var r = await StitchMapLoader.LoadAsync(
            Map("""{"kind":"v360","input":"dfisheye","output":"e","ih_fov":190,"iv_fov":190,"w":3840,"h":1920}"""),
            CancellationToken.None);

        Assert.True(r.IsOk, r.Error?.Message);
        var map = Assert.IsType<V360Map>(r.Value);
        Assert.Contains(new KeyValuePair<string, string>("output", "equirect"), map.Options);
    }

    [Fact]
    public async Task A_remap_map_resolves_its_tables_next_to_the_map_file()
    {
        var x = Table("lens.x.pgm", 64, 32);
        var y = Table("lens.y.pgm", 64, 32);

        var r = await Load(Map(Remap));

        Assert.True(r.IsOk, r.Error?.Message);
        Assert.Equal(new RemapMap(x, y, 64, 32), r.Value!.Map);
        Assert.Equal([new MapTable("lens.x.pgm", x), new MapTable("lens.y.pgm", y)], r.Value.Tables);
    }

    [Fact]
    public async Task Tables_in_a_subdirectory_with_odd_names_are_found()
    {
        var x = Table("tables 'a'/x ü.pgm");
        var y = Table("tables 'a'/-y.bin");

        var r = await Load(Map("""{"kind":"remap","xmap":"tables 'a'/x ü.pgm","ymap":"./tables 'a'/-y.bin"}"""));

        Assert.True(r.IsOk, r.Error?.Message);
        Assert.Equal(new RemapMap(x, y, 64, 32), r.Value!.Map);
        Assert.Equal("./tables 'a'/-y.bin", r.Value.Tables[1].Name);
    }

    [Fact]
    public async Task Tables_are_relative_to_where_the_map_file_really_is()
    {
        // The map is reached through a link from another directory: its tables are still the ones beside it.
        var x = Table("lens.x.pgm");
        var y = Table("lens.y.pgm");
        var linkDir = Directory.CreateDirectory(Path.Combine(_base, "root", "links")).FullName;
        var link = Path.Combine(linkDir, "lens.json");
        File.CreateSymbolicLink(link, Map(Remap));

        var r = await Load(link);

        Assert.True(r.IsOk, r.Error?.Message);
        Assert.Equal(new RemapMap(x, y, 64, 32), r.Value!.Map);
    }

    [Fact]
    public async Task A_table_behind_a_link_is_reported_by_its_real_path()
    {
        var real = Table("real.x.pgm");
        File.CreateSymbolicLink(Path.Combine(_maps, "lens.x.pgm"), real);
        var y = Table("lens.y.pgm");

        var r = await Load(Map(Remap));

        Assert.True(r.IsOk, r.Error?.Message);
        Assert.Equal([new MapTable("lens.x.pgm", real), new MapTable("lens.y.pgm", y)], r.Value!.Tables);
    }

    [Fact]
    public async Task A_utf8_byte_order_mark_is_allowed()
    {
        var path = Path.Combine(_maps, "bom.json");
        File.WriteAllText(path, """{"kind":"v360","input":"e","output":"flat","w":64,"h":64}""", new UTF8Encoding(true));

        Assert.True((await StitchMapLoader.LoadAsync(path, CancellationToken.None)).IsOk);
    }

    // ---- the map file -------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_missing_map_is_source_unusable() =>
        await Fails(Load(Path.Combine(_maps, "nope.json")), ErrorCode.SourceUnusable, "the map file does not exist");

    [Fact]
    public async Task A_directory_is_not_a_map() =>
        await Fails(Load(_maps), ErrorCode.SourceUnusable, "the map file is a directory");

    [Fact]
    public async Task An_empty_map_is_source_unusable() =>
        await Fails(Load(Map("")), ErrorCode.SourceUnusable, "the map file is empty");

    [Fact]
    public async Task A_relative_map_path_is_refused() =>
        await Fails(Load("maps/lens.json"), ErrorCode.SourceUnusable, "must be absolute");

    [Fact]
    public async Task A_map_over_64_KiB_is_refused_unread()
    {
        var padded = """{"kind":"v360","input":"e","output":"flat","w":64,"h":64}""" + new string(' ', StitchMapLoader.MaxMapBytes);

        await Fails(Load(Map(padded)), ErrorCode.InvalidValue, "larger than 64 KiB");
    }

    [Fact]
    public async Task A_map_that_is_not_utf8_is_refused()
    {
        var path = Path.Combine(_maps, "latin1.json");
        File.WriteAllBytes(path, [.. Encoding.ASCII.GetBytes("{\"kind\":\"remap\",\"xmap\":\"l"), 0xE9, .. Encoding.ASCII.GetBytes(".pgm\"}")]);

        await Fails(Load(path), ErrorCode.InvalidValue, "not UTF-8 text");
    }

    [Theory]
    [InlineData("kind: v360", "not valid JSON")]
    [InlineData("""{"kind":"v360","input":"e","output":"e","w":64,"h":64,"ih_fov":400}""", "'ih_fov' must be from 0 to 360")]
    [InlineData("""{"kind":"remap","xmap":"../outside/x.pgm","ymap":"y.pgm"}""", "must not contain '..'")]
    [InlineData("""{"kind":"remap","xmap":"/etc/passwd","ymap":"y.pgm"}""", "not an absolute path")]
    public async Task Bad_content_is_invalid_value(string json, string fragment) =>
        await Fails(Load(Map(json)), ErrorCode.InvalidValue, fragment);

    // ---- tables -------------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_missing_table_is_source_unusable()
    {
        Table("lens.x.pgm");

        await Fails(Load(Map(Remap)), ErrorCode.SourceUnusable, "remap 'ymap' ('lens.y.pgm') does not exist");
    }

    [Fact]
    public async Task An_8_bit_table_is_refused()
    {
        Table("lens.x.pgm", maxval: 255);
        Table("lens.y.pgm");

        await Fails(Load(Map(Remap)), ErrorCode.InvalidValue, "remap 'xmap' ('lens.x.pgm') is an 8-bit PGM (maxval 255)");
    }

    [Fact]
    public async Task Tables_of_different_sizes_are_refused()
    {
        Table("lens.x.pgm", 64, 32);
        Table("lens.y.pgm", 64, 34);

        await Fails(Load(Map(Remap)), ErrorCode.InvalidValue, "remap tables differ in size");
    }

    [Fact]
    public async Task A_truncated_table_is_refused()
    {
        var x = Table("lens.x.pgm");
        Table("lens.y.pgm");
        using (var f = new FileStream(x, FileMode.Open)) f.SetLength(f.Length - 1);

        await Fails(Load(Map(Remap)), ErrorCode.InvalidValue, "but its header announces");
    }

    [Fact]
    public async Task A_table_with_a_second_image_appended_is_refused()
    {
        var x = Table("lens.x.pgm");
        Table("lens.y.pgm");
        File.AppendAllText(x, "P5\n1 1\n255\n\0");

        await Fails(Load(Map(Remap)), ErrorCode.InvalidValue, "but its header announces");
    }

    [Theory]
    [InlineData("P6\n64 32\n255\n", "not a binary PGM file")]
    [InlineData("P2\n64 32\n65535\n0 0 0", "a plain-text (P2) PGM")]
    [InlineData("hello, I am not an image", "not a binary PGM file")]
    public async Task A_table_that_is_not_a_binary_pgm_is_refused(string content, string fragment)
    {
        File.WriteAllText(Path.Combine(_maps, "lens.x.pgm"), content);
        Table("lens.y.pgm");

        await Fails(Load(Map(Remap)), ErrorCode.InvalidValue, $"remap 'xmap' ('lens.x.pgm'): {fragment}");
    }

    [Fact]
    public async Task A_table_that_is_a_directory_is_source_unusable()
    {
        Directory.CreateDirectory(Path.Combine(_maps, "lens.x.pgm"));
        Table("lens.y.pgm");

        await Fails(Load(Map(Remap)), ErrorCode.SourceUnusable, "remap 'xmap' ('lens.x.pgm') is a directory");
    }

    [Fact]
    public async Task A_table_linked_outside_the_roots_is_forbidden()
    {
        var secret = Table("secret.pgm", dir: _outside);
        File.CreateSymbolicLink(Path.Combine(_maps, "lens.x.pgm"), secret);
        Table("lens.y.pgm");

        var error = await Fails(Load(Map(Remap)), ErrorCode.Forbidden, "remap 'xmap' ('lens.x.pgm') is outside the media roots");
        Assert.DoesNotContain(_outside, error.Message);
    }

    [Fact]
    public async Task Outside_the_roots_nothing_is_told_about_the_file()
    {
        // A missing file and a text file outside both answer -6: the answer cannot be used to look around.
        File.CreateSymbolicLink(Path.Combine(_maps, "lens.x.pgm"), Path.Combine(_outside, "nothing-here.pgm"));
        File.WriteAllText(Path.Combine(_outside, "notes.txt"), "not a table");
        File.CreateSymbolicLink(Path.Combine(_maps, "lens.y.pgm"), Path.Combine(_outside, "notes.txt"));
        Table("good.pgm");

        await Fails(Load(Map("""{"kind":"remap","xmap":"lens.x.pgm","ymap":"good.pgm"}""", "a.json")), ErrorCode.Forbidden, "outside the media roots");
        await Fails(Load(Map("""{"kind":"remap","xmap":"good.pgm","ymap":"lens.y.pgm"}""", "b.json")), ErrorCode.Forbidden, "outside the media roots");
    }

    [Fact]
    public async Task Without_a_limit_a_table_anywhere_is_read()
    {
        // The worker loads without a limit: the master checked the roots when it accepted the job.
        var secret = Table("elsewhere.pgm", dir: _outside);
        File.CreateSymbolicLink(Path.Combine(_maps, "lens.x.pgm"), secret);
        Table("lens.y.pgm");

        var r = await StitchMapLoader.LoadAsync(Map(Remap), CancellationToken.None);

        Assert.True(r.IsOk, r.Error?.Message);
        Assert.Equal(secret, Assert.IsType<RemapMap>(r.Value).XMapPath);
    }
}
