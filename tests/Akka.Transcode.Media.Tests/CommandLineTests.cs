using System.Diagnostics;
using Akka.Transcode.Media.Running;

namespace Akka.Transcode.Media.Tests;

public sealed class CommandLineTests
{
    private static readonly string[] Hostile =
    [
        "plain",
        "",
        "with space",
        "  leading and trailing  ",
        "tab\there",
        "new\nline",
        "single 'quotes'",
        "double \"quotes\"",
        "\"",
        "back\\slash",
        "trailing backslash\\",
        "two trailing\\\\",
        "backslash before quote \\\" end",
        "\\\\\"\\",
        "$HOME $(id) `id` ; | & > <",
        "-leading dash",
        "--",
        "ünïcødé 日本語 🎬",
        "*?[a]{b,c}~",
    ];

    [Fact]
    public void Quotes_every_element_and_escapes_only_what_the_parser_reads()
    {
        Assert.Equal("\"a b\" \"c\\\\\" \"d\\\"e\" \"f\\g\" \"\"", CommandLine.Quote(["a b", "c\\", "d\"e", "f\\g", ""]));
    }

    [Fact]
    public void Nul_cannot_be_passed()
    {
        Assert.Throws<ArgumentException>(() => CommandLine.Quote(["a\0b"]));
    }

    // .NET's own splitter is the judge: a real process prints back the argv it received.
    [Fact]
    public void Hostile_elements_reach_a_real_process_intact()
    {
        var elements = Hostile;
        var info = new ProcessStartInfo("/bin/sh")
        {
            Arguments = CommandLine.Quote(["-c", "printf '%s\\0' \"$@\"", "sh", .. elements]),
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();

        Assert.Equal(0, process.ExitCode);
        Assert.Equal(elements, output.Split('\0')[..^1]);
    }
}
