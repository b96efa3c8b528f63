using System.Text;

namespace Akka.Transcode.Domain.Tests.Media;

/// <summary>
/// Reads an ffconcat list the way ffmpeg's concat demuxer does: one directive per line (a line ends at \n or \r),
/// '#' starts a comment line, and each argument is a token as av_get_token reads it: leading blanks skipped, a
/// backslash takes the next character literally, text between single quotes is literal, an unquoted blank ends it.
/// Written from ffmpeg's documented quoting rules, not from the code under test.
/// </summary>
internal static class FfconcatReader
{
    private const string Blanks = " \t";

    public sealed record Entry(string File, string? Inpoint, string? Outpoint)
    {
        /// <summary>The entry's "option key value" lines: options ffmpeg opens that file with.</summary>
        public Dictionary<string, string> Options { get; } = new(StringComparer.Ordinal);
    }

    public static IReadOnlyList<Entry> Read(string list)
    {
        var lines = list.Split(['\n', '\r']);
        var entries = new List<Entry>();
        var sawHeader = false;
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n];
            var i = 0;
            SkipBlanks(line, ref i);
            if (i == line.Length || line[i] == '#') continue;
            var keyword = Token(line, ref i);
            switch (keyword)
            {
                case "ffconcat":
                    Assert.Equal("version", Token(line, ref i));
                    Assert.Equal("1.0", Token(line, ref i));
                    sawHeader = true;
                    break;
                case "file":
                    entries.Add(new Entry(Token(line, ref i), null, null));
                    break;
                case "inpoint":
                    entries[^1] = entries[^1] with { Inpoint = Token(line, ref i) };
                    break;
                case "outpoint":
                    entries[^1] = entries[^1] with { Outpoint = Token(line, ref i) };
                    break;
                case "option":
                    entries[^1].Options.Add(Token(line, ref i), Token(line, ref i));
                    break;
                default:
                    Assert.Fail($"line {n + 1}: unknown keyword '{keyword}' in:\n{list}");
                    break;
            }
            SkipBlanks(line, ref i);
            Assert.True(i == line.Length, $"line {n + 1}: garbage after the argument: '{line[i..]}'");
        }
        Assert.True(sawHeader, "no 'ffconcat version 1.0' header");
        return entries;
    }

    private static void SkipBlanks(string s, ref int i)
    {
        while (i < s.Length && Blanks.Contains(s[i])) i++;
    }

    /// <summary>av_get_token with blanks as terminators.</summary>
    private static string Token(string s, ref int i)
    {
        SkipBlanks(s, ref i);
        var sb = new StringBuilder();
        var end = 0; // text up to here was quoted or escaped and keeps its trailing blanks
        while (i < s.Length && !Blanks.Contains(s[i]))
        {
            var c = s[i++];
            if (c == '\\' && i < s.Length)
            {
                sb.Append(s[i++]);
                end = sb.Length;
            }
            else if (c == '\'')
            {
                while (i < s.Length && s[i] != '\'') sb.Append(s[i++]);
                if (i < s.Length)
                {
                    i++;
                    end = sb.Length;
                }
            }
            else
            {
                sb.Append(c);
            }
        }
        // Trailing blanks go, except those a quote or a backslash protected.
        while (sb.Length > end && " \n\t\r".Contains(sb[^1])) sb.Length--;
        return sb.ToString();
    }
}
