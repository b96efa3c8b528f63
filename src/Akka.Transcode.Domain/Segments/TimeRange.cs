namespace Akka.Transcode.Domain.Segments;

/// <summary>One requested range of the source, in seconds from the source's start; <c>From &lt; To</c>.</summary>
public readonly record struct TimeRange(double From, double To)
{
    public double Duration => To - From;
    public override string ToString() => $"{Format(From)}-{Format(To)}";
    private static string Format(double v) => v.ToString("0.######", System.Globalization.CultureInfo.InvariantCulture);
}
