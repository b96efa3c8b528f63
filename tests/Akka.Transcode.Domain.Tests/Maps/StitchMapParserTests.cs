using Akka.Transcode.Domain.Maps;

namespace Akka.Transcode.Domain.Tests.Maps;

public class StitchMapParserTests
{
    private static V360Map V360(string json)
    {
        var r = StitchMapParser.Parse(json);
        Assert.True(r.IsOk, r.Error?.Message);
        return Assert.IsType<V360Definition>(r.Value).Map;
    }

    private static Failure Refused(string json)
    {
        var r = StitchMapParser.Parse(json);
        Assert.False(r.IsOk, $"accepted: {json}");
        Assert.Equal(ErrorCode.InvalidValue, r.Error!.Code);
        return r.Error;
    }

    private static KeyValuePair<string, string> Kv(string key, string value) => new(key, value);

    // ---- v360 ---------------------------------------------------------------------------------------------------

    [Fact]
    public void The_protocol_example_gives_its_options_in_ffmpegs_order()
    {
        var map = V360("""{"kind":"v360","input":"dfisheye","output":"equirect","ih_fov":190,"iv_fov":190,"w":3840,"h":1920}""");

        Assert.Equal(
            [Kv("input", "dfisheye"), Kv("output", "equirect"), Kv("w", "3840"), Kv("h", "1920"), Kv("ih_fov", "190"), Kv("iv_fov", "190")],
            map.Options);
    }

    [Fact]
    public void The_order_of_keys_in_the_file_does_not_change_the_options()
    {
        var a = V360("""{"kind":"v360","input":"dfisheye","output":"equirect","w":640,"h":320,"yaw":10,"interp":"cubic"}""");
        var b = V360("""{"interp":"cubic","h":320,"yaw":10,"w":640,"output":"equirect","input":"dfisheye","kind":"v360"}""");

        Assert.Equal(a.Options, b.Options);
    }

    [Theory]
    [InlineData("input", "e", "equirect")]
    [InlineData("input", "rectilinear", "flat")]
    [InlineData("input", "gnomonic", "flat")]
    [InlineData("input", "fb", "barrel")]
    [InlineData("input", "he", "hequirect")]
    [InlineData("output", "perspective", "perspective")]
    [InlineData("interp", "near", "nearest")]
    [InlineData("interp", "line", "linear")]
    [InlineData("interp", "cube", "cubic")]
    [InlineData("interp", "lanc", "lanczos")]
    [InlineData("interp", "sp16", "spline16")]
    [InlineData("interp", "gauss", "gaussian")]
    [InlineData("in_stereo", "sbs", "sbs")]
    [InlineData("out_stereo", "2d", "2d")]
    public void Names_and_their_aliases_are_written_in_one_spelling(string key, string given, string written)
    {
        var others = new Dictionary<string, object> { ["kind"] = "v360", ["input"] = "e", ["output"] = "e", ["w"] = 64, ["h"] = 32 };
        others[key] = given;

        var map = V360(System.Text.Json.JsonSerializer.Serialize(others));

        Assert.Equal(written, map.Options.Single(o => o.Key == key).Value);
    }

    [Fact]
    public void Every_option_the_filter_offers_for_a_file_is_accepted_and_kept_in_order()
    {
        var map = V360("""
            {"kind":"v360","input":"c3x2","output":"flat","interp":"lanczos","w":1280,"h":720,"in_stereo":"2d",
             "out_stereo":"tb","in_forder":"rludfb","out_forder":"bfdulr","in_frot":"012301","out_frot":"000000",
             "in_pad":0.05,"out_pad":0,"fin_pad":3,"fout_pad":100,"yaw":-180,"pitch":45.5,"roll":180,"rorder":"rpy",
             "h_fov":90,"v_fov":60,"d_fov":0,"h_flip":true,"v_flip":false,"d_flip":false,"ih_flip":true,
             "iv_flip":false,"in_trans":false,"out_trans":true,"ih_fov":360,"iv_fov":0,"id_fov":120,
             "h_offset":-1,"v_offset":0.25}
            """);

        Assert.Equal(StitchMapParser.V360Keys, map.Options.Select(o => o.Key));
        var values = map.Options.ToDictionary(o => o.Key, o => o.Value);
        Assert.Equal("0.05", values["in_pad"]);
        Assert.Equal("45.5", values["pitch"]);
        Assert.Equal("-180", values["yaw"]);
        Assert.Equal("1", values["h_flip"]);
        Assert.Equal("0", values["v_flip"]);
        Assert.Equal("bfdulr", values["out_forder"]);
        Assert.Equal("rpy", values["rorder"]);
        Assert.Equal("-1", values["h_offset"]);
    }

    [Theory]
    [InlineData("1e2", "100")]
    [InlineData("-0", "0")]
    [InlineData("0.000001", "0.000001")]
    [InlineData("12.50", "12.5")]
    public void Numbers_are_written_as_plain_decimals(string json, string written)
    {
        var map = V360($$"""{"kind":"v360","input":"e","output":"flat","w":64,"h":64,"yaw":{{json}}}""");

        Assert.Equal(written, map.Options.Single(o => o.Key == "yaw").Value);
    }

    public static TheoryData<string, string> BadV360Values() => new()
    {
        // names
        { """ "input":"dualfisheye" """, "'input': unknown value 'dualfisheye'" },
        { """ "input":"perspective" """, "'input': unknown value 'perspective'" },
        { """ "input":"Equirect" """, "'input': unknown value 'Equirect'" },
        { """ "output":"e:w=1" """, "'output': unknown value" },
        { """ "interp":"bicubic" """, "'interp': unknown value 'bicubic'" },
        { """ "in_stereo":"3d" """, "'in_stereo': unknown value '3d'" },
        // ranges
        { """ "ih_fov":400 """, "'ih_fov' must be from 0 to 360, not 400" },
        { """ "iv_fov":-1 """, "'iv_fov' must be from 0 to 360" },
        { """ "d_fov":360.0001 """, "'d_fov' must be from 0 to 360" },
        { """ "yaw":181 """, "'yaw' must be from -180 to 180" },
        { """ "pitch":-180.5 """, "'pitch' must be from -180 to 180" },
        { """ "h_offset":1.5 """, "'h_offset' must be from -1 to 1" },
        { """ "in_pad":0.2 """, "'in_pad' must be from 0 to 0.1" },
        { """ "fin_pad":101 """, "'fin_pad' must be from 0 to 100" },
        { """ "fout_pad":2.5 """, "'fout_pad' must be a whole number" },
        { """ "yaw":1e400 """, "'yaw' must be a number" },
        // cube faces and rotation order
        { """ "in_forder":"rludff" """, "'in_forder' must be each of the letters 'rludfb' exactly once" },
        { """ "in_forder":"rludf" """, "'in_forder' must be each of the letters 'rludfb'" },
        { """ "out_forder":"RLUDFB" """, "'out_forder' must be each of the letters 'rludfb'" },
        { """ "in_frot":"012345" """, "'in_frot' must be 6 characters from '0123'" },
        { """ "rorder":"yyp" """, "'rorder' must be each of the letters 'ypr' exactly once" },
        { """ "rorder":"ypr:" """, "'rorder' must be each of the letters 'ypr'" },
        // JSON types
        { """ "input":5 """, "'input' must be a string, not the number 5" },
        { """ "yaw":"10" """, "'yaw' must be a number, not a string" },
        { """ "yaw":null """, "'yaw' must be a number, not null" },
        { """ "h_flip":1 """, "'h_flip' must be true or false, not the number 1" },
        { """ "h_flip":"true" """, "'h_flip' must be true or false, not a string" },
        { """ "in_forder":["r"] """, "'in_forder' must be a string, not an array" },
        // keys
        { """ "alpha_mask":true """, "unknown key 'alpha_mask' in a v360 map" },
        { """ "reset_rot":true """, "unknown key 'reset_rot'" },
        { """ "IH_FOV":190 """, "unknown key 'IH_FOV'" },
        { """ "xmap":"a.pgm" """, "unknown key 'xmap' in a v360 map" },
        { """ "yaw":1,"yaw":2 """, "key 'yaw' appears more than once" },
    };

    [Theory]
    [MemberData(nameof(BadV360Values))]
    public void Bad_v360_values_are_refused_naming_the_problem(string extra, string message)
    {
        // A good map with the bad value added; a bad projection takes the place of the good one.
        var input = extra.Contains("\"input\"") ? "" : "\"input\":\"dfisheye\",";
        var output = extra.Contains("\"output\"") ? "" : "\"output\":\"equirect\",";

        var error = Refused($$"""{"kind":"v360",{{input}}{{output}}"w":640,"h":320,{{extra}}}""");

        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("\"w\":641,\"h\":320", "'w' must be even")]
    [InlineData("\"w\":640,\"h\":321", "'h' must be even")]
    [InlineData("\"w\":8194,\"h\":320", "'w' must be from 16 to 8192, not 8194")]
    [InlineData("\"w\":640,\"h\":14", "'h' must be from 16 to 8192, not 14")]
    [InlineData("\"w\":0,\"h\":320", "'w' must be from 16 to 8192, not 0")]
    [InlineData("\"w\":-640,\"h\":320", "'w' must be from 16 to 8192")]
    [InlineData("\"w\":3840.5,\"h\":1920", "'w' must be a whole number from 16 to 8192, not 3840.5")]
    [InlineData("\"w\":99999999999,\"h\":1920", "'w' must be a whole number")]
    [InlineData("\"w\":\"3840\",\"h\":1920", "'w' must be a whole number, not a string")]
    [InlineData("\"h\":320", "'w' is missing")]
    [InlineData("\"w\":640", "'h' is missing")]
    public void The_output_size_is_required_even_and_bounded(string size, string message)
    {
        var error = Refused($$"""{"kind":"v360","input":"dfisheye","output":"equirect",{{size}}}""");

        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("""{"kind":"v360","output":"e","w":64,"h":64}""", "'input' is missing")]
    [InlineData("""{"kind":"v360","input":"e","w":64,"h":64}""", "'output' is missing")]
    public void Both_projections_are_required(string json, string message) =>
        Assert.Contains(message, Refused(json).Message);

    [Fact]
    public void Sizes_at_the_bounds_are_accepted()
    {
        var small = V360("""{"kind":"v360","input":"e","output":"e","w":16,"h":16}""");
        var large = V360($$"""{"kind":"v360","input":"e","output":"e","w":{{StitchMapParser.MaxSize}},"h":{{StitchMapParser.MaxSize}}}""");

        Assert.Contains(Kv("w", "16"), small.Options);
        Assert.Contains(Kv("h", StitchMapParser.MaxSize.ToString(System.Globalization.CultureInfo.InvariantCulture)), large.Options);
    }

    // ---- the document -------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("", "not valid JSON")]
    [InlineData("{\"kind\":\"v360\",", "not valid JSON")]
    [InlineData("{'kind':'v360'}", "not valid JSON")]
    [InlineData("[]", "must be a JSON object, not an array")]
    [InlineData("\"v360\"", "must be a JSON object, not a string")]
    [InlineData("null", "must be a JSON object, not null")]
    [InlineData("{}", "'kind' is missing")]
    [InlineData("{\"input\":\"e\"}", "'kind' is missing")]
    [InlineData("{\"kind\":360}", "'kind' must be a string, not the number 360")]
    [InlineData("{\"kind\":\"V360\"}", "unknown kind 'V360'")]
    [InlineData("{\"kind\":\"lensfun\"}", "unknown kind 'lensfun'")]
    [InlineData("{\"kind\":\"v360\",\"kind\":\"remap\"}", "key 'kind' appears more than once")]
    [InlineData("{\"kind\":\"remap\",\"xmap\":{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":1}}}}}}}}}", "not valid JSON")]
    public void Documents_that_are_not_a_map_are_refused(string json, string message) =>
        Assert.Contains(message, Refused(json).Message);

    [Fact]
    public void Control_characters_in_echoed_text_are_not_echoed()
    {
        var error = Refused("{\"kind\":\"v360\",\"input\":\"e\\n\\u0000x\",\"output\":\"e\",\"w\":64,\"h\":64}");

        Assert.DoesNotContain(error.Message, char.IsControl);
        Assert.Contains("'e??x'", error.Message);
    }

    // ---- remap --------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("lens.x.pgm", "lens.y.pgm")]
    [InlineData("tables/lens x.pgm", "tables/lens y.pgm")]
    [InlineData("./a.pgm", "b/./c.bin")]
    [InlineData("..a.pgm", "a..b/c...pgm")]
    [InlineData("http:x.pgm", "-i.pgm")]
    public void Remap_keeps_the_table_names_as_written(string x, string y)
    {
        var r = StitchMapParser.Parse(System.Text.Json.JsonSerializer.Serialize(new { kind = "remap", xmap = x, ymap = y }));

        Assert.True(r.IsOk, r.Error?.Message);
        Assert.Equal(new RemapDefinition(x, y), r.Value);
    }

    public static TheoryData<string, string> BadRemaps() => new()
    {
        { """{"kind":"remap","xmap":"/etc/x.pgm","ymap":"y.pgm"}""", "'xmap' must be relative to the map file, not an absolute path" },
        { """{"kind":"remap","xmap":"x.pgm","ymap":"\\y.pgm"}""", "'ymap' must be relative to the map file" },
        { """{"kind":"remap","xmap":"../x.pgm","ymap":"y.pgm"}""", "'xmap' must not contain '..'" },
        { """{"kind":"remap","xmap":"a/../../x.pgm","ymap":"y.pgm"}""", "'xmap' must not contain '..'" },
        { """{"kind":"remap","xmap":"x.pgm","ymap":"a\\..\\y.pgm"}""", "'ymap' must not contain '..'" },
        { """{"kind":"remap","xmap":"x.pgm","ymap":"tables/.."}""", "'ymap' must not contain '..'" },
        { """{"kind":"remap","xmap":"x\n.pgm","ymap":"y.pgm"}""", "'xmap' contains a control character" },
        { """{"kind":"remap","xmap":"x\u0000.pgm","ymap":"y.pgm"}""", "'xmap' contains a control character" },
        { """{"kind":"remap","xmap":"","ymap":"y.pgm"}""", "'xmap' must not be empty" },
        { """{"kind":"remap","xmap":"  ","ymap":"y.pgm"}""", "'xmap' must not be empty" },
        { """{"kind":"remap","xmap":"tables/","ymap":"y.pgm"}""", "'xmap' must name a file, not a directory" },
        { """{"kind":"remap","xmap":"x.pgm"}""", "'ymap' is missing" },
        { """{"kind":"remap","ymap":"y.pgm"}""", "'xmap' is missing" },
        { """{"kind":"remap","xmap":7,"ymap":"y.pgm"}""", "'xmap' must be a string, not the number 7" },
        { """{"kind":"remap","xmap":["x.pgm"],"ymap":"y.pgm"}""", "'xmap' must be a string, not an array" },
        { """{"kind":"remap","xmap":"x.pgm","ymap":"y.pgm","fill":"red"}""", "unknown key 'fill' in a remap map (accepted: kind, xmap, ymap)" },
        { """{"kind":"remap","xmap":"x.pgm","ymap":"y.pgm","w":640}""", "unknown key 'w' in a remap map" },
    };

    [Theory]
    [MemberData(nameof(BadRemaps))]
    public void Bad_remap_maps_are_refused_naming_the_problem(string json, string message) =>
        Assert.Contains(message, Refused(json).Message);

    [Fact]
    public void A_table_name_longer_than_the_limit_is_refused()
    {
        var name = new string('a', StitchMapParser.MaxTableNameLength + 1);

        var error = Refused(System.Text.Json.JsonSerializer.Serialize(new { kind = "remap", xmap = name, ymap = "y.pgm" }));

        Assert.Contains("'xmap' is longer than", error.Message);
        Assert.True(error.Message.Length < 300, "the message echoes the whole name: " + error.Message.Length);
    }

    // ---- remap tables -------------------------------------------------------------------------------------------

    private static PgmHeader Header(int w, int h, int maxval = 65535) =>
        new(w, h, maxval, $"P5\n{w} {h}\n{maxval}\n".Length);

    [Fact]
    public void A_16_bit_table_of_an_even_size_holding_one_image_passes()
    {
        var header = Header(320, 160);

        Assert.Null(StitchMapParser.CheckTable("xmap", "x.pgm", header, header.DataOffset + 320L * 160 * 2));
        Assert.Null(StitchMapParser.CheckTable("xmap", "x.pgm", Header(16, 16, 256), Header(16, 16, 256).FileLength));
    }

    [Theory]
    [InlineData(320, 160, 255, 0, "8-bit PGM (maxval 255); the tables must be 16-bit")]
    [InlineData(320, 160, 1, 0, "8-bit PGM (maxval 1)")]
    [InlineData(321, 160, 65535, 0, "is 321x160; the output size must be even")]
    [InlineData(320, 161, 65535, 0, "is 320x161; the output size must be even")]
    [InlineData(8, 160, 65535, 0, "is 8x160; tables must be 16 to 8192 pixels each way")]
    [InlineData(320, 8194, 65535, 0, "tables must be 16 to 8192 pixels each way")]
    [InlineData(320, 160, 65535, -1, "bytes, but its header announces")]
    [InlineData(320, 160, 65535, 1, "bytes, but its header announces")]
    [InlineData(320, 160, 65535, -320 * 160, "bytes, but its header announces")]
    public void Bad_tables_are_refused_naming_the_table(int w, int h, int maxval, long lengthOff, string message)
    {
        var header = Header(w, h, maxval);

        var error = StitchMapParser.CheckTable("ymap", "lens.y.pgm", header, header.FileLength + lengthOff);

        Assert.NotNull(error);
        Assert.Equal(ErrorCode.InvalidValue, error.Code);
        Assert.Contains("remap 'ymap' ('lens.y.pgm')", error.Message);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Two_tables_make_a_map_of_their_size()
    {
        var def = new RemapDefinition("x.pgm", "y.pgm");

        var map = StitchMapParser.Remap(def, "/m/x.pgm", Header(320, 160), "/m/y.pgm", Header(320, 160));

        Assert.True(map.IsOk, map.Error?.Message);
        Assert.Equal(new RemapMap("/m/x.pgm", "/m/y.pgm", 320, 160), map.Value);
    }

    [Fact]
    public void Tables_of_different_sizes_are_refused()
    {
        var def = new RemapDefinition("x.pgm", "y.pgm");

        var map = StitchMapParser.Remap(def, "/m/x.pgm", Header(320, 160), "/m/y.pgm", Header(320, 162));

        Assert.False(map.IsOk);
        Assert.Equal(ErrorCode.InvalidValue, map.Error!.Code);
        Assert.Contains("remap tables differ in size: xmap 'x.pgm' is 320x160, ymap 'y.pgm' is 320x162", map.Error.Message);
    }
}
