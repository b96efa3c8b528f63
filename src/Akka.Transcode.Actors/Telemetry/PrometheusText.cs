using System.Globalization;
using System.Text;

namespace Akka.Transcode.Actors.Telemetry;

/// <summary>
/// The Prometheus text exposition format (version 0.0.4): names, escaping and numbers. Pure, so the rules are
/// tested on their own.
/// </summary>
public static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>[a-zA-Z_:][a-zA-Z0-9_:]*</summary>
    public static bool IsMetricName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':');

    /// <summary>[a-zA-Z_][a-zA-Z0-9_]*, and not starting with "__" (reserved for Prometheus itself).</summary>
    public static bool IsLabelName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && !name.StartsWith("__", StringComparison.Ordinal)
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>A valid label name made from any tag name: other characters become '_', a leading digit or "__" gets a prefix.</summary>
    public static string LabelName(string tag)
    {
        var chars = tag.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray();
        var name = new string(chars);
        return name.Length == 0 || char.IsAsciiDigit(name[0]) || name.StartsWith("__", StringComparison.Ordinal) ? "tag_" + name : name;
    }

    /// <summary>HELP text: backslash and line feed are escaped.</summary>
    public static string EscapeHelp(string help) => help.Replace("\\", @"\\").Replace("\n", @"\n");

    /// <summary>Label values: backslash, double quote and line feed are escaped.</summary>
    public static string EscapeLabelValue(string value) =>
        value.Replace("\\", @"\\").Replace("\"", "\\\"").Replace("\n", @"\n");

    /// <summary>A sample value or bucket bound: +Inf, -Inf, NaN, or the shortest text that reads back as the same double.</summary>
    public static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    public static void WriteHeader(StringBuilder sb, string name, string help, string type) =>
        sb.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n')
          .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    /// <param name="extraLabel">A label after the others, as histogram buckets add "le".</param>
    public static void WriteSample(StringBuilder sb, string name, IReadOnlyList<(string Name, string Value)> labels, double value,
        (string Name, string Value)? extraLabel = null)
    {
        sb.Append(name);
        if (labels.Count > 0 || extraLabel is not null)
        {
            sb.Append('{');
            var first = true;
            foreach (var (n, v) in extraLabel is { } extra ? labels.Append(extra) : labels)
            {
                if (!first) sb.Append(',');
                first = false;
                sb.Append(n).Append("=\"").Append(EscapeLabelValue(v)).Append('"');
            }
            sb.Append('}');
        }
        sb.Append(' ').Append(FormatValue(value)).Append('\n');
    }
}
