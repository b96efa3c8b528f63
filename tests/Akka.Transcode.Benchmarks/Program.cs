using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

// Control-plane load generator (issue 7, docs/performance.md). Each command drives one call of a running node from
// N concurrent clients over keep-alive connections, prints one table row and, with --json FILE, appends a JSON line.
//   add-jobs  --url U --token T --jobs N --clients C [--ids FILE] [--dirs D]   add_job, each job stored before its answer
//             (--warmup N, on any call: N untimed calls first; add-jobs stores those jobs too)
//   get-job   --url U --token T --ids FILE --requests N --clients C            get_job of random stored jobs
//   get-jobs  --url U --token T --requests N --clients C [--limit 10]          get_jobs newest first, random deep pages
//   wait      --url U --token T --total N [--timeout S]                        until N jobs are listed and none is unfinished
//   heap      --pid P                                                          MB of managed heap alive after a full GC
// --tag NAME labels the JSON line (the storage provider in ops/bench/control-plane.sh).
var cmd = args.Length > 0 ? args[0] : "";
double[] _lastLatencies = [];
int[] _lastCodes = [];
var opt = Options.Parse(args.Skip(1).ToArray());
if (cmd == "heap")
{
    // Beside RSS: what the node really keeps, as against what the GC holds committed for later allocations.
    var mb = await Akka.Transcode.EndToEnd.Tests.Soak.LiveHeap.MbAfterFullGcAsync(opt.Int("pid", 0), TimeSpan.FromSeconds(60));
    Console.WriteLine(mb.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture));
    return 0;
}
using var http = new HttpClient(new SocketsHttpHandler
{
    MaxConnectionsPerServer = Math.Max(1, opt.Int("clients", 32)),
    PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    UseProxy = false,
}) { BaseAddress = new Uri(opt.Str("url").TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(60) };
var token = Uri.EscapeDataString(opt.Str("token"));

try
{
    return cmd switch
    {
        "add-jobs" => await AddJobs(),
        "get-job" => await GetJob(),
        "get-jobs" => await GetJobs(),
        "wait" => await Wait(),
        _ => Usage(),
    };
}
catch (OptionException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

int Usage()
{
    Console.Error.WriteLine("usage: Akka.Transcode.Benchmarks add-jobs|get-job|get-jobs|wait --url URL --token TOKEN [...] (see Program.cs)");
    return 2;
}

async Task<int> AddJobs()
{
    var jobs = opt.Int("jobs", 10000);
    var dirs = opt.Int("dirs", 64);
    var src = opt.Str("src", "record.bin");
    var format = opt.Str("format", "ts");
    var ids = new string?[jobs + opt.Int("warmup", 0)];
    var result = await Drive("add_job", jobs, opt.Int("clients", 32), async i =>
    {
        // Spread over directories and let outputs be replaced: the instant worker writes every output.
        var body = $"{{\"type\":0,\"job\":{{\"src_filename\":\"{src}\",\"dst_dir\":\"bench/{i % dirs:D3}\",\"dst_format\":\"{format}\",\"overwrite\":true}}}}";
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var resp = await http.PostAsync($"master/add_job?token={token}", content);
        var json = JsonNode.Parse(await resp.Content.ReadAsStringAsync())!;
        var code = json["err_code"]!.GetValue<int>();
        if (code == 0) ids[i] = json["job_id"]!.GetValue<string>();
        return code;
    });
    if (opt.Has("ids")) await File.WriteAllLinesAsync(opt.Str("ids"), ids.Where(x => x is not null)!);
    return Report(result);
}

async Task<int> GetJob()
{
    var ids = await File.ReadAllLinesAsync(opt.Str("ids"));
    if (ids.Length == 0) throw new OptionException("--ids: the file holds no job ids");
    var result = await Drive("get_job", opt.Int("requests", 20000), opt.Int("clients", 8), async i =>
    {
        var id = ids[Random.Shared.Next(ids.Length)];
        using var resp = await http.GetAsync($"master/get_job?token={token}&job_id={id}");
        return JsonNode.Parse(await resp.Content.ReadAsStringAsync())!["err_code"]!.GetValue<int>();
    });
    return Report(result);
}

async Task<int> GetJobs()
{
    var limit = opt.Int("limit", 10);
    // The newest page is what a dashboard asks for; a tenth of the calls page deep, where OFFSET costs most.
    var total = await Total();
    var result = await Drive("get_jobs", opt.Int("requests", 20000), opt.Int("clients", 8), async i =>
    {
        var start = i % 10 == 9 && total > limit ? Random.Shared.NextInt64(total - limit) : 0;
        using var resp = await http.GetAsync($"master/get_jobs?token={token}&start_index={start}&limit={limit}&order=desc");
        return JsonNode.Parse(await resp.Content.ReadAsStringAsync())!["err_code"]!.GetValue<int>();
    });
    // The newest page (the target's call) and the deep tenth apart: an OFFSET walks the index, so their costs differ.
    var rc = Report(result with { Note = $"{total} jobs stored, limit {limit}, all calls" });
    rc |= Report(Part(result, "get_jobs_newest", i => i % 10 != 9) with { Note = "the newest page" });
    rc |= Report(Part(result, "get_jobs_deep", i => i % 10 == 9) with { Note = $"random start_index up to {total}" });
    return rc;
}

async Task<int> Wait()
{
    var want = opt.Long("total", 0);
    var limit = TimeSpan.FromSeconds(opt.Int("timeout", 600));
    var sw = Stopwatch.StartNew();
    while (sw.Elapsed < limit)
    {
        var (total, unfinished) = await Counts();
        if (total >= want && unfinished == 0)
        {
            Console.WriteLine($"{total} jobs listed, none unfinished, after {sw.Elapsed.TotalSeconds:0.0} s");
            return 0;
        }
        await Task.Delay(500);
    }
    var (t, u) = await Counts();
    Console.Error.WriteLine($"gave up after {limit.TotalSeconds} s: {t} jobs listed, {u} unfinished");
    return 1;
}

async Task<long> Total() => (await Counts()).Total;

async Task<(long Total, long Unfinished)> Counts()
{
    var all = JsonNode.Parse(await http.GetStringAsync($"master/get_jobs?token={token}&limit=1"))!;
    long unfinished = 0;
    foreach (var state in new[] { 0, 1, 2 })
    {
        var page = JsonNode.Parse(await http.GetStringAsync($"master/get_jobs?token={token}&limit=1&state={state}"))!;
        unfinished += page["total"]?.GetValue<long>() ?? 0;
    }
    return (all["total"]!.GetValue<long>(), unfinished);
}

// --warmup N: N calls first, untimed, with the same clients. This process is new for every measurement, and its own
// first calls run through code the runtime has not optimised yet; timed, they would show the client, not the node.
async Task<RunResult> Drive(string call, int count, int clients, Func<int, Task<int>> one)
{
    var warmup = opt.Int("warmup", 0);
    var warm = -1;
    await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
    {
        int i;
        while ((i = Interlocked.Increment(ref warm)) < warmup)
            try { await one(count + i); } catch (Exception) { /* only the timed calls count */ }
    })));
    var latencies = new double[count];
    var codes = new int[count];
    var next = -1;
    var sw = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < count)
        {
            var t = Stopwatch.GetTimestamp();
            try { codes[i] = await one(i); }
            catch (Exception) { codes[i] = int.MinValue; }
            latencies[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        }
    })));
    var seconds = sw.Elapsed.TotalSeconds;
    _lastLatencies = latencies.ToArray();
    _lastCodes = codes;
    return Summarize(call, clients, seconds, latencies, codes);
}

// The calls of the last Drive whose index passes `which`, summarized on their own (throughput: of the whole run).
RunResult Part(RunResult whole, string call, Func<int, bool> which)
{
    var idx = Enumerable.Range(0, _lastLatencies.Length).Where(which).ToArray();
    var part = Summarize(call, whole.Clients, whole.Seconds, idx.Select(i => _lastLatencies[i]).ToArray(), idx.Select(i => _lastCodes[i]).ToArray());
    return part with { PerSecond = whole.PerSecond };
}

RunResult Summarize(string call, int clients, double seconds, double[] latencies, int[] codes)
{
    var count = latencies.Length;
    Array.Sort(latencies);
    double P(double q) => latencies[Math.Min(count - 1, (int)Math.Ceiling(q * count) - 1)];
    var errors = codes.Where(c => c != 0).GroupBy(c => c).ToDictionary(g => g.Key == int.MinValue ? "transport" : g.Key.ToString(), g => g.Count());
    return new RunResult(opt.Str("tag", ""), call, count, clients, seconds, count / seconds, P(0.5), P(0.95), P(0.99), latencies[^1], errors, "");
}

int Report(RunResult r)
{
    var errs = r.Errors.Count == 0 ? "none" : string.Join(", ", r.Errors.Select(e => $"{e.Value}x{e.Key}"));
    Console.WriteLine($"{r.Call,-8} {r.Requests,7} req  {r.Clients,3} clients  {r.Seconds,7:0.0} s  {r.PerSecond,8:0} /s  " +
                      $"p50 {r.P50,7:0.0} ms  p95 {r.P95,7:0.0} ms  p99 {r.P99,7:0.0} ms  max {r.Max,7:0.0} ms  errors {errs}" +
                      (r.Note.Length > 0 ? $"  ({r.Note})" : ""));
    if (opt.Has("json"))
        File.AppendAllText(opt.Str("json"), JsonSerializer.Serialize(r, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }) + "\n");
    return r.Errors.Count == 0 ? 0 : 1;
}

record RunResult(string Provider, string Call, int Requests, int Clients, double Seconds, double PerSecond, double P50, double P95,
    double P99, double Max, Dictionary<string, int> Errors, string Note);

sealed class OptionException(string message) : Exception(message);

sealed class Options(Dictionary<string, string> values)
{
    public static Options Parse(string[] args)
    {
        var d = new Dictionary<string, string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--")) throw new OptionException($"unexpected argument '{args[i]}'");
            if (i + 1 >= args.Length) throw new OptionException($"{args[i]} needs a value");
            d[args[i][2..]] = args[++i];
        }
        return new Options(d);
    }

    public bool Has(string k) => values.ContainsKey(k);
    public string Str(string k, string? dflt = null) =>
        values.TryGetValue(k, out var v) ? v : dflt ?? throw new OptionException($"--{k} is required");
    public int Int(string k, int dflt) => values.TryGetValue(k, out var v) ? int.Parse(v) : dflt;
    public long Long(string k, long dflt) => values.TryGetValue(k, out var v) ? long.Parse(v) : dflt;
}
