using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Akka.Transcode.Actors.Telemetry;

/// <summary>
/// Listens to one meter's instruments and renders them as Prometheus text. Counters and histograms aggregate every
/// measurement from the start of the process; observable instruments are read at each scrape. Histograms use the
/// bucket bounds their instrument advises (Prometheus' defaults otherwise). Instrument names are used as they are
/// and must already be valid metric names; tags become labels.
/// </summary>
public sealed class MetricsCollector : IDisposable
{
    private static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, Family> _families = new(StringComparer.Ordinal);
    private readonly object _scrape = new();

    public MetricsCollector(string meterName = TranscodeMetrics.MeterName)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name != meterName || !PrometheusText.IsMetricName(instrument.Name)) return;
            var family = Family.For(instrument);
            // One family per name: a second instrument of the same name would make the output invalid.
            if (family is null || !_families.TryAdd(instrument.Name, family)) return;
            listener.EnableMeasurementEvents(instrument, family);
        };
        _listener.MeasurementsCompleted = (instrument, state) =>
        {
            if (state is Family f) _families.TryRemove(new KeyValuePair<string, Family>(instrument.Name, f));
        };
        _listener.SetMeasurementEventCallback<double>((_, v, tags, state) => ((Family)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<float>((_, v, tags, state) => ((Family)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<long>((_, v, tags, state) => ((Family)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<int>((_, v, tags, state) => ((Family)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<short>((_, v, tags, state) => ((Family)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<byte>((_, v, tags, state) => ((Family)state!).Record(v, tags));
        _listener.Start();
    }

    /// <summary>Every family with at least one sample, ordered by name.</summary>
    public string Collect()
    {
        lock (_scrape)
        {
            foreach (var f in _families.Values) f.BeginScrape();
            _listener.RecordObservableInstruments();
            var sb = new StringBuilder();
            foreach (var f in _families.Values.OrderBy(f => f.Name, StringComparer.Ordinal)) f.Write(sb);
            return sb.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>The labels of one series, in tag-name order, and a key that identifies them.</summary>
    private readonly record struct LabelSet(string Key, IReadOnlyList<(string Name, string Value)> Labels)
    {
        public static readonly LabelSet Empty = new("", []);

        public static LabelSet Of(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length == 0) return Empty;
            var labels = new (string Name, string Value)[tags.Length];
            for (var i = 0; i < tags.Length; i++)
                labels[i] = (PrometheusText.LabelName(tags[i].Key), Convert.ToString(tags[i].Value, CultureInfo.InvariantCulture) ?? "");
            Array.Sort(labels, (a, b) => string.CompareOrdinal(a.Name, b.Name));
            return new LabelSet(string.Join('\u0001', labels.Select(l => l.Name + '\u0002' + l.Value)), labels);
        }
    }

    private abstract class Family(string name, string help, string type)
    {
        public string Name { get; } = name;

        public static Family? For(Instrument instrument)
        {
            var help = string.IsNullOrWhiteSpace(instrument.Description) ? instrument.Name : instrument.Description;
            var type = instrument.GetType();
            if (!type.IsGenericType) return null;
            var kind = type.GetGenericTypeDefinition();
            if (kind == typeof(Counter<>)) return new SumFamily(instrument.Name, help, "counter");
            if (kind == typeof(UpDownCounter<>)) return new SumFamily(instrument.Name, help, "gauge");
            if (kind == typeof(ObservableGauge<>) || kind == typeof(ObservableUpDownCounter<>)) return new ObservedFamily(instrument.Name, help, "gauge");
            if (kind == typeof(ObservableCounter<>)) return new ObservedFamily(instrument.Name, help, "counter");
            if (kind == typeof(Histogram<>)) return new HistogramFamily(instrument.Name, help, Bounds(instrument));
            return null;
        }

        private static double[] Bounds(Instrument instrument)
        {
            IEnumerable<double>? advised = instrument switch
            {
                Histogram<double> h => h.Advice?.HistogramBucketBoundaries,
                Histogram<float> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
                Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
                Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b),
                _ => null,
            };
            var bounds = (advised ?? DefaultBuckets).Where(double.IsFinite).Distinct().Order().ToArray();
            return bounds.Length > 0 ? bounds : DefaultBuckets;
        }

        public abstract void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

        public virtual void BeginScrape() { }

        public void Write(StringBuilder sb)
        {
            var body = new StringBuilder();
            WriteSamples(body);
            if (body.Length == 0) return;
            PrometheusText.WriteHeader(sb, Name, help, type);
            sb.Append(body);
        }

        protected abstract void WriteSamples(StringBuilder sb);
    }

    /// <summary>Counters and up-down counters: the sum of every measurement.</summary>
    private sealed class SumFamily(string name, string help, string type) : Family(name, help, type)
    {
        private readonly ConcurrentDictionary<string, (LabelSet Labels, double Sum)> _series = new(StringComparer.Ordinal);

        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var labels = LabelSet.Of(tags);
            _series.AddOrUpdate(labels.Key, (labels, value), (_, old) => (old.Labels, old.Sum + value));
        }

        protected override void WriteSamples(StringBuilder sb)
        {
            foreach (var (_, (labels, sum)) in _series.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                PrometheusText.WriteSample(sb, Name, labels.Labels, sum);
        }
    }

    /// <summary>Observable instruments: the values their callbacks gave in this scrape.</summary>
    private sealed class ObservedFamily(string name, string help, string type) : Family(name, help, type)
    {
        private readonly Dictionary<string, (LabelSet Labels, double Value)> _series = new(StringComparer.Ordinal);

        public override void BeginScrape() => _series.Clear();

        // Called only from RecordObservableInstruments, under the collector's scrape lock.
        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var labels = LabelSet.Of(tags);
            _series[labels.Key] = (labels, value);
        }

        protected override void WriteSamples(StringBuilder sb)
        {
            foreach (var (_, (labels, value)) in _series.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                PrometheusText.WriteSample(sb, Name, labels.Labels, value);
        }
    }

    private sealed class HistogramFamily(string name, string help, double[] bounds) : Family(name, help, "histogram")
    {
        private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);

        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (double.IsNaN(value)) return;
            var labels = LabelSet.Of(tags);
            _series.GetOrAdd(labels.Key, _ => new Series(labels, bounds.Length)).Observe(bounds, value);
        }

        protected override void WriteSamples(StringBuilder sb)
        {
            foreach (var (_, series) in _series.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                var (counts, sum, count) = series.Read();
                long cumulative = 0;
                for (var i = 0; i < bounds.Length; i++)
                {
                    cumulative += counts[i];
                    PrometheusText.WriteSample(sb, Name + "_bucket", series.Labels.Labels, cumulative, ("le", PrometheusText.FormatValue(bounds[i])));
                }
                PrometheusText.WriteSample(sb, Name + "_bucket", series.Labels.Labels, count, ("le", "+Inf"));
                PrometheusText.WriteSample(sb, Name + "_sum", series.Labels.Labels, sum);
                PrometheusText.WriteSample(sb, Name + "_count", series.Labels.Labels, count);
            }
        }

        private sealed class Series(LabelSet labels, int bucketCount)
        {
            // counts[i]: observations in (bounds[i-1], bounds[i]]; the last slot holds those above every bound.
            private readonly long[] _counts = new long[bucketCount + 1];
            private double _sum;
            private long _count;

            public LabelSet Labels { get; } = labels;

            public void Observe(double[] bounds, double value)
            {
                var i = Array.BinarySearch(bounds, value);
                if (i < 0) i = ~i; // the first bound above the value; an exact match counts in its own bucket (le)
                lock (_counts)
                {
                    _counts[i]++;
                    _sum += value;
                    _count++;
                }
            }

            /// <summary>One consistent reading: the +Inf bucket always equals the count.</summary>
            public (long[] Counts, double Sum, long Count) Read()
            {
                lock (_counts) return ((long[])_counts.Clone(), _sum, _count);
            }
        }
    }
}
