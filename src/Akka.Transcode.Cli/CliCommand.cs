using System.Text;

namespace Akka.Transcode.Cli;

/// <summary>
/// One command of the command line: its words, its arguments, the token scope it needs, what it does and its
/// options. The one table below is both what runs and what help prints, so the two cannot drift apart.
/// </summary>
public sealed record CliCommand(
    string Group, string Verb, string[] Arguments, string Scope, string Summary,
    (string Option, string Text)[] Options, Func<Commands, Task<int>> Run)
{
    public const string Admin = "admin";
    public const string Client = "client or admin";

    public string Name => $"{Group} {Verb}";
    public string Synopsis => string.Join(' ', [Name, .. Arguments]);

    public static readonly IReadOnlyList<CliCommand> All =
    [
        new("cluster", "show", [], Admin, "members (address, roles, status, reachability, app version), count and leader",
            [], c => c.ClusterShow()),
        new("cluster", "status", [], Admin, "this node's address and status, the leader, how many members are up and unreachable",
            [], c => c.ClusterStatus()),
        new("cluster", "leader", [], Admin, "the leader's address", [], c => c.ClusterLeader()),
        new("cluster", "leave", ["<address>"], Admin,
            "make a member leave gracefully: it hands its shards over and its process exits (address: akka.tcp://transcode@host:port)",
            [], c => c.ClusterLeaveOrDown()),
        new("cluster", "down", ["<address>"], Admin,
            "mark a member down: for one that is gone and will not come back by itself", [], c => c.ClusterLeaveOrDown()),
        new("cluster", "down-unreachable", [], Admin, "mark every unreachable member down", [], c => c.ClusterDownUnreachable()),
        new("cluster-sharding", "regions", [], Admin, "the shard types", [], c => c.ShardingRegions()),
        new("cluster-sharding", "region-stats", ["<type>"], Admin, "shards and entities per node; type: job or task",
            [], c => c.ShardingRegionStats()),
        new("workers", "list", [], Admin, "workers: node, state, slots, current tasks, last heartbeat; the queue length",
            [], c => c.WorkersList()),
        new("job", "add", [], Client, "submit a job and print its id",
            [
                ("--src FILE", "the source, absolute or relative to the first media root (required)"),
                ("--dst-dir DIR", "the output directory, absolute or relative to the first media root (required)"),
                ("--format FMT", "flv, mp4, mkv, mov, ts, webm, mp3, m4a or wav (required without --outputs)"),
                ("--segments RANGES", "time ranges to cut out and join, e.g. 1-5:2-10"),
                ("--map FILE", "a stitching map (README \"Stitching maps\")"),
                ("--priority N", "higher runs first"),
                ("--job-id ID", "a client-chosen, idempotent job id"),
                ("--overwrite", "replace an existing output"),
                ("--video-codec C", "auto, copy, h264, hevc, vp9, av1"),
                ("--audio-codec C", "auto, copy, aac, mp3, opus, none"),
                ("--video-bitrate B", "e.g. 2M"),
                ("--audio-bitrate B", "e.g. 128k"),
                ("--crf N", "constant quality"),
                ("--preset P", "the encoder's speed preset"),
                ("--width N", "output width"),
                ("--height N", "output height"),
                ("--outputs PRESET", "several outputs from a preset (abr-16x9 or the node's own) instead of --format and codecs"),
                ("--outputs-file FILE", "several outputs: a JSON file holding add_job's outputs array"),
                ("--callback-url URL", "POSTed the job when it ends"),
                ("--wait", "then follow it like `job watch` (exit 3 when it fails or is cancelled)"),
            ], c => c.AddJob()),
        new("job", "get", ["<id>"], Client, "one job", [("--detail", "with its tasks")], c => c.JobGet()),
        new("job", "list", [], Client, "a page of jobs, newest first",
            [
                ("--start N", "skip this many (default 0)"), ("--limit N", "at most this many (default 20)"),
                ("--state N", "only this state: 0 INIT .. 5 CANCELED"), ("--order asc|desc", "oldest or newest first"),
            ], c => c.JobList()),
        new("job", "cancel", ["<id>"], Client, "cancel a job", [], c => c.JobCancel()),
        new("job", "watch", ["<id>"], Client,
            "follow a job to its end: progress, speed, ETA (exit 3 when it fails or is cancelled)", [], c => c.JobWatch()),
    ];

    /// <summary>The command the words name with the right number of arguments, or null.</summary>
    public static CliCommand? Find(IReadOnlyList<string> words) =>
        words.Count < 2 ? null : All.FirstOrDefault(c => c.Group == words[0] && c.Verb == words[1] && words.Count == 2 + c.Arguments.Length);
}

/// <summary>The text `--help` prints: everything for no command, a group's commands, or one command in full.</summary>
public static class CliHelp
{
    private const string Usage = "usage: akka-transcode [--url URL] [--token TOKEN] [--json] <command> [arguments] [options]";

    private static readonly (string Option, string Text)[] Global =
    [
        ("--url URL", "an api node (default $TRANSCODE_URL, else http://127.0.0.1:8080)"),
        ("--token TOKEN", "the token to call it with (default $TRANSCODE_TOKEN)"),
        ("--json", "print the API's answer instead of a table"),
        ("--help", "this help; after a command, that command's"),
    ];

    public static string For(IReadOnlyList<string> words)
    {
        var exact = words.Count >= 2 ? CliCommand.All.FirstOrDefault(c => c.Group == words[0] && c.Verb == words[1]) : null;
        if (exact is not null) return OneCommand(exact);
        var group = words.Count >= 1 ? CliCommand.All.Where(c => c.Group == words[0]).ToList() : [];
        return Overview(group.Count > 0 ? group : CliCommand.All);
    }

    private static string Overview(IReadOnlyList<CliCommand> commands)
    {
        var text = new StringBuilder();
        text.AppendLine("akka-transcode: the transcoding cluster's command line, over any api node's HTTP API");
        text.AppendLine(Usage);
        text.AppendLine();
        var width = commands.Max(c => c.Synopsis.Length) + 2;
        text.AppendLine($"  {"command".PadRight(width)}{"token",-17}what it does");
        foreach (var c in commands) text.AppendLine($"  {c.Synopsis.PadRight(width)}{c.Scope,-17}{c.Summary}");
        text.AppendLine();
        text.AppendLine("`akka-transcode <command> --help` shows a command's options. Admin commands need an admin token; the");
        text.AppendLine("job commands take a client or an admin token.");
        Options(text, "options", Global);
        text.AppendLine();
        text.AppendLine("exit codes: 0 done, 1 the API refused (err_code on stderr) or could not be reached, 2 bad usage,");
        text.AppendLine("3 a watched job failed or was cancelled");
        return text.ToString();
    }

    private static string OneCommand(CliCommand c)
    {
        var text = new StringBuilder();
        text.AppendLine($"usage: akka-transcode [--url URL] [--token TOKEN] [--json] {c.Synopsis}{(c.Options.Length > 0 ? " [options]" : "")}");
        text.AppendLine();
        text.AppendLine($"{char.ToUpperInvariant(c.Summary[0])}{c.Summary[1..]}.");
        text.AppendLine($"Token: {c.Scope} scope.");
        if (c.Options.Length > 0) Options(text, "options", c.Options);
        Options(text, "global options", Global);
        return text.ToString();
    }

    private static void Options(StringBuilder text, string title, IReadOnlyList<(string Option, string Text)> options)
    {
        text.AppendLine();
        text.AppendLine($"{title}:");
        var width = options.Max(o => o.Option.Length) + 2;
        foreach (var (option, what) in options) text.AppendLine($"  {option.PadRight(width)}{what}");
    }
}
