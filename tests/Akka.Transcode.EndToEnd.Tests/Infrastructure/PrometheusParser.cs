using System.Globalization;
using System.Text;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A strict reader of the Prometheus text exposition format (0.0.4), for checking what /metrics serves: metric and
/// label name grammar, HELP and TYPE (at most one each per family, before its samples), label syntax and escapes,
/// float values with +Inf, -Inf and NaN, every family's samples together, no series twice, and for histograms
/// buckets with an "le" label whose bounds rise and counts never fall, a +Inf bucket equal to _count, and a _sum.
/// Anything else is a <see cref="FormatException"/> naming the line. (Also compiled into Actors.Tests.)
/// </summary>
public static class PrometheusParser
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
    {
        public string Label(string name) => Labels.TryGetValue(name, out var v) ? v : "";
    }

    public sealed class Family(string name)
    {
        public string Name { get; } = name;
        public string? Help { get; internal set; }
        public string Type { get; internal set; } = "untyped";
        public List<Sample> Samples { get; } = new();

        /// <summary>The one sample named <paramref name="sampleName"/> (default: the family's name) whose labels include
        /// <paramref name="labels"/> ("name=value" pairs); throws when there is none or several.</summary>
        public double Value(string? sampleName = null, params string[] labels)
        {
            var matches = Samples.Where(s => s.Name == (sampleName ?? Name) && labels.All(l =>
            {
                var (k, v) = (l[..l.IndexOf('=')], l[(l.IndexOf('=') + 1)..]);
                return s.Label(k) == v;
            })).ToList();
            if (matches.Count != 1)
                throw new InvalidOperationException($"{matches.Count} samples of {sampleName ?? Name} match [{string.Join(",", labels)}]");
            return matches[0].Value;
        }

        /// <summary>A histogram's _count summed over its series (those matching <paramref name="labels"/>).</summary>
        public double Count(params string[] labels) => Sum(Name + "_count", labels);

        public double Sum(string sampleName, params string[] labels) =>
            Samples.Where(s => s.Name == sampleName && labels.All(l => s.Label(l[..l.IndexOf('=')]) == l[(l.IndexOf('=') + 1)..]))
                .Sum(s => s.Value);
    }

    private static readonly HashSet<string> Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    public static IReadOnlyDictionary<string, Family> Parse(string text)
    {
        if (text.Length > 0 && !text.EndsWith('\n')) throw new FormatException("the exposition does not end with a line feed");
        var families = new Dictionary<string, Family>(StringComparer.Ordinal);
        var closed = new HashSet<string>(StringComparer.Ordinal); // families whose samples ended
        var series = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length - 1; i++)
        {
            var line = lines[i];
            var at = $"line {i + 1} ('{line}')";
            try
            {
                if (line.Length == 0) continue;
                if (line.StartsWith('#'))
                {
                    ParseComment(line, families, closed, ref current);
                    continue;
                }
                var sample = ParseSample(line);
                var familyName = FamilyOf(sample.Name, families);
                if (current != familyName)
                {
                    if (current is not null) closed.Add(current);
                    if (closed.Contains(familyName)) throw new FormatException($"the samples of {familyName} are not together");
                    current = familyName;
                }
                if (!families.TryGetValue(familyName, out var family)) families[familyName] = family = new Family(familyName);
                CheckSampleName(family, sample);
                var key = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal)
                    .Select(l => l.Key + "=" + l.Value)) + "}";
                if (!series.Add(key)) throw new FormatException($"series {key} appears twice");
                family.Samples.Add(sample);
            }
            catch (FormatException e)
            {
                throw new FormatException($"{at}: {e.Message}", e);
            }
        }
        foreach (var f in families.Values.Where(f => f.Type == "histogram")) CheckHistogram(f);
        return families;
    }

    private static void ParseComment(string line, Dictionary<string, Family> families, HashSet<string> closed, ref string? current)
    {
        var parts = line.Split(' ', 4);
        if (parts.Length < 3 || parts[0] != "#" || parts[1] is not ("HELP" or "TYPE")) return; // a plain comment
        var name = parts[2];
        if (!IsMetricName(name)) throw new FormatException($"bad metric name '{name}'");
        if (!families.TryGetValue(name, out var family)) families[name] = family = new Family(name);
        if (family.Samples.Count > 0 || closed.Contains(name)) throw new FormatException($"{parts[1]} of {name} after its samples");
        if (current is not null && current != name)
        {
            closed.Add(current);
            current = null;
        }
        if (parts[1] == "HELP")
        {
            if (family.Help is not null) throw new FormatException($"second HELP for {name}");
            family.Help = Unescape(parts.Length > 3 ? parts[3] : "", help: true);
        }
        else
        {
            if (family.Type != "untyped" || parts.Length < 4) throw new FormatException($"second or empty TYPE for {name}");
            if (!Types.Contains(parts[3])) throw new FormatException($"unknown type '{parts[3]}'");
            family.Type = parts[3];
        }
    }

    private static Sample ParseSample(string line)
    {
        var i = 0;
        while (i < line.Length && line[i] is not ('{' or ' ')) i++;
        var name = line[..i];
        if (!IsMetricName(name)) throw new FormatException($"bad metric name '{name}'");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (true)
            {
                if (i >= line.Length) throw new FormatException("unterminated label set");
                if (line[i] == '}') { i++; break; }
                var start = i;
                while (i < line.Length && line[i] != '=') i++;
                var labelName = line[start..i];
                if (!IsLabelName(labelName)) throw new FormatException($"bad label name '{labelName}'");
                if (i + 1 >= line.Length || line[i + 1] != '"') throw new FormatException($"label {labelName} has no quoted value");
                i += 2;
                var value = new StringBuilder();
                while (true)
                {
                    if (i >= line.Length) throw new FormatException($"unterminated value of label {labelName}");
                    var c = line[i++];
                    if (c == '"') break;
                    if (c != '\\') { value.Append(c); continue; }
                    if (i >= line.Length) throw new FormatException("dangling backslash");
                    value.Append(line[i++] switch
                    {
                        '\\' => '\\',
                        '"' => '"',
                        'n' => '\n',
                        var other => throw new FormatException($"bad escape '\\{other}' in a label value"),
                    });
                }
                if (!labels.TryAdd(labelName, value.ToString())) throw new FormatException($"label {labelName} twice");
                if (i < line.Length && line[i] == ',') i++;
                else if (i >= line.Length || line[i] != '}') throw new FormatException("labels must be separated by ','");
            }
        }
        if (i >= line.Length || line[i] != ' ') throw new FormatException("no space before the value");
        var rest = line[(i + 1)..].Split(' ');
        if (rest.Length is < 1 or > 2 || rest[0].Length == 0) throw new FormatException("expected a value and an optional timestamp");
        var v = ParseFloat(rest[0]);
        if (rest.Length == 2 && !long.TryParse(rest[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            throw new FormatException($"bad timestamp '{rest[1]}'");
        return new Sample(name, labels, v);
    }

    public static double ParseFloat(string s)
    {
        switch (s)
        {
            case "+Inf" or "Inf" or "+inf" or "inf": return double.PositiveInfinity;
            case "-Inf" or "-inf": return double.NegativeInfinity;
            case "NaN" or "nan": return double.NaN;
        }
        var digits = false;
        var i = 0;
        if (i < s.Length && s[i] is '+' or '-') i++;
        while (i < s.Length && char.IsAsciiDigit(s[i])) { i++; digits = true; }
        if (i < s.Length && s[i] == '.')
        {
            i++;
            while (i < s.Length && char.IsAsciiDigit(s[i])) { i++; digits = true; }
        }
        if (digits && i < s.Length && s[i] is 'e' or 'E')
        {
            i++;
            if (i < s.Length && s[i] is '+' or '-') i++;
            var exp = false;
            while (i < s.Length && char.IsAsciiDigit(s[i])) { i++; exp = true; }
            if (!exp) digits = false;
        }
        if (!digits || i != s.Length) throw new FormatException($"bad float '{s}'");
        return double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static string FamilyOf(string sampleName, Dictionary<string, Family> families)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (!sampleName.EndsWith(suffix, StringComparison.Ordinal)) continue;
            var base_ = sampleName[..^suffix.Length];
            if (families.TryGetValue(base_, out var f) && f.Type is "histogram" or "summary") return base_;
        }
        return sampleName;
    }

    private static void CheckSampleName(Family family, Sample sample)
    {
        if (family.Type == "histogram")
        {
            if (sample.Name == family.Name) throw new FormatException($"histogram {family.Name} has a bare sample");
            if (sample.Name.EndsWith("_bucket", StringComparison.Ordinal) != sample.Labels.ContainsKey("le"))
                throw new FormatException("'le' belongs on histogram buckets and only there");
            if (sample.Labels.TryGetValue("le", out var le)) ParseFloat(le);
        }
        else if (family.Type == "counter" && (sample.Value < 0 || double.IsNaN(sample.Value)))
            throw new FormatException($"counter {family.Name} is {sample.Value}");
    }

    private static void CheckHistogram(Family f)
    {
        static string SeriesKey(Sample s) => string.Join(",", s.Labels.Where(l => l.Key != "le")
            .OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value));
        foreach (var group in f.Samples.GroupBy(SeriesKey))
        {
            var buckets = group.Where(s => s.Name == f.Name + "_bucket").ToList();
            var count = group.SingleOrDefault(s => s.Name == f.Name + "_count")
                        ?? throw new FormatException($"histogram {f.Name}{{{group.Key}}} has no _count");
            if (group.All(s => s.Name != f.Name + "_sum")) throw new FormatException($"histogram {f.Name}{{{group.Key}}} has no _sum");
            var last = double.NegativeInfinity;
            var lastCount = 0.0;
            foreach (var b in buckets)
            {
                var le = ParseFloat(b.Labels["le"]);
                if (!(le > last)) throw new FormatException($"histogram {f.Name}{{{group.Key}}}: bucket bounds do not rise at le={b.Labels["le"]}");
                if (b.Value < lastCount) throw new FormatException($"histogram {f.Name}{{{group.Key}}}: bucket counts fall at le={b.Labels["le"]}");
                last = le;
                lastCount = b.Value;
            }
            if (buckets.Count == 0 || !double.IsPositiveInfinity(last))
                throw new FormatException($"histogram {f.Name}{{{group.Key}}} has no +Inf bucket");
            if (lastCount != count.Value)
                throw new FormatException($"histogram {f.Name}{{{group.Key}}}: +Inf bucket {lastCount} != _count {count.Value}");
        }
    }

    private static string Unescape(string s, bool help)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] != '\\') { sb.Append(s[i]); continue; }
            if (++i >= s.Length) throw new FormatException("dangling backslash");
            sb.Append(s[i] switch
            {
                '\\' => '\\',
                'n' => '\n',
                var other => throw new FormatException($"bad escape '\\{other}' in {(help ? "HELP" : "text")}"),
            });
        }
        return sb.ToString();
    }

    public static bool IsMetricName(string s) =>
        s.Length > 0 && (char.IsAsciiLetter(s[0]) || s[0] is '_' or ':') && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':');

    public static bool IsLabelName(string s) =>
        s.Length > 0 && (char.IsAsciiLetter(s[0]) || s[0] == '_') && s.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
        && !s.StartsWith("__", StringComparison.Ordinal);
}
