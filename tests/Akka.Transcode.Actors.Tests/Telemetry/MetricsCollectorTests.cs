using System.Diagnostics.Metrics;
using Akka.Transcode.Actors.Telemetry;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;

namespace Akka.Transcode.Actors.Tests.Telemetry;

/// <summary>The exporter against a meter of each test's own, read back with the strict parser.</summary>
public sealed class MetricsCollectorTests : IDisposable
{
    private readonly Meter _meter = new("Test.Metrics." + Guid.NewGuid().ToString("N"));
    private readonly MetricsCollector _collector;

    public MetricsCollectorTests() => _collector = new MetricsCollector(_meter.Name);

    public void Dispose()
    {
        _collector.Dispose();
        _meter.Dispose();
    }

    private static KeyValuePair<string, object?> Tag(string k, object? v) => new(k, v);

    [Fact]
    public void A_histogram_counts_each_value_in_the_first_bucket_whose_bound_is_at_least_the_value()
    {
        var h = _meter.CreateHistogram<double>("test_duration_seconds", "s", "How long.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 2, 5] });
        foreach (var v in new[] { 0.5, 1, 1.5, 7 }) h.Record(v, Tag("state", "done"));
        h.Record(3, Tag("state", "failed"));

        var text = _collector.Collect();
        var f = PrometheusParser.Parse(text)["test_duration_seconds"];

        Assert.Equal("histogram", f.Type);
        Assert.Equal("How long.", f.Help);
        Assert.Equal(2, f.Value("test_duration_seconds_bucket", "state=done", "le=1"));
        Assert.Equal(3, f.Value("test_duration_seconds_bucket", "state=done", "le=2"));
        Assert.Equal(3, f.Value("test_duration_seconds_bucket", "state=done", "le=5"));
        Assert.Equal(4, f.Value("test_duration_seconds_bucket", "state=done", "le=+Inf"));
        Assert.Equal(10, f.Value("test_duration_seconds_sum", "state=done"));
        Assert.Equal(4, f.Value("test_duration_seconds_count", "state=done"));
        Assert.Equal(0, f.Value("test_duration_seconds_bucket", "state=failed", "le=2"));
        Assert.Equal(1, f.Value("test_duration_seconds_bucket", "state=failed", "le=5"));
        Assert.Equal(5, f.Count());
        // "le" comes after the series' own labels.
        Assert.Contains("test_duration_seconds_bucket{state=\"done\",le=\"1\"} 2\n", text);
    }

    [Fact]
    public void A_histogram_without_advice_uses_the_prometheus_default_buckets()
    {
        _meter.CreateHistogram<long>("test_plain").Record(3);
        var f = PrometheusParser.Parse(_collector.Collect())["test_plain"];
        var bounds = f.Samples.Where(s => s.Name == "test_plain_bucket").Select(s => s.Label("le")).ToList();
        Assert.Equal(["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"], bounds);
        Assert.Equal(0, f.Value("test_plain_bucket", "le=2.5"));
        Assert.Equal(1, f.Value("test_plain_bucket", "le=5"));
        Assert.Equal("test_plain", f.Help); // no description: the name stands in
    }

    [Fact]
    public void Counters_sum_per_label_set_whatever_the_order_of_the_tags()
    {
        var c = _meter.CreateCounter<long>("test_things_total", null, "Things.");
        c.Add(2, Tag("b", "1"), Tag("a", "x"));
        c.Add(3, Tag("a", "x"), Tag("b", "1"));
        c.Add(1, Tag("a", "y"), Tag("b", "1"));
        var u = _meter.CreateUpDownCounter<int>("test_level");
        u.Add(5);
        u.Add(-2);

        var text = _collector.Collect();
        var families = PrometheusParser.Parse(text);
        Assert.Equal("counter", families["test_things_total"].Type);
        Assert.Equal(5, families["test_things_total"].Value(null, "a=x"));
        Assert.Equal(1, families["test_things_total"].Value(null, "a=y"));
        Assert.Contains("test_things_total{a=\"x\",b=\"1\"} 5\n", text);
        Assert.Equal("gauge", families["test_level"].Type);
        Assert.Equal(3, families["test_level"].Value());
    }

    [Fact]
    public void Observable_gauges_are_read_at_each_scrape_and_left_out_while_they_report_nothing()
    {
        var value = 1;
        var report = true;
        _meter.CreateObservableGauge("test_gauge", () => report
                ? [new Measurement<int>(value, Tag("worker", "w-\"1\"\\\n"))]
                : Array.Empty<Measurement<int>>(),
            null, "A gauge.\nSecond line \\ backslash.");

        var first = _collector.Collect();
        var f = PrometheusParser.Parse(first)["test_gauge"];
        Assert.Equal("gauge", f.Type);
        Assert.Equal("A gauge.\nSecond line \\ backslash.", f.Help);
        Assert.Equal("w-\"1\"\\\n", Assert.Single(f.Samples).Label("worker"));
        Assert.Equal(
            "# HELP test_gauge A gauge.\\nSecond line \\\\ backslash.\n# TYPE test_gauge gauge\ntest_gauge{worker=\"w-\\\"1\\\"\\\\\\n\"} 1\n",
            first);

        value = 7;
        Assert.Equal(7, PrometheusParser.Parse(_collector.Collect())["test_gauge"].Value());

        report = false;
        Assert.Equal("", _collector.Collect());
    }

    [Fact]
    public void Families_come_out_sorted_and_a_second_instrument_of_a_taken_name_is_ignored()
    {
        _meter.CreateObservableGauge("test_b", () => 2);
        _meter.CreateObservableGauge("test_a", () => 1);
        _meter.CreateObservableGauge("test_a", () => 99);
        _meter.CreateCounter<int>("not a valid name").Add(1);

        var text = _collector.Collect();
        var families = PrometheusParser.Parse(text);
        Assert.Equal(["test_a", "test_b"], families.Keys.ToList());
        Assert.Equal(1, families["test_a"].Value());
        Assert.True(text.IndexOf("test_a", StringComparison.Ordinal) < text.IndexOf("test_b", StringComparison.Ordinal));
    }

    [Fact]
    public void Other_meters_are_not_exported()
    {
        using var other = new Meter("Test.Other." + Guid.NewGuid().ToString("N"));
        other.CreateCounter<int>("test_elsewhere_total").Add(1);
        Assert.DoesNotContain("test_elsewhere_total", _collector.Collect());
    }

    [Fact]
    public void The_strict_parser_refuses_what_prometheus_would()
    {
        string[] bad =
        [
            "x 1",                                                                   // no final line feed
            "9x 1\n",                                                                // metric name
            "x{a=\"1\",a=\"2\"} 1\n",                                                // label twice
            "x{a=\"\\t\"} 1\n",                                                      // escape
            "x{__a=\"1\"} 1\n",                                                      // reserved label name
            "x 1.2.3\n",                                                             // float
            "x 1\nx 2\n",                                                            // series twice
            "x 1\ny 1\nx{a=\"b\"} 1\n",                                              // family not together
            "# TYPE x gauge\n# TYPE x gauge\nx 1\n",                                 // TYPE twice
            "x 1\n# TYPE x gauge\n",                                                 // TYPE after samples
            "# TYPE x counter\nx -1\n",                                              // negative counter
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", // counts fall
            "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n", // +Inf != count
            "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",         // no +Inf bucket
            "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n",               // no _sum
        ];
        foreach (var text in bad) Assert.Throws<FormatException>(() => PrometheusParser.Parse(text));
        // And what it must take: comments, a trailing comma, timestamps, special floats.
        var ok = PrometheusParser.Parse("# a comment\nx{a=\"1\",} +Inf 1700000000000\ny NaN\nz -Inf\nw 1e-3\n");
        Assert.True(double.IsPositiveInfinity(ok["x"].Value()));
        Assert.Equal(0.001, ok["w"].Value());
    }
}
