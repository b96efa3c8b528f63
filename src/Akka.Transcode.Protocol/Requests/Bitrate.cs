using System.Globalization;
using Akka.Transcode.Domain;
using Akka.Transcode.Protocol.Reading;

namespace Akka.Transcode.Protocol.Requests;

/// <summary>
/// A bitrate in bits per second, sent as a JSON number or as text such as "2M", "800k" or "128000".
/// Suffixes are decimal (k = 1000) as in ffmpeg's -b:v; the value becomes a plain integer so no client text
/// reaches ffmpeg.
/// </summary>
public static class Bitrate
{
    public const long Min = 1_000;
    public const long Max = 1_000_000_000;

    /// <summary>Parses the text form; null when it is not one.</summary>
    public static long? Parse(string text)
    {
        if (text.Length == 0) return null;
        var multiplier = char.ToLowerInvariant(text[^1]) switch { 'k' => 1e3, 'm' => 1e6, 'g' => 1e9, _ => 1.0 };
        var digits = multiplier == 1.0 ? text : text[..^1];
        if (!IsPlainDecimal(digits)) return null;
        var value = double.Parse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture) * multiplier;
        return value > long.MaxValue / 2 ? null : (long)Math.Round(value);
    }

    internal static long? Read(FieldReader r, string field)
    {
        var raw = r.Raw(field);
        long? bps = raw.Kind switch
        {
            RawKind.Absent => null,
            RawKind.Number => FieldReader.WholeNumber(raw.Text!)
                ?? r.Fail<long?>(ErrorCode.InvalidValue, field, $"expected a whole number of bits per second, got {raw.Text}"),
            RawKind.String => Parse(raw.Text!)
                ?? r.Fail<long?>(ErrorCode.InvalidValue, field, $"'{raw.Text}' is not a bitrate (e.g. 128000, 800k, 2M)"),
            _ => r.WrongType<long?>(field, "a number or a string such as \"2M\"", raw),
        };
        if (bps is null || r.Error is not null) return null;
        return bps is < Min or > Max
            ? r.Fail<long?>(ErrorCode.InvalidValue, field, $"{bps} bits/s is out of range ({Min}..{Max})")
            : bps;
    }

    private static bool IsPlainDecimal(string s)
    {
        var dot = s.IndexOf('.');
        var intPart = dot < 0 ? s : s[..dot];
        var fracPart = dot < 0 ? "0" : s[(dot + 1)..];
        return intPart.Length > 0 && fracPart.Length > 0 && intPart.All(char.IsAsciiDigit) && fracPart.All(char.IsAsciiDigit);
    }
}
