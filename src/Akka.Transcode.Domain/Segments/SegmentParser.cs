using System.Globalization;

namespace Akka.Transcode.Domain.Segments;

/// <summary>
/// Parses the <c>segments</c> field of add_job: ranges <c>from-to</c> in seconds joined by <c>:</c>
/// (PROTOCOL.md). Only plain decimals are accepted: the text becomes ffmpeg arguments and a job fingerprint,
/// so forms that parse differently across tools (exponents, hex, NaN, signs) are refused rather than guessed.
/// </summary>
public static class SegmentParser
{
    public const int MaxRanges = 256;

    /// <summary>Ten million seconds (about 115 days); anything longer is a typo, not a recording.</summary>
    public const double MaxSeconds = 1e7;

    /// <summary>Null, empty or whitespace-only text means the whole source and gives an empty list.</summary>
    public static Result<IReadOnlyList<TimeRange>> Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return Result<IReadOnlyList<TimeRange>>.Ok([]);

        var trimmed = text.Trim();
        // Counted before splitting so a huge body cannot make us allocate a huge array.
        var count = trimmed.AsSpan().Count(':') + 1;
        if (count > MaxRanges)
            return Fail($"too many ranges: {count} (at most {MaxRanges})");

        var pieces = trimmed.Split(':');
        var ranges = new List<TimeRange>(pieces.Length);
        for (var i = 0; i < pieces.Length; i++)
        {
            var piece = pieces[i].Trim();
            if (piece.Length == 0)
                return Fail(EmptyPieceMessage(i, pieces.Length));
            var range = ParseRange(piece, i + 1);
            if (!range.IsOk)
                return range.Error!;
            ranges.Add(range.Value);
        }
        return Result<IReadOnlyList<TimeRange>>.Ok(ranges);
    }

    private static string EmptyPieceMessage(int index, int count) =>
        index == 0 ? "leading ':' (expected from-to before it)"
        : index == count - 1 ? "trailing ':' (expected from-to after it)"
        : $"range {index + 1} is empty ('::' with nothing between)";

    private static Result<TimeRange> ParseRange(string piece, int position)
    {
        var name = $"range {position} '{piece}'";
        var dash = piece.IndexOf('-');
        if (dash < 0)
            return Result<TimeRange>.Fail(ErrorCode.InvalidValue, $"{name}: missing '-' (expected from-to, e.g. 1.5-4)");
        if (dash == 0)
            return Result<TimeRange>.Fail(ErrorCode.InvalidValue, piece.IndexOf('-', 1) > 0
                ? $"{name}: from is negative (times start at 0)"
                : $"{name}: missing from (expected from-to)");

        var fromText = piece[..dash].Trim();
        var rest = piece[(dash + 1)..].Trim();
        if (rest.StartsWith('-'))
            return Result<TimeRange>.Fail(ErrorCode.InvalidValue, $"{name}: to is negative (times start at 0)");
        if (rest.Contains('-'))
            return Result<TimeRange>.Fail(ErrorCode.InvalidValue, $"{name}: more than one '-' (expected from-to)");
        if (rest.Length == 0)
            return Result<TimeRange>.Fail(ErrorCode.InvalidValue, $"{name}: missing to (expected from-to)");

        var from = ParseSeconds(fromText, name, "from");
        if (!from.IsOk) return from.Error!;
        var to = ParseSeconds(rest, name, "to");
        if (!to.IsOk) return to.Error!;

        if (from.Value == to.Value)
            return Result<TimeRange>.Fail(ErrorCode.InvalidValue, $"{name}: empty range (from equals to)");
        if (from.Value > to.Value)
            return Result<TimeRange>.Fail(ErrorCode.InvalidValue, $"{name}: reversed (from must be less than to)");
        return Result<TimeRange>.Ok(new TimeRange(from.Value, to.Value));
    }

    private static Result<double> ParseSeconds(string s, string name, string which)
    {
        if (!IsPlainDecimal(s))
            return Result<double>.Fail(ErrorCode.InvalidValue,
                $"{name}: {which} '{s}' is not a plain decimal number of seconds{Why(s)}");
        var value = double.Parse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        if (value > MaxSeconds)
            return Result<double>.Fail(ErrorCode.InvalidValue,
                $"{name}: {which} {s} is beyond {MaxSeconds.ToString(CultureInfo.InvariantCulture)} seconds");
        return Result<double>.Ok(value);
    }

    // ASCII digits only: char.IsDigit would let other scripts' digits through, which double.Parse then rejects.
    private static bool IsPlainDecimal(string s)
    {
        var dot = s.IndexOf('.');
        var intPart = dot < 0 ? s : s[..dot];
        var fracPart = dot < 0 ? "0" : s[(dot + 1)..];
        return intPart.Length > 0 && fracPart.Length > 0 && intPart.All(char.IsAsciiDigit) && fracPart.All(char.IsAsciiDigit);
    }

    private static string Why(string s) =>
        s.StartsWith('+') ? " (no '+' sign)"
        : s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? " (no hexadecimal)"
        : s.Contains("nan", StringComparison.OrdinalIgnoreCase) || s.Contains("inf", StringComparison.OrdinalIgnoreCase) ? " (must be finite)"
        : s.Any(char.IsAsciiDigit) && s.Contains('e', StringComparison.OrdinalIgnoreCase) ? " (no exponent form)"
        : " (expected digits with an optional .fraction, e.g. 2.25)";

    private static Result<IReadOnlyList<TimeRange>> Fail(string message) =>
        Result<IReadOnlyList<TimeRange>>.Fail(ErrorCode.InvalidValue, message);
}
