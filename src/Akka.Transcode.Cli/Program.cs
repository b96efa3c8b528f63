using System.Globalization;
using System.Text.Json;
using Akka.Transcode.Cli;

// akka-transcode: the operators' command line over any api node's HTTP API (README "Command line").
// Exit codes: 0 done, 1 the API refused (err_code on stderr), 2 bad usage, 3 a watched job failed or was cancelled.
var parsed = CliArgs.Parse(args);
// Help needs neither a token nor a node: `--help` (or `help`) anywhere, with or without a command before it.
if (parsed.Error is null && (parsed.Flag("help") || parsed.Words is ["help", ..]))
{
    Console.Out.Write(CliHelp.For(parsed.Words is ["help", ..] ? parsed.Words.Skip(1).ToList() : parsed.Words));
    return 0;
}
if (parsed.Error is { } usageError || CliCommand.Find(parsed.Words) is null)
{
    Console.Error.WriteLine(parsed.Error ?? (parsed.Words.Count == 0 ? "missing command"
        : $"unknown command: {string.Join(' ', parsed.Words)}"));
    Console.Error.Write(CliHelp.For(parsed.Words));
    return 2;
}
var url = parsed.Option("url") ?? Environment.GetEnvironmentVariable("TRANSCODE_URL") ?? "http://127.0.0.1:8080";
var token = parsed.Option("token") ?? Environment.GetEnvironmentVariable("TRANSCODE_TOKEN");
if (string.IsNullOrEmpty(token))
{
    Console.Error.WriteLine($"a token is needed: --token <token> or TRANSCODE_TOKEN ({CliCommand.Find(parsed.Words)!.Scope} scope)");
    return 2;
}
if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var baseUrl))
{
    Console.Error.WriteLine($"--url is not an absolute URL: {url}");
    return 2;
}
using var api = new ApiClient(baseUrl, token);
var commands = new Commands(api, parsed, Console.Out);
try
{
    return await commands.RunAsync();
}
catch (HttpRequestException e)
{
    Console.Error.WriteLine($"cannot reach {url}: {e.Message}");
    return 1;
}
catch (TaskCanceledException)
{
    Console.Error.WriteLine($"{url} did not answer in time");
    return 1;
}

namespace Akka.Transcode.Cli
{
    /// <summary>Words in order, and --name value / --flag options anywhere.</summary>
    public sealed record CliArgs(IReadOnlyList<string> Words, IReadOnlyDictionary<string, string?> Options, string? Error)
    {
        private static readonly HashSet<string> Flags = ["json", "wait", "overwrite", "detail", "help"];

        public string? Option(string name) => Options.TryGetValue(name, out var v) ? v : null;
        public bool Flag(string name) => Options.ContainsKey(name);

        public static CliArgs Parse(IReadOnlyList<string> args)
        {
            var words = new List<string>();
            var options = new Dictionary<string, string?>(StringComparer.Ordinal);
            for (var i = 0; i < args.Count; i++)
            {
                if (!args[i].StartsWith("--", StringComparison.Ordinal))
                {
                    words.Add(args[i]);
                    continue;
                }
                var name = args[i][2..];
                var eq = name.IndexOf('=');
                if (eq >= 0) options[name[..eq]] = name[(eq + 1)..];
                else if (Flags.Contains(name)) options[name] = null;
                else if (i + 1 < args.Count) options[name] = args[++i];
                else return new CliArgs(words, options, $"--{name} needs a value");
            }
            return new CliArgs(words, options, null);
        }
    }

    public sealed class Commands(ApiClient api, CliArgs args, TextWriter output)
    {
        private static readonly string[] StateNames = ["INIT", "READY", "INPROGRESS", "COMPLETED", "FAILED", "CANCELED"];
        private bool Json => args.Flag("json");
        private string Word(int i) => i < args.Words.Count ? args.Words[i] : "";

        /// <summary>Runs the command the words name (Program has checked that one does).</summary>
        public Task<int> RunAsync() => CliCommand.Find(args.Words)!.Run(this);

        internal Task<int> ClusterShow() => Show("admin/cluster/show", ClusterTable);
        internal Task<int> ClusterStatus() =>
            Show("admin/cluster/status", Pairs("self_address", "self_status", "leader", "members", "up", "unreachable"));
        internal Task<int> ClusterLeader() => Show("admin/cluster/leader", Pairs("leader"));
        internal async Task<int> ClusterLeaveOrDown() =>
            await Done(await api.PostAsync($"admin/cluster/{Word(1)}", new { type = 0, address = Word(2) }), $"{Word(1)}: {Word(2)}");
        internal Task<int> ClusterDownUnreachable() => Show("admin/cluster/down-unreachable", b =>
            $"downed: {string.Join(", ", b.GetProperty("downed").EnumerateArray().Select(a => a.GetString()))}", post: true);
        internal Task<int> ShardingRegions() => Show("admin/sharding/regions", b =>
            string.Join(Environment.NewLine, b.GetProperty("types").EnumerateArray().Select(t => t.GetString())));
        internal Task<int> ShardingRegionStats() => Show("admin/sharding/region-stats", RegionTable,
            query: new Dictionary<string, string> { ["type"] = Word(2) });
        internal Task<int> WorkersList() => Show("admin/workers", WorkerTable);
        internal Task<int> JobGet() => Show("master/get_job", b => JobText(b.GetProperty("job")),
            query: new Dictionary<string, string> { ["job_id"] = Word(2), ["detail"] = args.Flag("detail") ? "true" : "false" });
        internal Task<int> JobList() => Show("master/get_jobs", JobsTable, query: JobsQuery());
        internal async Task<int> JobCancel() =>
            await Done(await api.PostAsync("master/cancel_job", new { type = 0, job_id = Word(2) }), $"cancelled: {Word(2)}");
        internal Task<int> JobWatch() => Watch(Word(2));

        private async Task<int> Show(string path, Func<JsonElement, string> render, IReadOnlyDictionary<string, string>? query = null,
            bool post = false)
        {
            var answer = post ? await api.PostAsync(path, new { type = 0 }) : await api.GetAsync(path, query);
            if (!answer.Ok) return Refused(answer);
            output.WriteLine(Json ? answer.Body.ToString() : render(answer.Body).TrimEnd());
            return 0;
        }

        private Task<int> Done(ApiAnswer answer, string text)
        {
            if (!answer.Ok) return Task.FromResult(Refused(answer));
            output.WriteLine(Json ? answer.Body.ToString() : text);
            return Task.FromResult(0);
        }

        private static int Refused(ApiAnswer answer)
        {
            Console.Error.WriteLine($"error {answer.ErrCode}: {answer.ErrMsg}");
            return 1;
        }

        private static Func<JsonElement, string> Pairs(params string[] names) => b =>
            string.Join(Environment.NewLine, names.Select(n => $"{n}: {(b.TryGetProperty(n, out var v) ? v.ToString() : "")}"));

        private static string ClusterTable(JsonElement b) =>
            Table.Render(["ADDRESS", "ROLES", "STATUS", "REACHABILITY", "VERSION"],
                b.GetProperty("members").EnumerateArray().Select(m => (IReadOnlyList<string>)
                [
                    m.GetProperty("address").GetString()!, string.Join(',', m.GetProperty("roles").EnumerateArray().Select(r => r.GetString())),
                    m.GetProperty("status").GetString()!, m.GetProperty("reachability").GetString()!, m.GetProperty("app_version").GetString()!,
                ])) + $"{b.GetProperty("count").GetInt32()} member(s); leader {b.GetProperty("leader")}";

        private static string RegionTable(JsonElement b) =>
            Table.Render(["NODE", "SHARDS", "ENTITIES"], b.GetProperty("regions").EnumerateArray().Select(r => (IReadOnlyList<string>)
                [r.GetProperty("address").GetString()!, r.GetProperty("shards").ToString(), r.GetProperty("entities").ToString()]));

        private static string WorkerTable(JsonElement b) =>
            Table.Render(["WORKER", "NODE", "STATE", "SLOTS", "TASKS", "LAST HEARTBEAT"],
                b.GetProperty("workers").EnumerateArray().Select(w => (IReadOnlyList<string>)
                [
                    w.GetProperty("worker_id").GetString()!, w.GetProperty("node").GetString()!, w.GetProperty("state").GetString()!,
                    w.GetProperty("slots").ToString(), string.Join(',', w.GetProperty("tasks").EnumerateArray().Select(t => t.GetString())),
                    w.GetProperty("last_heartbeat").GetString()!,
                ])) + $"{b.GetProperty("count")} worker(s), {b.GetProperty("queue_length")} task(s) waiting";

        private Dictionary<string, string> JobsQuery()
        {
            var q = new Dictionary<string, string> { ["start_index"] = args.Option("start") ?? "0", ["limit"] = args.Option("limit") ?? "20" };
            if (args.Option("state") is { } s) q["state"] = s;
            if (args.Option("order") is { } o) q["order"] = o;
            return q;
        }

        private static string State(JsonElement job) =>
            job.GetProperty("state").GetInt32() is var s && s >= 0 && s < StateNames.Length ? StateNames[s] : "?";

        private static string JobsTable(JsonElement b) =>
            Table.Render(["ID", "STATE", "PROGRESS", "FORMAT", "SOURCE", "CREATED"],
                b.GetProperty("jobs").EnumerateArray().Select(j => (IReadOnlyList<string>)
                [
                    j.GetProperty("id").GetString()!, State(j), $"{j.GetProperty("progress").GetDouble():0.#} %",
                    j.TryGetProperty("dst_format", out var f) ? f.GetString()! : "", j.GetProperty("src_path").GetString()!,
                    j.GetProperty("created_at").GetString()!,
                ])) + $"{b.GetProperty("num_jobs")} of {b.GetProperty("total")} job(s)";

        private static string JobText(JsonElement j)
        {
            var lines = new List<string>
            {
                $"id: {j.GetProperty("id").GetString()}", $"state: {State(j)}", $"progress: {j.GetProperty("progress").GetDouble():0.#} %",
                $"source: {j.GetProperty("src_path").GetString()}", $"output: {(j.TryGetProperty("dst_path", out var d) ? d.GetString() : "")}",
            };
            if (j.TryGetProperty("err_msg", out var e)) lines.Add($"error: {j.GetProperty("err_code")} {e.GetString()}");
            var text = string.Join(Environment.NewLine, lines);
            if (j.TryGetProperty("task_list", out var tasks))
                text += Environment.NewLine + Table.Render(["TASK", "KIND", "STATE", "PROGRESS", "WORKER", "ATTEMPTS"],
                    tasks.EnumerateArray().Select(t => (IReadOnlyList<string>)
                    [
                        t.GetProperty("id").GetString()!, t.GetProperty("kind").GetString()!, t.GetProperty("state").ToString(),
                        $"{t.GetProperty("progress").GetDouble():0.#} %", t.TryGetProperty("worker_id", out var w) ? w.GetString()! : "-",
                        t.GetProperty("attempts").ToString(),
                    ]));
            return text;
        }

        internal async Task<int> AddJob()
        {
            var job = new Dictionary<string, object>();
            foreach (var (option, field) in new[]
                     {
                         ("src", "src_filename"), ("dst-dir", "dst_dir"), ("format", "dst_format"), ("segments", "segments"),
                         ("map", "map_filename"), ("job-id", "job_id"), ("video-codec", "video_codec"), ("audio-codec", "audio_codec"),
                         ("preset", "preset"), ("video-bitrate", "video_bitrate"), ("audio-bitrate", "audio_bitrate"),
                         ("callback-url", "callback_url"),
                     })
                if (args.Option(option) is { } v) job[field] = v;
            foreach (var (option, field) in new[] { ("priority", "priority"), ("crf", "crf"), ("width", "width"), ("height", "height") })
                if (args.Option(option) is { } v)
                {
                    if (!long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
                    {
                        Console.Error.WriteLine($"--{option} must be an integer");
                        return 2;
                    }
                    job[field] = n;
                }
            if (args.Flag("overwrite")) job["overwrite"] = true;
            if (args.Option("outputs") is not null && args.Option("outputs-file") is not null)
            {
                Console.Error.WriteLine("--outputs and --outputs-file are alternatives: give one");
                return 2;
            }
            if (args.Option("outputs") is { } name) job["outputs"] = name;
            if (args.Option("outputs-file") is { } file)
            {
                // Sent as read: the node checks every field and names the one that is wrong.
                try
                {
                    job["outputs"] = JsonDocument.Parse(await File.ReadAllTextAsync(file)).RootElement.Clone();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
                {
                    Console.Error.WriteLine($"--outputs-file {file}: {e.Message}");
                    return 2;
                }
            }
            var answer = await api.PostAsync("master/add_job", new { type = 0, job });
            if (!answer.Ok) return Refused(answer);
            var id = answer.Body.GetProperty("job_id").GetString()!;
            output.WriteLine(Json && !args.Flag("wait") ? answer.Body.ToString() : id);
            return args.Flag("wait") ? await Watch(id) : 0;
        }

        /// <summary>Follows a job until it ends: a bar that redraws in a terminal, one line per change otherwise.</summary>
        private async Task<int> Watch(string id)
        {
            var redraw = !Console.IsOutputRedirected && output == Console.Out;
            string? last = null;
            while (true)
            {
                var answer = await api.GetAsync("master/get_job", new Dictionary<string, string> { ["job_id"] = id });
                if (!answer.Ok) return Refused(answer);
                var job = answer.Body.GetProperty("job");
                var state = job.GetProperty("state").GetInt32();
                var line = ProgressLine(job);
                if (line != last)
                {
                    if (redraw) output.Write("\r" + line.PadRight(last?.Length ?? 0));
                    else output.WriteLine(line);
                    last = line;
                }
                if (state >= 3)
                {
                    if (redraw) output.WriteLine();
                    if (state == 3)
                    {
                        output.WriteLine($"completed: {job.GetProperty("dst_path").GetString()}");
                        return 0;
                    }
                    Console.Error.WriteLine(state == 4
                        ? $"failed: error {job.GetProperty("err_code")}: {job.GetProperty("err_msg").GetString()}"
                        : "cancelled");
                    return 3;
                }
                await Task.Delay(500);
            }
        }

        public static string ProgressLine(JsonElement job)
        {
            var progress = job.GetProperty("progress").GetDouble();
            var filled = (int)Math.Round(Math.Clamp(progress, 0, 100) / 100 * 30);
            var speed = job.TryGetProperty("speed", out var s) ? $"  {s.GetDouble():0.0#}x" : "";
            var eta = job.TryGetProperty("eta_seconds", out var e) ? $"  ETA {TimeSpan.FromSeconds(e.GetDouble()):hh\\:mm\\:ss}" : "";
            return $"[{new string('#', filled)}{new string('.', 30 - filled)}] {progress,5:0.0} %{speed}{eta}  {State(job)}";
        }
    }
}
