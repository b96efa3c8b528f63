using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Segments;

namespace Akka.Transcode.Domain.Tests;

public class SegmentParserTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\n")]
    public void Blank_text_means_the_whole_source(string? text)
    {
        var r = SegmentParser.Parse(text);
        Assert.True(r.IsOk);
        Assert.Empty(r.Value!);
    }

    [Theory]
    [InlineData("1-5", new[] { 1.0, 5.0 })]
    [InlineData("0-1", new[] { 0.0, 1.0 })]
    [InlineData("1-5:2-10", new[] { 1.0, 5.0, 2.0, 10.0 })]
    [InlineData("0.5-2.25", new[] { 0.5, 2.25 })]
    [InlineData("0.0-0.001", new[] { 0.0, 0.001 })]
    [InlineData("10-20:0-5:3-4", new[] { 10.0, 20.0, 0.0, 5.0, 3.0, 4.0 })]
    [InlineData(" 1-5 : 2-10 ", new[] { 1.0, 5.0, 2.0, 10.0 })]
    [InlineData("007-8", new[] { 7.0, 8.0 })]
    [InlineData("9999999-10000000", new[] { 9999999.0, 10000000.0 })]
    public void Valid_ranges_parse_in_the_given_order(string text, double[] bounds)
    {
        var r = SegmentParser.Parse(text);

        Assert.True(r.IsOk, r.Error?.Message);
        var expected = Enumerable.Range(0, bounds.Length / 2).Select(i => new TimeRange(bounds[2 * i], bounds[2 * i + 1]));
        Assert.Equal(expected, r.Value!);
    }

    [Fact]
    public void Overlapping_ranges_are_kept_like_an_edit_list()
    {
        var r = SegmentParser.Parse("1-5:2-10");

        Assert.True(r.IsOk);
        Assert.Equal(12.0, r.Value!.Sum(x => x.Duration), 9);
    }

    [Fact]
    public void Decimals_use_the_invariant_culture_whatever_the_current_one()
    {
        var saved = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            var ok = SegmentParser.Parse("0.5-2.25");
            var comma = SegmentParser.Parse("0,5-2,25");

            Assert.Equal([new TimeRange(0.5, 2.25)], ok.Value!);
            Assert.Equal(ErrorCode.InvalidValue, comma.Error!.Code);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void Exactly_MaxRanges_is_accepted()
    {
        var text = string.Join(":", Enumerable.Range(0, SegmentParser.MaxRanges).Select(i => $"{i}-{i + 1}"));

        var r = SegmentParser.Parse(text);

        Assert.True(r.IsOk);
        Assert.Equal(SegmentParser.MaxRanges, r.Value!.Count);
    }

    [Fact]
    public void More_than_MaxRanges_is_refused()
    {
        var text = string.Join(":", Enumerable.Range(0, SegmentParser.MaxRanges + 1).Select(i => $"{i}-{i + 1}"));

        var r = SegmentParser.Parse(text);

        Assert.Equal(ErrorCode.InvalidValue, r.Error!.Code);
        Assert.Contains("too many ranges", r.Error.Message);
        Assert.Contains((SegmentParser.MaxRanges + 1).ToString(), r.Error.Message);
    }

    [Theory]
    // text, a fragment the message must contain (the offending range or position), the reason
    [InlineData("5-1", "range 1 '5-1'", "reversed")]
    [InlineData("1-5:9-2", "range 2 '9-2'", "reversed")]
    [InlineData("3-3", "range 1 '3-3'", "empty range")]
    [InlineData("1-1.0", "range 1 '1-1.0'", "empty range")]
    [InlineData("-1-5", "range 1 '-1-5'", "negative")]
    [InlineData("1--5", "range 1 '1--5'", "negative")]
    [InlineData("a-5", "range 1 'a-5'", "not a plain decimal")]
    [InlineData("1-b", "'b'", "not a plain decimal")]
    [InlineData("NaN-5", "'NaN'", "finite")]
    [InlineData("0-Infinity", "'Infinity'", "finite")]
    [InlineData("0-inf", "'inf'", "finite")]
    [InlineData("1e3-2e3", "'1e3'", "exponent")]
    [InlineData("0-1E2", "'1E2'", "exponent")]
    [InlineData("0x10-0x20", "'0x10'", "hexadecimal")]
    [InlineData("+1-5", "'+1'", "'+'")]
    [InlineData("1-+5", "'+5'", "'+'")]
    [InlineData("1-5:", "trailing ':'", "trailing")]
    [InlineData(":1-5", "leading ':'", "leading")]
    [InlineData(":", "leading ':'", "leading")]
    [InlineData("1-5::2-3", "range 2", "empty")]
    [InlineData("1-5:2-3::", "range 3", "empty")]
    [InlineData("15", "range 1 '15'", "missing '-'")]
    [InlineData("1-5:7", "range 2 '7'", "missing '-'")]
    [InlineData("1-2-3", "range 1 '1-2-3'", "more than one '-'")]
    [InlineData("1-", "range 1 '1-'", "missing to")]
    [InlineData("-5", "range 1 '-5'", "missing from")]
    [InlineData("0-10000001", "10000001", "beyond")]
    [InlineData("0-1e308", "'1e308'", "exponent")]
    [InlineData("0-99999999999999999999", "99999999999999999999", "beyond")]
    [InlineData(".5-2", "'.5'", "not a plain decimal")]
    [InlineData("5.-6", "'5.'", "not a plain decimal")]
    [InlineData("1.2.3-4", "'1.2.3'", "not a plain decimal")]
    [InlineData("1 5-6", "'1 5'", "not a plain decimal")]
    [InlineData("\u0661-\u0665", "'\u0661'", "not a plain decimal")]
    public void Bad_forms_are_invalid_values_naming_the_range_and_the_reason(string text, string names, string reason)
    {
        var r = SegmentParser.Parse(text);

        Assert.False(r.IsOk);
        Assert.Equal(ErrorCode.InvalidValue, r.Error!.Code);
        Assert.Contains(names, r.Error.Message);
        Assert.Contains(reason, r.Error.Message);
    }

    [Fact]
    public void Parsed_ranges_print_back_in_the_protocol_form()
    {
        var r = SegmentParser.Parse("1.50-5:2-10.25");

        Assert.Equal("1.5-5:2-10.25", string.Join(":", r.Value!));
    }
}
