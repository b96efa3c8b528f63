using Akka.Transcode.Actors.Telemetry;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;

namespace Akka.Transcode.Actors.Tests.Telemetry;

public sealed class PrometheusTextTests
{
    [Theory]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(0.0, "0")]
    [InlineData(3600.0, "3600")]
    [InlineData(0.0025, "0.0025")]
    [InlineData(-1.5, "-1.5")]
    [InlineData(1e-05, "1E-05")]
    [InlineData(1e21, "1E+21")]
    public void Values_are_written_as_prometheus_floats(double value, string text)
    {
        Assert.Equal(text, PrometheusText.FormatValue(value));
        var back = PrometheusParser.ParseFloat(text);
        Assert.True(back.Equals(value), $"{text} reads back as {back}");
    }

    [Fact]
    public void Values_round_trip_exactly()
    {
        foreach (var v in new[] { 0.1, 1.0 / 3, 123456.789012345, double.Epsilon, double.MaxValue, 0.569 })
            Assert.Equal(v, PrometheusParser.ParseFloat(PrometheusText.FormatValue(v)));
    }

    [Fact]
    public void Label_values_escape_backslash_quote_and_line_feed_only()
    {
        Assert.Equal(@"a\\b\""c\nd	é", PrometheusText.EscapeLabelValue("a\\b\"c\nd\té"));
    }

    [Fact]
    public void Help_escapes_backslash_and_line_feed_but_not_quotes()
    {
        Assert.Equal(@"say ""x"" \\ then\nmore", PrometheusText.EscapeHelp("say \"x\" \\ then\nmore"));
    }

    [Theory]
    [InlineData("transcode_jobs", true)]
    [InlineData("a:b_c9", true)]
    [InlineData("_x", true)]
    [InlineData("9x", false)]
    [InlineData("a-b", false)]
    [InlineData("a.b", false)]
    [InlineData("", false)]
    public void Metric_names_follow_the_grammar(string name, bool valid)
    {
        Assert.Equal(valid, PrometheusText.IsMetricName(name));
        Assert.Equal(valid, PrometheusParser.IsMetricName(name));
    }

    [Theory]
    [InlineData("state", "state")]
    [InlineData("worker.id", "worker_id")]
    [InlineData("9lives", "tag_9lives")]
    [InlineData("__name", "tag___name")]
    [InlineData("a:b", "a_b")]
    public void Tag_names_become_valid_label_names(string tag, string label)
    {
        Assert.Equal(label, PrometheusText.LabelName(tag));
        Assert.True(PrometheusText.IsLabelName(label));
        Assert.True(PrometheusParser.IsLabelName(label));
    }
}
