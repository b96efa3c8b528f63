using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.TranscodeClient;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>
/// Hostile and broken requests against every call of an api node, one row each: the exact err_code, the HTTP status,
/// and words in err_msg that name the problem. Every row ends by checking that the node is still healthy. Rows
/// marked <see cref="Hostile.FailsLater"/> may be accepted by add_job (the job probes the source): the job must
/// then end FAILED with that err_code and leave nothing in its dst_dir; if add_job refuses them at once, it must be
/// with that err_code and HTTP 400.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class HostileInputTests(SharedNodeFixture shared, ITestOutputHelper output)
{
    public sealed record Hostile(
        string Method, string Path, string Token, string? Body, int ErrCode, int Status, string[] Message,
        bool FailsLater = false, string? DstDir = null);

    private const string C = "client", W = "worker", A = "admin";

    private static string Job(string fields) => "{\"type\":0,\"job\":{" + fields + "}}";

    private static string Valid(string dstDir, string extra = "") =>
        Job($"\"src_filename\":\"short.bin\",\"dst_dir\":\"{dstDir}\",\"dst_format\":\"ts\"{extra}");

    private static string WithSource(string src, string dstDir) =>
        Job($"\"src_filename\":{JsonSerializer.Serialize(src)},\"dst_dir\":\"{dstDir}\",\"dst_format\":\"ts\"");

    private static Hostile Add(string body, int code, int status, params string[] words) =>
        new("POST", "master/add_job", C, body, code, status, words);

    private static Hostile Segments(string segments, params string[] words) =>
        Add(Valid("seg", $",\"segments\":{JsonSerializer.Serialize(segments)}"), -4, 400, ["segments", .. words]);

    private const string Md5 = "0123456789abcdef0123456789abcdef";

    private static Hostile Playlist(string src, string what) =>
        Add(WithSource(src, "playlists"), -9, 400, "src_filename", Path.GetFileName(src), what, "only media containers are accepted");

    public static readonly IReadOnlyDictionary<string, Hostile> Cases = new Dictionary<string, Hostile>
    {
        // ---- envelope and JSON shape -----------------------------------------------------------------------------
        ["invalid JSON"] = Add("""{"type":0,"job":""", -3, 400, "invalid JSON"),
        ["truncated body"] = Add("""{"type":0,"job":{"src_filename":"short.bin","dst_d""", -3, 400, "invalid JSON"),
        ["empty body"] = Add("", -3, 400, "invalid JSON"),
        ["not UTF-8"] = Add("{\"type\":0,\"job\":{\"src_filename\":\"\xff\xfe\"}}", -3, 400, "UTF-8"),
        ["body is an array"] = Add("[]", -2, 400, "body", "object"),
        ["body is a string"] = Add("\"add\"", -2, 400, "body", "object"),
        ["type 1"] = Add("""{"type":1,"job":{"src_filename":"short.bin","dst_dir":"t","dst_format":"ts"}}""", -2, 400, "type"),
        ["type as a string"] = Add("""{"type":"0","job":{}}""", -2, 400, "type", "integer"),
        ["job missing"] = Add("""{"type":0}""", -2, 400, "job", "missing"),
        ["job as a string"] = Add("""{"type":0,"job":"x"}""", -2, 400, "job", "object"),
        ["src_filename missing"] = Add(Job("\"dst_dir\":\"x\",\"dst_format\":\"ts\""), -2, 400, "src_filename", "missing"),
        ["src_filename a number"] = Add(Job("\"src_filename\":5,\"dst_dir\":\"x\",\"dst_format\":\"ts\""), -2, 400, "src_filename", "string"),
        ["dst_dir missing"] = Add(Job("\"src_filename\":\"short.bin\",\"dst_format\":\"ts\""), -2, 400, "dst_dir", "missing"),
        ["dst_format missing"] = Add(Job("\"src_filename\":\"short.bin\",\"dst_dir\":\"x\""), -2, 400, "dst_format", "missing"),
        ["priority a string"] = Add(Valid("p", ",\"priority\":\"high\""), -2, 400, "priority", "integer"),
        ["overwrite a string"] = Add(Valid("p", ",\"overwrite\":\"yes\""), -2, 400, "overwrite"),
        ["body over the limit"] = Add(Valid("huge", $",\"pad\":\"{new string('a', 1536 * 1024)}\""), -2, 413, "larger than"),
        ["huge body"] = Add(Valid("huge", $",\"pad\":\"{new string('a', 20 * 1024 * 1024)}\""), -2, 413, "larger than"),

        // ---- values ---------------------------------------------------------------------------------------------
        ["dst_format avi"] = Add(Job("\"src_filename\":\"short.bin\",\"dst_dir\":\"x\",\"dst_format\":\"avi\""), -4, 400, "dst_format", "avi"),
        ["dst_format empty"] = Add(Job("\"src_filename\":\"short.bin\",\"dst_dir\":\"x\",\"dst_format\":\"\""), -4, 400, "dst_format"),
        ["dst_format an ffmpeg muxer option"] = Add(Job("\"src_filename\":\"short.bin\",\"dst_dir\":\"x\",\"dst_format\":\"-f\""), -4, 400, "dst_format"),
        ["segments reversed"] = Segments("5-1", "5-1"),
        ["segments empty range"] = Segments("3-3", "3-3"),
        ["segments negative"] = Segments("-1-5"),
        ["segments non-numeric"] = Segments("a-b", "a"),
        ["segments trailing colon"] = Segments("1-5:", "trailing"),
        ["segments leading colon"] = Segments(":1-5", "leading"),
        ["segments double colon"] = Segments("1-5::2-3"),
        ["segments three numbers"] = Segments("1-5-7", "1-5-7"),
        ["segments NaN"] = Segments("NaN-5", "NaN"),
        ["segments exponent"] = Segments("1e999-5", "1e999"),
        ["segments thousands of ranges"] = Segments(string.Join(':', Enumerable.Range(0, 3000).Select(i => $"{i}-{i + 1}")), "too many"),
        ["segments a number"] = Add(Valid("seg", ",\"segments\":15"), -2, 400, "segments", "string"),
        ["width out of range"] = Add(Valid("w", ",\"width\":-5"), -4, 400, "width", "-5"),
        ["crf out of range"] = Add(Valid("w", ",\"crf\":99"), -4, 400, "crf", "99"),
        ["unknown video codec"] = Add(Valid("w", ",\"video_codec\":\"xvid\""), -4, 400, "video_codec", "xvid"),
        ["callback_url not http"] = Add(Valid("w", ",\"callback_url\":\"ftp://x/y\""), -4, 400, "callback_url"),
        // The shared node allows callbacks to 127.0.0.1 only (CallbackTests' receivers): every other inside address is refused.
        ["callback_url cloud metadata"] = Add(Valid("w", ",\"callback_url\":\"http://169.254.169.254/latest/meta-data/\""), -6, 403, "callback_url", "metadata", "CallbackAllowedNetworks"),
        ["callback_url IPv6 metadata"] = Add(Valid("w", ",\"callback_url\":\"http://[fd00:ec2::254]/\""), -6, 403, "callback_url", "metadata"),
        ["callback_url private network"] = Add(Valid("w", ",\"callback_url\":\"http://10.0.0.5:8080/hook\""), -6, 403, "callback_url", "private"),
        ["callback_url other loopback"] = Add(Valid("w", ",\"callback_url\":\"http://127.0.0.2:8080/hook\""), -6, 403, "callback_url", "loopback"),
        ["callback_url IPv6 loopback"] = Add(Valid("w", ",\"callback_url\":\"http://[::1]:8080/hook\""), -6, 403, "callback_url", "loopback"),
        ["callback_url IPv4-mapped loopback"] = Add(Valid("w", ",\"callback_url\":\"http://[::ffff:127.0.0.2]/\""), -6, 403, "callback_url", "loopback"),
        ["callback_url link-local"] = Add(Valid("w", ",\"callback_url\":\"http://[fe80::1]/\""), -6, 403, "callback_url", "link-local"),
        ["callback_url unspecified"] = Add(Valid("w", ",\"callback_url\":\"http://0.0.0.0:8080/\""), -6, 403, "callback_url", "unspecified"),
        ["callback_url CGNAT"] = Add(Valid("w", ",\"callback_url\":\"http://100.64.1.1/\""), -6, 403, "callback_url", "shared address space"),
        ["job_id with a path"] = Add(Valid("w", ",\"job_id\":\"../x\""), -4, 400, "job_id", "../x"),

        // ---- paths ----------------------------------------------------------------------------------------------
        ["src with .."] = Add(WithSource("../../../etc/passwd", "p1"), -6, 403, "src_filename", "outside the media roots"),
        ["src absolute elsewhere"] = Add(WithSource("/etc/passwd", "p2"), -6, 403, "src_filename", "outside the media roots"),
        ["src symlink pointing out"] = Add(WithSource("hostile/link-out.bin", "p3"), -6, 403, "src_filename", "outside the media roots"),
        ["src with a NUL byte"] = Add(WithSource("short\0.bin", "p4"), -4, 400, "src_filename", "NUL"),
        ["src an http URL"] = Add(WithSource("http://127.0.0.1:1/x.mp4", "p5"), -6, 403, "src_filename", "URL"),
        ["src concat protocol"] = Add(WithSource("concat:short.bin|short.bin", "p6"), -6, 403, "src_filename", "protocol"),
        ["src pipe protocol"] = Add(WithSource("pipe:0", "p7"), -6, 403, "src_filename", "protocol"),
        ["src file protocol"] = Add(WithSource("file:short.bin", "p8"), -6, 403, "src_filename", "protocol"),
        ["src looks like an option"] = Add(WithSource("-filter_complex", "p9"), -9, 400, "src_filename", "does not exist"),
        ["src a directory"] = Add(WithSource("hostile", "p10"), -9, 400, "src_filename", "directory"),
        ["src missing"] = Add(WithSource("no-such-file.bin", "p11"), -9, 400, "src_filename", "does not exist"),
        ["dst_dir with .."] = Add(Job("\"src_filename\":\"short.bin\",\"dst_dir\":\"../out\",\"dst_format\":\"ts\""), -6, 403, "dst_dir", "outside"),
        ["dst_dir absolute elsewhere"] = Add(Job("\"src_filename\":\"short.bin\",\"dst_dir\":\"/etc\",\"dst_format\":\"ts\""), -6, 403, "dst_dir", "outside"),
        ["dst_dir a symlink out"] = Add(Job("\"src_filename\":\"short.bin\",\"dst_dir\":\"hostile/dir-out\",\"dst_format\":\"ts\""), -6, 403, "dst_dir", "outside"),
        // A ".." after a directory that does not exist climbs back to real directories: links there are followed.
        ["src .. after a missing directory, then a link out"] = Add(WithSource("hostile/nope/../dir-out/secret.bin", "p12"), -6, 403, "src_filename", "outside the media roots"),
        ["dst_dir .. after a missing directory, then a link out"] = Add(Job("\"src_filename\":\"short.bin\",\"dst_dir\":\"hostile/nope/../dir-out/made\",\"dst_format\":\"ts\""), -6, 403, "dst_dir", "outside"),
        ["dst_dir is a file"] = Add(Job("\"src_filename\":\"short.bin\",\"dst_dir\":\"short.bin\",\"dst_format\":\"ts\""), -4, 400, "dst_dir", "not a directory"),
        ["dst_dir below a file"] = Add(Job("\"src_filename\":\"short.bin\",\"dst_dir\":\"short.bin/sub\",\"dst_format\":\"ts\""), -4, 400, "dst_dir"),
        ["map outside the roots"] = Add(Valid("m1", ",\"map_filename\":\"/etc/passwd\""), -6, 403, "map_filename", "outside"),
        ["map of an unknown kind"] = Add(Valid("m2", ",\"map_filename\":\"hostile/kind.json\""), -4, 400, "map_filename", "kind"),
        ["map value out of range"] = Add(Valid("m3", ",\"map_filename\":\"hostile/range.json\""), -4, 400, "map_filename", "ih_fov"),
        ["map not JSON"] = Add(Valid("m4", ",\"map_filename\":\"short.bin\""), -4, 400, "map_filename"),
        ["map missing"] = Add(Valid("m5", ",\"map_filename\":\"no-such-map.json\""), -9, 400, "map_filename"),

        // ---- sources that are not usable media: refused once the job has probed them ------------------------------
        ["source not media"] = Add(WithSource("notmedia.bin", "bad-notmedia"), -9, 400, "notmedia.bin") with { FailsLater = true, DstDir = "bad-notmedia" },
        ["source empty"] = Add(WithSource("empty.bin", "bad-empty"), -9, 400, "empty.bin") with { FailsLater = true, DstDir = "bad-empty" },
        ["source truncated"] = Add(WithSource("hostile/truncated.bin", "bad-truncated"), -9, 400, "truncated.bin") with { FailsLater = true, DstDir = "bad-truncated" },
        ["source corrupt"] = Add(WithSource("hostile/corrupt.bin", "bad-corrupt"), -9, 400, "corrupt.bin") with { FailsLater = true, DstDir = "bad-corrupt" },

        // ---- sources that name other files: ffmpeg would follow them out of the media roots -----------------------
        // Each names hostile/../outside's secret.ts (made by HostileMedia), which the old code transcoded into the output.
        ["source an HLS playlist naming an outside file"] = Playlist("hostile/playlist-abs.m3u8", "HLS playlist"),
        ["source an HLS playlist with file: entries"] = Playlist("hostile/playlist-file.bin", "HLS playlist"),
        ["source an HLS playlist with ../ entries"] = Playlist("hostile/playlist-rel.m3u8", "HLS playlist"),
        ["source an ffconcat list of outside files"] = Playlist("hostile/list-abs.ffconcat", "ffconcat list"),
        ["source an ffconcat list with ../ entries"] = Playlist("hostile/list-rel.txt", "ffconcat list"),
        ["source a DASH manifest"] = Playlist("hostile/manifest.mpd", "DASH manifest"),
        // A long ID3 tag hides the playlist from the look at its first bytes add_job takes: ffprobe's allow-list
        // refuses it when the job probes it, and names it from ffprobe's refusal.
        ["source a playlist behind a long ID3 tag"] = Add(WithSource("hostile/tagged.mp3", "bad-tagged"), -9, 400, "tagged.mp3", "HLS playlist")
            with { FailsLater = true, DstDir = "bad-tagged" },

        // ---- the other client calls ------------------------------------------------------------------------------
        ["get_job unknown id"] = new("POST", "master/get_job", C, """{"type":0,"job_id":"no-such-job"}""", -7, 404, ["no-such-job", "not found"]),
        ["get_job without an id"] = new("POST", "master/get_job", C, """{"type":0}""", -2, 400, ["job_id", "missing"]),
        ["get_job id a number"] = new("POST", "master/get_job", C, """{"type":0,"job_id":5}""", -2, 400, ["job_id", "string"]),
        ["get_job GET without an id"] = new("GET", "master/get_job", C, null, -2, 400, ["job_id"]),
        ["get_jobs limit 0"] = new("GET", "master/get_jobs?limit=0", C, null, -4, 400, ["limit", "0"]),
        ["get_jobs limit 1001"] = new("POST", "master/get_jobs", C, """{"type":0,"start_index":0,"limit":1001}""", -4, 400, ["limit", "1001"]),
        ["get_jobs negative start"] = new("GET", "master/get_jobs?start_index=-1", C, null, -4, 400, ["start_index", "-1"]),
        ["get_jobs start beyond int"] = new("GET", "master/get_jobs?start_index=99999999999", C, null, -4, 400, ["start_index"]),
        ["get_jobs unknown sortby"] = new("GET", "master/get_jobs?sortby=size", C, null, -4, 400, ["sortby", "size"]),
        ["get_jobs unknown order"] = new("GET", "master/get_jobs?order=up", C, null, -4, 400, ["order", "up"]),
        ["get_jobs unknown state"] = new("GET", "master/get_jobs?state=9", C, null, -4, 400, ["state", "9"]),
        ["get_jobs limit not a number"] = new("GET", "master/get_jobs?limit=ten", C, null, -2, 400, ["limit", "ten"]),
        ["cancel_job unknown id"] = new("POST", "master/cancel_job", C, """{"type":0,"job_id":"no-such-job"}""", -7, 404, ["no-such-job", "not found"]),
        ["cancel_job without an id"] = new("POST", "master/cancel_job", C, """{"type":0}""", -2, 400, ["job_id"]),
        ["GET on add_job"] = new("GET", "master/add_job", C, null, -2, 405, ["GET", "add_job"]),
        ["unknown call"] = new("POST", "master/drop_all_jobs", C, "{}", -7, 404, ["drop_all_jobs"]),

        // ---- tokens ---------------------------------------------------------------------------------------------
        ["no token"] = new("POST", "master/add_job", "", Valid("t"), -5, 401, ["token missing"]),
        ["unknown token"] = new("POST", "master/add_job", "not-a-token", Valid("t"), -5, 401, ["token"]),
        ["worker token on add_job"] = new("POST", "master/add_job", W, Valid("t"), -6, 403, ["worker token", "client"]),
        ["client token on admin"] = new("GET", "admin/cluster/show", C, null, -6, 403, ["client token", "admin"]),
        ["worker token on admin"] = new("POST", "admin/cluster/leave", W, """{"address":"x"}""", -6, 403, ["worker token", "admin"]),
        ["client token on register_worker"] = new("POST", "master/register_worker", C, """{"type":0,"ip":"127.0.0.1","port":7000,"state":0}""", -6, 403, ["client token", "worker"]),
        ["admin token on register_worker"] = new("POST", "master/register_worker", A, """{"type":0,"ip":"127.0.0.1","port":7000,"state":0}""", -6, 403, ["an admin token", "worker"]),
        ["no token on files"] = new("GET", $"master/files/{Md5}", "", null, -5, 401, ["token missing"]),

        // ---- the worker protocol on the master -------------------------------------------------------------------
        ["register invalid JSON"] = new("POST", "master/register_worker", W, """{"type":0,""", -3, 400, ["invalid JSON"]),
        ["register without port"] = new("POST", "master/register_worker", W, """{"type":0,"ip":"127.0.0.1","state":0}""", -2, 400, ["port", "missing"]),
        ["register port out of range"] = new("POST", "master/register_worker", W, """{"type":0,"ip":"127.0.0.1","port":70000,"state":0}""", -4, 400, ["port", "70000"]),
        ["register bad ip"] = new("POST", "master/register_worker", W, """{"type":0,"ip":"not an ip","port":7000,"state":0}""", -4, 400, ["ip"]),
        ["register zero slots"] = new("POST", "master/register_worker", W, """{"type":0,"ip":"127.0.0.1","port":7000,"state":0,"slots":0}""", -4, 400, ["slots", "0"]),
        ["heartbeat without worker_id"] = new("POST", "master/worker_heartbeat", W, """{"type":0,"state":0}""", -2, 400, ["worker_id", "missing"]),
        ["heartbeat unknown worker"] = new("POST", "master/worker_heartbeat", W, """{"type":0,"worker_id":"no-such-worker","worker_state":0}""", -7, 404, ["no-such-worker"]),
        ["file id not an MD5"] = new("GET", "master/files/..%2F..%2Fetc%2Fpasswd", W, null, -4, 400, ["file_id", "MD5"]),
        ["file not served"] = new("GET", $"master/files/{Md5}", W, null, -7, 404, [Md5]),
        ["upload without task_id"] = new("PUT", $"master/files/{Md5}", W, "abc", -2, 400, ["task_id"]),
        ["upload for an unknown task"] = new("PUT", $"master/files/{Md5}?task_id=no-such-task", W, "abc", -7, 404, ["no-such-task"]),

        // ---- admin ----------------------------------------------------------------------------------------------
        ["leave invalid JSON"] = new("POST", "admin/cluster/leave", A, """{"addr""", -3, 400, ["invalid JSON"]),
        ["leave without address"] = new("POST", "admin/cluster/leave", A, "{}", -2, 400, ["address", "missing"]),
        ["leave address a number"] = new("POST", "admin/cluster/leave", A, """{"address":5}""", -2, 400, ["address", "string"]),
        ["leave not an address"] = new("POST", "admin/cluster/leave", A, """{"address":"nonsense"}""", -4, 400, ["address", "nonsense"]),
        ["down a stranger"] = new("POST", "admin/cluster/down", A, """{"address":"akka.tcp://transcode@127.0.0.1:1"}""", -7, 404, ["not a member"]),
        ["region-stats unknown type"] = new("GET", "admin/sharding/region-stats?type=foo", A, null, -4, 400, ["type", "foo"]),
        ["GET on leave"] = new("GET", "admin/cluster/leave", A, null, -2, 405, ["GET"]),
    };

    public static IEnumerable<object[]> Names() => Cases.Keys.Select(k => new object[] { k });

    private NodeProcess Node => shared.Node;

    [Fact]
    public void The_suite_has_at_least_fifty_rows_over_every_kind_of_call()
    {
        Assert.True(Cases.Count >= 50, $"{Cases.Count} rows");
        foreach (var prefix in new[] { "master/add_job", "master/get_job", "master/get_jobs", "master/cancel_job", "master/register_worker",
                     "master/worker_heartbeat", "master/files/", "admin/" })
            Assert.Contains(Cases.Values, c => c.Path.StartsWith(prefix));
    }

    [Fact]
    public async Task A_client_chosen_job_id_is_idempotent_for_the_same_body_and_a_conflict_for_another()
    {
        var id = "hostile-idem-" + Guid.NewGuid().ToString("N")[..8];
        var body = new { job_id = id, src_filename = E2E.Short, dst_dir = "idem", dst_format = "ts", video_codec = "copy", audio_codec = "copy" };
        Assert.Equal(id, await Node.Client.AddJobOkAsync(body));
        Assert.Equal(id, await Node.Client.AddJobOkAsync(body)); // a retry after a lost answer

        var (status, refused) = await Node.Client.AddJobAsync(body with { dst_format = "mkv" });
        ErrorAssert.Is(-8, status, refused, "the same job_id with another body");
        Assert.Contains(id, refused.GetProperty("err_msg").GetString());
        await Node.Client.WaitForJobCompletedAsync(id, TimeSpan.FromSeconds(60));
        Assert.Equal(["short.ts"], E2E.Entries(Path.Combine(Node.MediaRoot, "idem"))); // run once, one output
    }

    [Fact]
    public async Task Tokens_never_reach_the_node_log_even_in_failing_calls()
    {
        const string wrong = "wrong-token-4711";
        var mark = Node.LogMark();
        foreach (var token in new[] { NodeProcess.ClientToken, NodeProcess.WorkerToken, NodeProcess.AdminToken, wrong })
        {
            // In the query string and as a bearer token, on calls that succeed, fail on the token, or fail later.
            await Node.Client.GetAsync("master/get_jobs", new Dictionary<string, string> { ["limit"] = "0" }, token);
            await Node.Client.GetAsync("master/get_job", new Dictionary<string, string> { ["job_id"] = "no-such-job" }, token);
            await Node.Client.PostRawAsync("master/add_job", "{\"type\":0,", token, TranscodeClient.TokenIn.Bearer);
            await Node.Client.GetAsync("admin/workers", new Dictionary<string, string>(), token);
            await Node.Client.PostRawAsync("master/worker_heartbeat", "{\"type\":0,\"worker_id\":\"w-0\",\"worker_state\":0}", token);
        }
        var id = await Node.Client.AddJobOkAsync(new { src_filename = E2E.NotMedia, dst_dir = "token-log", dst_format = "ts" });
        await Node.Client.WaitForJobEndAsync(id, TimeSpan.FromSeconds(30));

        var log = Node.LogSince(mark, maxLines: int.MaxValue);
        Assert.Contains(id, log); // the log does record what happened
        foreach (var token in new[] { NodeProcess.ClientToken, NodeProcess.WorkerToken, NodeProcess.AdminToken, wrong })
            Assert.DoesNotContain(token, log);
    }

    [Fact]
    public async Task No_url_a_playlist_or_list_source_names_is_contacted()
    {
        await HostileMedia.EnsureAsync(Node.MediaRoot);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/secret.ts";
        var dir = Path.Combine(Node.MediaRoot, "hostile");
        await File.WriteAllTextAsync(Path.Combine(dir, "remote.m3u8"), HostileMedia.Playlist(url));
        await File.WriteAllTextAsync(Path.Combine(dir, "remote.ffconcat"), $"ffconcat version 1.0\nfile '{url}'\n");
        await File.WriteAllBytesAsync(Path.Combine(dir, "remote-tagged.mp3"), HostileMedia.BehindId3(HostileMedia.Playlist(url)));

        foreach (var (src, what) in new[] { ("hostile/remote.m3u8", "HLS playlist"), ("hostile/remote.ffconcat", "ffconcat list") })
        {
            var (status, body) = await Node.Client.AddJobAsync(new { src_filename = src, dst_dir = "remote", dst_format = "ts" });
            ErrorAssert.Is(-9, status, body, what);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains(what, body.GetProperty("err_msg").GetString());
        }
        // Past add_job's look at the first bytes: the job's probe refuses it, so nothing ever reads it as a playlist.
        var id = await Node.Client.AddJobOkAsync(new { src_filename = "hostile/remote-tagged.mp3", dst_dir = "remote", dst_format = "ts" });
        var job = await Node.Client.WaitForJobEndAsync(id, TimeSpan.FromSeconds(60));
        Assert.Equal(JobFailed, State(job));
        Assert.Equal(-9, job.GetProperty("err_code").GetInt32());
        Assert.Contains("HLS playlist", job.GetProperty("err_msg").GetString());

        // Every ffprobe has ended: a connection it made would be waiting in the listener's backlog now.
        Assert.False(listener.Pending(), "a playlist's URL was contacted");
        Assert.Empty(E2E.Entries(Path.Combine(Node.MediaRoot, "remote")));
    }

    [Fact]
    public async Task A_dst_dir_climbing_out_of_a_missing_directory_creates_nothing_where_a_link_leads()
    {
        await HostileMedia.EnsureAsync(Node.MediaRoot);
        var outside = new FileInfo(Path.Combine(Node.MediaRoot, "hostile", "dir-out")).LinkTarget!;
        var made = $"made-{Guid.NewGuid():N}";

        var (status, body) = await Node.Client.AddJobAsync(new { src_filename = E2E.Short, dst_dir = $"hostile/nope/../dir-out/{made}", dst_format = "ts" });

        ErrorAssert.Is(-6, status, body, "add_job");
        Assert.False(Path.Exists(Path.Combine(outside, made)), "add_job created dst_dir through the link");
        Assert.False(Path.Exists(Path.Combine(Node.MediaRoot, "hostile", "nope")));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task A_hostile_request_gets_its_exact_error_and_the_node_stays_healthy(string name)
    {
        var c = Cases[name];
        await HostileMedia.EnsureAsync(Node.MediaRoot);
        await E2E.WithNodeLog(Node, output, async () =>
        {
            var (status, body) = await SendAsync(c);
            output.WriteLine($"{c.Method} /{c.Path} ({c.Token} token) -> HTTP {(int)status} {Truncate(body.ToString())}");
            if (c.FailsLater && ErrCode(body) == 0)
            {
                AssertOk(status, body, name);
                var job = await Node.Client.WaitForJobEndAsync(body.GetProperty("job_id").GetString()!, TimeSpan.FromSeconds(60));
                output.WriteLine($"job ended: {job}");
                Assert.Equal(JobFailed, State(job));
                Assert.Equal(c.ErrCode, job.GetProperty("err_code").GetInt32());
                AssertNames(c, job.GetProperty("err_msg").GetString()!);
                Assert.Empty(E2E.Entries(Path.Combine(Node.MediaRoot, c.DstDir!)));
            }
            else
            {
                Assert.Equal(c.ErrCode, ErrCode(body));
                Assert.Equal(c.Status, (int)status);
                if (body.TryGetProperty("error_code", out var workerCode)) Assert.Equal(c.ErrCode, workerCode.GetInt32());
                AssertNames(c, body.GetProperty("err_msg").GetString()!);
            }
            await AssertHealthyAsync();
        });
    }

    private static void AssertNames(Hostile c, string message)
    {
        foreach (var word in c.Message)
            Assert.True(message.Contains(word, StringComparison.OrdinalIgnoreCase), $"err_msg does not name '{word}': {message}");
        Assert.DoesNotContain("   at ", message); // never a stack trace
        Assert.DoesNotContain("System.", message); // nor .NET type names
    }

    private async Task AssertHealthyAsync()
    {
        using var http = new HttpClient { BaseAddress = Node.BaseUrl, Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("readyz")).StatusCode);
        var (status, body) = await Node.Client.GetJobsAsync(new { type = 0, start_index = 0, limit = 1 });
        AssertOk(status, body, "get_jobs after the hostile request");
    }

    private async Task<(HttpStatusCode, JsonElement)> SendAsync(Hostile c)
    {
        using var http = new HttpClient { BaseAddress = Node.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        using var req = new HttpRequestMessage(new HttpMethod(c.Method), c.Path);
        var token = c.Token switch
        {
            C => NodeProcess.ClientToken, W => NodeProcess.WorkerToken, A => NodeProcess.AdminToken, var other => other,
        };
        if (token.Length > 0) req.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        if (c.Body is not null)
            req.Content = new ByteArrayContent(c.Body.Contains('\xff') ? Latin1(c.Body) : Encoding.UTF8.GetBytes(c.Body))
            {
                Headers = { ContentType = new("application/json") },
            };
        // As curl does for large bodies: a server that refuses the body from its Content-Length answers before the
        // client sends it. Without this, HttpClient keeps writing after the 413 and fails with a broken pipe.
        req.Headers.ExpectContinue = c.Body?.Length > 1024 * 1024;
        using var resp = await http.SendAsync(req);
        var text = await resp.Content.ReadAsStringAsync();
        try
        {
            using var doc = JsonDocument.Parse(text);
            return (resp.StatusCode, doc.RootElement.Clone());
        }
        catch (JsonException)
        {
            throw new Xunit.Sdk.XunitException($"HTTP {(int)resp.StatusCode} with a body that is not the JSON envelope:\n{Truncate(text)}");
        }
    }

    // Bytes that are not valid UTF-8, sent as they are.
    private static byte[] Latin1(string s) => s.Select(ch => (byte)ch).ToArray();

    private static string Truncate(string s) => s.Length <= 400 ? s : s[..400] + "…";
}

/// <summary>The broken files and links the hostile rows name, made once in the shared node's media root.</summary>
internal static class HostileMedia
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _doneFor;

    public static async Task EnsureAsync(string mediaRoot)
    {
        await Gate.WaitAsync();
        try
        {
            if (_doneFor == mediaRoot) return;
            var dir = Directory.CreateDirectory(Path.Combine(mediaRoot, "hostile")).FullName;
            var outside = Directory.CreateTempSubdirectory("akka-transcode-outside-").FullName;
            var secret = Path.Combine(outside, "secret.bin");
            File.Copy(Path.Combine(mediaRoot, E2E.Short), secret, overwrite: true);
            Relink(Path.Combine(dir, "link-out.bin"), secret);
            Relink(Path.Combine(dir, "dir-out"), outside);

            // Playlists and lists inside the root that name a recording outside it (with an extension ffmpeg's HLS
            // reader takes): absolute, as file:, and relative to the playlist.
            var secretTs = Path.Combine(outside, "secret.ts");
            File.Copy(Path.Combine(mediaRoot, E2E.Short), secretTs, overwrite: true);
            var relative = Path.GetRelativePath(dir, secretTs);
            Assert.StartsWith("../", relative);
            await File.WriteAllTextAsync(Path.Combine(dir, "playlist-abs.m3u8"), Playlist(secretTs));
            await File.WriteAllTextAsync(Path.Combine(dir, "playlist-file.bin"), Playlist("file:" + secretTs));
            await File.WriteAllTextAsync(Path.Combine(dir, "playlist-rel.m3u8"), Playlist(relative));
            await File.WriteAllTextAsync(Path.Combine(dir, "list-abs.ffconcat"), $"ffconcat version 1.0\nfile '{secretTs}'\n");
            await File.WriteAllTextAsync(Path.Combine(dir, "list-rel.txt"), $"ffconcat version 1.0\nfile '{relative}'\n");
            await File.WriteAllTextAsync(Path.Combine(dir, "manifest.mpd"), $"""
                <?xml version="1.0"?>
                <MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011" type="static"
                     mediaPresentationDuration="PT10S"><BaseURL>file:{outside}/</BaseURL></MPD>
                """);
            await File.WriteAllBytesAsync(Path.Combine(dir, "tagged.mp3"), BehindId3(Playlist(secretTs)));

            // The first 3000 bytes of a TS recording: ffprobe still names the streams, but there is nothing to decode.
            var source = await File.ReadAllBytesAsync(Path.Combine(mediaRoot, E2E.Short));
            await File.WriteAllBytesAsync(Path.Combine(dir, "truncated.bin"), source[..3000]);
            // An MP4 whose index (moov) is overwritten: the container cannot be read at all.
            var mp4 = Path.Combine(dir, "intact.mp4");
            await Proc.RunCheckedAsync("ffmpeg", ["-nostdin", "-v", "error", "-y", "-i", Path.Combine(mediaRoot, E2E.Short), "-t", "2", "-c", "copy", "-movflags", "+faststart", mp4]);
            var bytes = await File.ReadAllBytesAsync(mp4);
            var moov = IndexOf(bytes, "moov"u8);
            Assert.True(moov > 0, "the test MP4 has no moov box");
            Random.Shared.NextBytes(bytes.AsSpan(moov + 4, Math.Min(4096, bytes.Length - moov - 4)));
            await File.WriteAllBytesAsync(Path.Combine(dir, "corrupt.bin"), bytes);
            File.Delete(mp4);

            await File.WriteAllTextAsync(Path.Combine(dir, "kind.json"), """{"kind":"warp","strength":3}""");
            await File.WriteAllTextAsync(Path.Combine(dir, "range.json"),
                """{"kind":"v360","input":"dfisheye","output":"equirect","ih_fov":720,"iv_fov":190,"w":640,"h":320}""");
            _doneFor = mediaRoot;
        }
        finally
        {
            Gate.Release();
        }
    }

    public static string Playlist(string entry) =>
        $"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\n{entry}\n#EXT-X-ENDLIST\n";

    /// <summary><paramref name="text"/> behind an 8 KiB ID3v2 tag, which ffmpeg skips before it guesses the format.</summary>
    public static byte[] BehindId3(string text)
    {
        byte[] header = [(byte)'I', (byte)'D', (byte)'3', 4, 0, 0, 0, 0, 0x40, 0]; // 0x40 << 7 = 8192 bytes of tag
        return [.. header, .. new byte[8192], .. Encoding.ASCII.GetBytes(text)];
    }

    private static void Relink(string link, string target)
    {
        if (File.Exists(link) || Directory.Exists(link)) File.Delete(link);
        File.CreateSymbolicLink(link, target);
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);
}
