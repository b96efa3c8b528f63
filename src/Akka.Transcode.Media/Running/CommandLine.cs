using System.Text;

namespace Akka.Transcode.Media.Running;

/// <summary>
/// Turns an argv list into the one string that reaches ProcessStartInfo.Arguments.
/// FFMpegCore joins its argument texts with spaces and hands the result to .NET untouched. On Linux .NET splits
/// that string back into argv with the Windows (CommandLineToArgvW) rules, not a shell's: only space and tab
/// separate, double quotes group, and backslashes are literal except in a run that ends at a double quote.
/// Single quotes, '$', '`' and leading dashes mean nothing to it, since no shell is involved.
/// </summary>
public static class CommandLine
{
    public static string Quote(IReadOnlyList<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var text = new StringBuilder();
        foreach (var argument in arguments)
        {
            if (text.Length > 0) text.Append(' ');
            AppendQuoted(text, argument);
        }
        return text.ToString();
    }

    // Every element is quoted, plain or not: one rule is easier to trust than a list of characters that need it,
    // and an empty element only survives quoted.
    private static void AppendQuoted(StringBuilder text, string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (argument.Contains('\0'))
            throw new ArgumentException("An argv element cannot contain NUL: the kernel would cut it there.", nameof(argument));

        text.Append('"');
        var backslashes = 0;
        foreach (var c in argument)
        {
            if (c == '\\')
            {
                backslashes++;
                continue;
            }
            // A run of backslashes is literal unless a quote follows: then each must be doubled and the quote escaped.
            text.Append('\\', c == '"' ? backslashes * 2 + 1 : backslashes);
            text.Append(c);
            backslashes = 0;
        }
        // The closing quote follows the last run, so that run is doubled too.
        text.Append('\\', backslashes * 2);
        text.Append('"');
    }
}
