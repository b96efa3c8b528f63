using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.TranscodeClient;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>
/// The dashboard's outputs view and player in Debian's headless Chromium: an output group's outputs, its thumbnails,
/// and an HLS ladder playing in the page with the player library the node serves, switching rendition by the picker.
/// And GET /jobs/{job_id}/outputs/{path}, which the page reads those files from.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class PlayerTests(SharedNodeFixture shared, ChromiumFixture chromium, ITestOutputHelper output)
    : IClassFixture<ChromiumFixture>
{
    private static readonly TimeSpan PlayTimeout = TimeSpan.FromSeconds(60);
    private const string Video = "document.getElementById('player-video')";

    private static async Task SignInAsync(IPage page, string token)
    {
        await page.Locator("#token").FillAsync(token);
        await page.Locator("#login-button").ClickAsync();
        await Expect(page.Locator("#app")).ToBeVisibleAsync();
    }

    private static Task WaitForAsync(IPage page, string condition, object? arg = null) =>
        page.WaitForFunctionAsync(condition, arg, new() { Timeout = (float)PlayTimeout.TotalMilliseconds, PollingInterval = 100 });

    private static Task<double> TimeAsync(IPage page) => page.EvaluateAsync<double>($"() => {Video}.currentTime");

    /// <summary>
    /// Presses Play on <paramref name="outputName"/>, waits for playback past 5 s, picks a rendition of another height
    /// than the one playing and waits until the video has that height while time keeps advancing. Returns the heights
    /// the picker offered.
    /// </summary>
    private async Task<int[]> PlayAndSwitchAsync(IPage page, string outputName)
    {
        await page.Locator($"#outputs-body tr[data-output='{outputName}'] button").ClickAsync();
        await Expect(page.Locator("#player")).ToBeVisibleAsync();
        await WaitForAsync(page, $"() => {Video}.currentTime > 5");
        var playing = await page.EvaluateAsync<int>($"() => {Video}.videoHeight");
        output.WriteLine($"playing past 5 s at {playing}p");

        // The picker: Auto, then one entry per rendition ("720p · 3000 kb/s").
        var options = await page.Locator("#player-level option").AllTextContentsAsync();
        Assert.Equal("Auto", options[0]);
        var heights = options.Skip(1).Select(o => int.Parse(o[..o.IndexOf('p')], CultureInfo.InvariantCulture)).ToArray();
        var pick = Array.FindIndex(heights, h => h != playing);
        Assert.True(pick >= 0, $"no rendition other than {playing}p to pick among {string.Join(", ", options)}");
        var before = await TimeAsync(page);
        await page.Locator("#player-level").SelectOptionAsync(pick.ToString(CultureInfo.InvariantCulture));

        await WaitForAsync(page, $"h => {Video}.videoHeight === h", heights[pick]);
        await Expect(page.Locator("#player-status")).ToHaveAttributeAsync("data-height", heights[pick].ToString(CultureInfo.InvariantCulture));
        // Still playing after the switch: time moves on past where it was when the rendition was picked.
        await WaitForAsync(page, $"t => {Video}.currentTime > t + 2 && !{Video}.paused", before);
        output.WriteLine($"switched to {heights[pick]}p; playing at {await TimeAsync(page):0.0} s");
        return heights;
    }

    // ---- the page against a ladder made by plain ffmpeg ---------------------------------------------------------------

    [Fact]
    public async Task The_job_view_lists_outputs_shows_thumbnails_and_plays_an_HLS_ladder_made_by_ffmpeg()
    {
        // The node serves the page and the player library; the job and its files are what a completed output-group
        // job answers (a fixture: the calls are answered by the browser's routing from a folder ffmpeg made).
        var node = shared.Node;
        var dir = Directory.CreateTempSubdirectory("akka-transcode-player-").FullName;
        try
        {
            await MakeFixtureAsync(dir);
            const string jobId = "fixture-ladder";
            const string dst = "/srv/media/out/fixture";
            var job = new
            {
                id = jobId, state = JobCompleted, result = 0, src_path = "/srv/media/fixture.bin", dst_path = dst,
                progress = 100, dst_format = "", created_at = DateTimeOffset.UtcNow, updated_at = DateTimeOffset.UtcNow,
                tasks = new { count = 0, done = 0 }, priority = 0,
                outputs = new object[]
                {
                    new { name = "abr", type = "cmaf", state = JobCompleted, progress = 100, path = $"{dst}/abr/master.m3u8" },
                    new { name = "thumbs", type = "thumbnails", state = JobCompleted, progress = 100, path = $"{dst}/thumbs" },
                    new { name = "stills", type = "thumbnails", state = JobCompleted, progress = 100, path = $"{dst}/stills" },
                },
            };
            await using var browser = await chromium.NewPageAsync(output);
            var page = browser.Page;
            var unauthorized = new ConcurrentQueue<string>();
            await page.RouteAsync("**/master/get_jobs", r => r.FulfillAsync(Json(new { type = 1, err_code = 0, err_msg = "ok", start_index = 0, total = 1, jobs = new[] { job } })));
            await page.RouteAsync("**/master/get_job", r => r.FulfillAsync(Json(new { type = 1, err_code = 0, err_msg = "ok", job })));
            await page.RouteAsync($"**/jobs/{jobId}/outputs/**", async r =>
            {
                if (r.Request.Headers.GetValueOrDefault("authorization") != $"Bearer {NodeProcess.ClientToken}")
                    unauthorized.Enqueue(r.Request.Url);
                var rel = Uri.UnescapeDataString(new Uri(r.Request.Url).AbsolutePath[$"/jobs/{jobId}/outputs/".Length..]);
                var file = Path.Combine(dir, rel);
                await r.FulfillAsync(File.Exists(file)
                    ? new() { Status = 200, BodyBytes = await File.ReadAllBytesAsync(file), ContentType = ContentType(file) }
                    : new() { Status = 404, ContentType = "application/json", Body = """{"type":1,"err_code":-7,"err_msg":"no such file"}""" });
            });

            await E2E.WithNodeLog(node, output, async () =>
            {
                await page.GotoAsync(node.BaseUrl.ToString());
                await SignInAsync(page, NodeProcess.ClientToken);
                await page.Locator($"#jobs-body tr[data-job-id='{jobId}']").ClickAsync();

                await Expect(page.Locator("#outputs")).ToBeVisibleAsync();
                var abr = page.Locator("#outputs-body tr[data-output='abr']");
                await Expect(abr).ToContainTextAsync("cmaf");
                await Expect(abr).ToContainTextAsync($"{dst}/abr/master.m3u8");
                await Expect(abr.Locator("[role=progressbar]")).ToHaveAttributeAsync("aria-valuenow", "100");
                // Only a ladder plays.
                await Expect(page.Locator("#outputs-body tr[data-output='thumbs'] button")).ToBeHiddenAsync();
                // The sprite: one tile per cue of its WebVTT; the stills: one image per file.
                await Expect(page.Locator("#thumbs [data-output='thumbs'] .tile")).ToHaveCountAsync(SpriteTiles);
                await Expect(page.Locator("#thumbs [data-output='stills'] img")).ToHaveCountAsync(Stills);
                await WaitForAsync(page, "() => [...document.querySelectorAll('#thumbs img')].every(i => i.complete && i.naturalWidth > 0)");

                var heights = await PlayAndSwitchAsync(page, "abr");
                Assert.Equal([360, 540, 720], heights.Order());
                await page.ScreenshotAsync(new() { Path = ChromiumFixture.ArtifactPath("dashboard-player.png"), FullPage = true });
            });
            Assert.Empty(unauthorized);
            Assert.Empty(browser.Errors);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private const int SpriteTiles = 6, Stills = 3;

    /// <summary>abr/: an fMP4 HLS ladder of 360p, 540p and 720p with one audio rendition; thumbs/: a 3x2 sprite and its
    /// WebVTT; stills/: a still every 10 s. From a 30 s 1280x720 lavfi source.</summary>
    private static async Task MakeFixtureAsync(string dir)
    {
        string[] source =
        [
            "-nostdin", "-v", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=30",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=30",
        ];
        await Proc.RunCheckedAsync("ffmpeg",
        [
            .. source,
            "-filter_complex", "[0:v]split=3[a][b][c];[a]scale=-2:360[v0];[b]scale=-2:540[v1];[c]null[v2]",
            "-map", "[v0]", "-map", "[v1]", "-map", "[v2]", "-map", "1:a",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "60", "-keyint_min", "60", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
            "-b:v:0", "400k", "-b:v:1", "800k", "-b:v:2", "1500k", "-c:a", "aac", "-b:a", "128k", "-ac", "2",
            "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
            "-hls_fmp4_init_filename", "init.mp4", "-master_pl_name", "master.m3u8",
            "-var_stream_map", "v:0,agroup:aud,name:360p v:1,agroup:aud,name:540p v:2,agroup:aud,name:720p a:0,agroup:aud,name:audio-128k",
            "-hls_segment_filename", Path.Combine(dir, "abr", "%v", "seg-%05d.m4s"), Path.Combine(dir, "abr", "%v", "index.m3u8"),
        ], TimeSpan.FromMinutes(3));
        Directory.CreateDirectory(Path.Combine(dir, "thumbs"));
        await Proc.RunCheckedAsync("ffmpeg",
            [.. source[..8], "-vf", "fps=1/5,scale=160:90,tile=3x2", "-frames:v", "1", Path.Combine(dir, "thumbs", "sprite.jpg")],
            TimeSpan.FromMinutes(1));
        var vtt = new StringBuilder("WEBVTT\n\n");
        for (var i = 0; i < SpriteTiles; i++)
            vtt.Append(CultureInfo.InvariantCulture, $"00:00:{i * 5:00}.000 --> 00:00:{i * 5 + 5:00}.000\nsprite.jpg#xywh={i % 3 * 160},{i / 3 * 90},160,90\n\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "thumbs", "sprite.vtt"), vtt.ToString());
        Directory.CreateDirectory(Path.Combine(dir, "stills"));
        await Proc.RunCheckedAsync("ffmpeg",
            [.. source[..8], "-vf", "fps=1/10,scale=160:-2", Path.Combine(dir, "stills", "thumb-%05d.jpg")], TimeSpan.FromMinutes(1));
        Assert.Equal(Stills, Directory.GetFiles(Path.Combine(dir, "stills")).Length);
    }

    private static RouteFulfillOptions Json(object body) =>
        new() { Status = 200, ContentType = "application/json", Body = JsonSerializer.Serialize(body) };

    private static string ContentType(string file) => Path.GetExtension(file) switch
    {
        ".m3u8" => "application/vnd.apple.mpegurl",
        ".m4s" => "video/iso.segment",
        ".mp4" => "video/mp4",
        ".jpg" => "image/jpeg",
        ".vtt" => "text/vtt",
        _ => "application/octet-stream",
    };

    // ---- GET /jobs/{job_id}/outputs/{path} ------------------------------------------------------------------------------

    private static async Task<(HttpStatusCode Status, HttpResponseMessage Response, byte[] Body)> GetFileAsync(
        NodeProcess node, string path, string? token, RangeHeaderValue? range = null)
    {
        using var http = new HttpClient { BaseAddress = node.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        using var req = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null) req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        req.Headers.Range = range;
        var res = await http.SendAsync(req);
        return (res.StatusCode, res, await res.Content.ReadAsByteArrayAsync());
    }

    private static async Task RefusedAsync(NodeProcess node, int code, string path, string? token, string what)
    {
        var (status, _, body) = await GetFileAsync(node, path, token);
        ErrorAssert.Is(code, status, JsonDocument.Parse(body).RootElement, what);
    }

    [Fact]
    public async Task Output_files_are_refused_without_a_client_token_for_unknown_jobs_and_for_jobs_without_outputs()
    {
        var node = shared.Node;
        await E2E.WithNodeLog(node, output, async () =>
        {
            var classic = await node.Client.AddJobOkAsync(new { src_filename = E2E.Short, dst_dir = "player-classic", dst_format = "mp4" });
            await RefusedAsync(node, -5, $"jobs/{classic}/outputs/x.mp4", null, "no token");
            await RefusedAsync(node, -5, $"jobs/{classic}/outputs/x.mp4", "not-a-token", "an unknown token");
            await RefusedAsync(node, -6, $"jobs/{classic}/outputs/x.mp4", NodeProcess.WorkerToken, "a worker token");
            await RefusedAsync(node, -7, "jobs/no-such-job/outputs/abr/master.m3u8", NodeProcess.ClientToken, "an unknown job");
            // Kestrel resolves dot segments before routing, so a plain ".." never reaches the call; an encoded slash does.
            await RefusedAsync(node, -7, $"jobs/{classic}/outputs/%2e%2e/%2e%2e/secret", NodeProcess.ClientToken, "'..' resolved away");
            await RefusedAsync(node, -4, $"jobs/{classic}/outputs/abr/..%2f..%2fsecret", NodeProcess.ClientToken, "'..' behind an encoded slash");
            await RefusedAsync(node, -4, $"jobs/{classic}/outputs/abr/a%0ab", NodeProcess.ClientToken, "a control character");
            await node.Client.WaitForJobCompletedAsync(classic, TimeSpan.FromSeconds(60));
            // A job without outputs wrote one file, which is not served here.
            await RefusedAsync(node, -4, $"jobs/{classic}/outputs/{E2E.Short}", NodeProcess.ClientToken, "a job without outputs");
        });
    }

    // ---- a real ladder job (needs the output-group pipeline) --------------------------------------------------------------

    [Fact]
    public async Task A_completed_cmaf_ladder_plays_in_the_dashboard_and_switches_rendition_and_its_files_are_served_safely()
    {
        // 20 s of the 1280x720 test picture: enough to play past 5 s and switch, a third of the 60 s source's encode.
        var clip = await MediaFactory.ClipAsync("player20.ts", 20, "1280x720");
        await using var node = await NodeProcess.StartAsync([], root => MediaSet.CopyInto(clip, root, "player.bin"));
        await E2E.WithNodeLog(node, output, async () =>
        {
            // Three renditions in one CMAF ladder.
            var jobId = await node.Client.AddJobOkAsync(new
            {
                src_filename = "player.bin", dst_dir = "ladder",
                outputs = new object[]
                {
                    new
                    {
                        type = "cmaf", name = "abr", segment_seconds = 4, video_codec = "h264",
                        renditions = new object[]
                        {
                            new { name = "360p", height = 360, video_bitrate = "800k" },
                            new { name = "540p", height = 540, video_bitrate = "1500k" },
                            new { name = "720p", height = 720, video_bitrate = "3000k" },
                        },
                    },
                },
            });
            var job = await node.Client.WaitForJobCompletedAsync(jobId, TimeSpan.FromMinutes(5));
            var groupDir = job.GetProperty("dst_path").GetString()!;
            Assert.True(Directory.Exists(groupDir), $"dst_path {groupDir} is not a directory");

            // ---- the files, as a player reads them ----
            var url = $"jobs/{jobId}/outputs/";
            var (status, res, master) = await GetFileAsync(node, url + "abr/master.m3u8", NodeProcess.ClientToken);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("application/vnd.apple.mpegurl", res.Content.Headers.ContentType?.MediaType);
            Assert.StartsWith("#EXTM3U", Encoding.UTF8.GetString(master));
            var segment = await File.ReadAllBytesAsync(Path.Combine(groupDir, "abr", "720p", "seg-00001.m4s"));
            (status, res, var part) = await GetFileAsync(node, url + "abr/720p/seg-00001.m4s", NodeProcess.ClientToken, new RangeHeaderValue(100, 199));
            Assert.Equal(HttpStatusCode.PartialContent, status);
            Assert.Equal("video/iso.segment", res.Content.Headers.ContentType?.MediaType);
            Assert.Equal(segment[100..200], part);

            // A link planted in the published directory, pointing at a file outside it, is never followed.
            var secret = Path.Combine(node.RootDir, "secret.txt");
            await File.WriteAllTextAsync(secret, "not for clients");
            File.CreateSymbolicLink(Path.Combine(groupDir, "abr", "leak.m3u8"), secret);
            await RefusedAsync(node, -6, url + "abr/leak.m3u8", NodeProcess.ClientToken, "a link out of the output directory");
            await RefusedAsync(node, -7, url + "abr/1080p/index.m3u8", NodeProcess.ClientToken, "a file that is not there");
            await RefusedAsync(node, -6, url + "abr/master.m3u8", NodeProcess.WorkerToken, "a worker token");

            // ---- the dashboard ----
            await using var browser = await chromium.NewPageAsync(output);
            var page = browser.Page;
            await page.GotoAsync(node.BaseUrl.ToString());
            await SignInAsync(page, NodeProcess.ClientToken);
            await page.Locator($"#jobs-body tr[data-job-id='{jobId}']").ClickAsync();
            await Expect(page.Locator("#outputs-body tr[data-output='abr']")).ToContainTextAsync("cmaf");
            var heights = await PlayAndSwitchAsync(page, "abr");
            Assert.Equal([360, 540, 720], heights.Order());
            Assert.Empty(browser.Errors);
        });
    }
}
