using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.TranscodeClient;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>
/// The web dashboard in a real headless Chromium (Debian's), against a real node: sign-in, submitting through the
/// form, progress arriving through the live feed, the job view with its tasks and workers, cancel; and what a missing,
/// wrong or too narrow token gets.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class DashboardTests(MediaFixture media, SharedNodeFixture shared, ChromiumFixture chromium, ITestOutputHelper output)
    : IClassFixture<ChromiumFixture>
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);

    private static LocatorAssertionsToBeVisibleOptions Within(TimeSpan t) => new() { Timeout = (float)t.TotalMilliseconds };

    private static async Task SignInAsync(IPage page, string token)
    {
        await page.Locator("#token").FillAsync(token);
        await page.Locator("#login-button").ClickAsync();
    }

    /// <summary>Records every value the progress bar of <paramref name="jobId"/>'s row takes, in the page itself.</summary>
    private static Task WatchBarAsync(IPage page, string jobId) => page.EvaluateAsync("""
        id => {
          const bar = document.querySelector(`#jobs-body tr[data-job-id="${id}"] [role=progressbar]`);
          const seen = (window.barValues = window.barValues || {})[id] = [Number(bar.getAttribute('aria-valuenow'))];
          new MutationObserver(() => seen.push(Number(bar.getAttribute('aria-valuenow'))))
            .observe(bar, { attributes: true, attributeFilter: ['aria-valuenow'] });
        }
        """, jobId);

    private static Task<double[]> BarValuesAsync(IPage page, string jobId) =>
        page.EvaluateAsync<double[]>("id => window.barValues[id]", jobId);

    [Fact]
    public async Task An_admin_signs_in_submits_a_job_sees_its_bar_reach_100_percent_live_and_cancels_another()
    {
        await using var node = await NodeProcess.StartAsync([], root => E2E.StockMediaRoot(media.Media, root));
        await using var browser = await chromium.NewPageAsync(output);
        var page = browser.Page;
        var clock = Stopwatch.StartNew();

        await E2E.WithNodeLog(node, output, async () =>
        {
            await page.GotoAsync(node.BaseUrl.ToString());
            await Expect(page.Locator("#login-form")).ToBeVisibleAsync();
            await Expect(page.Locator("#app")).ToBeHiddenAsync();
            await SignInAsync(page, NodeProcess.AdminToken);

            await Expect(page.Locator("#app")).ToBeVisibleAsync();
            await Expect(page.Locator("#scope")).ToHaveTextAsync("admin");
            await Expect(page.Locator("#live")).ToHaveAttributeAsync("data-live", "live");
            // The admin panels: this node's worker, and the one member (this node, the leader).
            await Expect(page.Locator($"#workers-body tr[data-worker-id='{node.WorkerId}']")).ToBeVisibleAsync();
            await Expect(page.Locator("#members-body")).ToContainTextAsync($"127.0.0.1:{node.ClusterPort}");
            await Expect(page.Locator("#members-body")).ToContainTextAsync("leader");

            // ---- a job submitted through the form, followed to 100 % by the feed alone ----
            var requests = new ConcurrentQueue<string>();
            page.Request += (_, r) => requests.Enqueue(new Uri(r.Url).AbsolutePath);
            await page.Locator("#f-src").FillAsync(E2E.Short);
            await page.Locator("#f-dst-dir").FillAsync("dash");
            await page.Locator("#f-format").SelectOptionAsync("mp4");
            await page.Locator("#submit-card summary").ClickAsync();
            await page.Locator("#f-vcodec").SelectOptionAsync("h264");
            await page.Locator("#f-preset").SelectOptionAsync("fast");
            await page.Locator("#submit-button").ClickAsync();

            var link = page.Locator("#submit-result code[data-job-id]");
            await Expect(link).ToBeVisibleAsync(Within(TimeSpan.FromSeconds(15)));
            var first = (await link.GetAttributeAsync("data-job-id"))!;
            // The whole id, nothing after it (an ellipsis and a full stop read as part of the id).
            await Expect(page.Locator("#submit-result")).ToHaveTextAsync($"Submitted job {first}");
            output.WriteLine($"submitted {first} after {clock.Elapsed.TotalSeconds:0.0} s");
            var row = page.Locator($"#jobs-body tr[data-job-id='{first}']");
            await Expect(row).ToBeVisibleAsync(Within(TimeSpan.FromSeconds(10)));
            await WatchBarAsync(page, first);

            var bar = row.Locator("[role=progressbar]");
            await Expect(bar).ToHaveAttributeAsync("aria-valuenow", "100", new() { Timeout = (float)JobTimeout.TotalMilliseconds });
            await Expect(row.Locator(".badge")).ToHaveTextAsync("Completed");
            var values = await BarValuesAsync(page, first);
            output.WriteLine($"completed after {clock.Elapsed.TotalSeconds:0.0} s; the bar showed {string.Join(", ", values)}");
            Assert.Contains(values, v => v is > 0 and < 100); // it moved while the job ran, not just at the end
            Assert.Equal(values.Order(), values); // and never went back
            // The row appeared and moved without the page asking for jobs again once the job was submitted: everything
            // came through the feed. (Before the submit, the snapshot the feed's hello asks for 50 ms later may still
            // be on its way: "live" shows on the hello itself.)
            var sinceSubmit = requests.SkipWhile(p => p != "/master/add_job").ToList();
            Assert.NotEmpty(sinceSubmit);
            Assert.DoesNotContain(sinceSubmit, p => p is "/master/get_jobs" or "/master/get_job");
            Assert.Equal(JobCompleted, State(await node.Client.GetJobAsync(first)));

            // The job view: its task, which worker ran it, done.
            await row.ClickAsync();
            await Expect(page.Locator("#job-card")).ToBeVisibleAsync();
            await Expect(page.Locator("#job-title")).ToHaveTextAsync(first);
            var task = page.Locator($"#tasks-body tr[data-task-id='{first}-t0']");
            await Expect(task.Locator($"td[data-worker-id='{node.WorkerId}']")).ToBeVisibleAsync();
            await Expect(task.Locator(".badge")).ToHaveTextAsync("Done");
            await Expect(task.Locator("[role=progressbar]")).ToHaveAttributeAsync("aria-valuenow", "100");

            // ---- a long job, seen running with its task on this node's worker, then cancelled from the page ----
            await page.Locator("#f-src").FillAsync(E2E.Record);
            await page.Locator("#f-dst-dir").FillAsync("dash-long");
            await page.Locator("#f-preset").SelectOptionAsync("medium");
            await page.Locator("#submit-button").ClickAsync();
            await Expect(page.Locator($"#submit-result code[data-job-id]:not([data-job-id='{first}'])"))
                .ToBeVisibleAsync(Within(TimeSpan.FromSeconds(15)));
            var second = (await page.Locator("#submit-result code[data-job-id]").GetAttributeAsync("data-job-id"))!;
            var longRow = page.Locator($"#jobs-body tr[data-job-id='{second}']");
            await Expect(longRow.Locator(".badge")).ToHaveTextAsync("In progress", new() { Timeout = 30_000 });
            await longRow.ClickAsync();
            await Expect(page.Locator("#job-title")).ToHaveTextAsync(second);
            var longTask = page.Locator($"#tasks-body tr[data-task-id='{second}-t0']");
            await Expect(longTask.Locator(".badge")).ToHaveTextAsync("Running", new() { Timeout = 30_000 });
            await Expect(longTask.Locator($"td[data-worker-id='{node.WorkerId}']")).ToBeVisibleAsync();
            // Progress shows in the table, the job view and the task row; the worker panel lists the attempt.
            // A few percent, so the screenshot shows a bar part way.
            var underWay = new Regex(@"^([3-9]|[1-9]\d)(\.\d+)?$");
            await Expect(longRow.Locator("[role=progressbar]")).ToHaveAttributeAsync("aria-valuenow", underWay, new() { Timeout = 30_000 });
            await Expect(longTask.Locator("[role=progressbar]")).ToHaveAttributeAsync("aria-valuenow", underWay);
            await Expect(page.Locator($"#workers-body tr[data-worker-id='{node.WorkerId}']")).ToContainTextAsync("busy");
            await Expect(longRow.Locator("td").Nth(3)).ToHaveTextAsync(new Regex(@"^\d+\.\d\d×$")); // speed

            var screenshot = ChromiumFixture.ArtifactPath("dashboard.png");
            await page.EvaluateAsync("() => window.scrollTo(0, 0)"); // clicking rows scrolled; the top bar is sticky
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
            output.WriteLine($"screenshot: {screenshot}");
            Assert.True(new FileInfo(screenshot).Length > 10_000, $"{screenshot} is suspiciously small");

            var cancel = longRow.Locator("button.danger");
            await cancel.ClickAsync();
            await Expect(cancel).ToHaveTextAsync("Confirm");
            await cancel.ClickAsync();
            await Expect(longRow.Locator(".badge")).ToHaveTextAsync("Canceled", new() { Timeout = 15_000 });
            await Expect(cancel).ToBeHiddenAsync();
            await Expect(longTask.Locator(".badge")).ToHaveTextAsync("Canceled");
            Assert.Equal(JobCanceled, State(await node.Client.GetJobAsync(second)));
            // The first job is untouched.
            await Expect(row.Locator(".badge")).ToHaveTextAsync("Completed");

            Assert.Empty(browser.Errors);
            output.WriteLine($"done after {clock.Elapsed.TotalSeconds:0.0} s");
        });
    }

    [Fact]
    public async Task Without_a_good_token_nothing_is_shown_and_the_feed_refuses_and_a_client_token_is_told_what_needs_admin()
    {
        var node = shared.Node;
        await using var browser = await chromium.NewPageAsync(output);
        var page = browser.Page;

        await E2E.WithNodeLog(node, output, async () =>
        {
            await page.GotoAsync(node.BaseUrl.ToString());
            await Expect(page.Locator("#login-form")).ToBeVisibleAsync();
            await Expect(page.Locator("#app")).ToBeHiddenAsync();
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = ChromiumFixture.ArtifactPath("dashboard-login.png") });

            foreach (var (token, message) in new[]
                     {
                         ("not-a-token", "not known"), (NodeProcess.WorkerToken, "cannot read jobs"),
                     })
            {
                await SignInAsync(page, token);
                await Expect(page.Locator("#login-error")).ToContainTextAsync(message);
                await Expect(page.Locator("#app")).ToBeHiddenAsync();
                await Expect(page.Locator("#session")).ToBeHiddenAsync();
                Assert.Equal(0, await page.Locator("#jobs-body tr").CountAsync());
                Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('akka-transcode.token')"));
            }

            // The feed: the protocol's errors without a usable token, a stream with one.
            using var http = new HttpClient { BaseAddress = node.BaseUrl, Timeout = TimeSpan.FromSeconds(10) };
            foreach (var (token, code) in new (string?, int)[] { (null, -5), ("not-a-token", -5), (NodeProcess.WorkerToken, -6) })
            {
                using var req = new HttpRequestMessage(HttpMethod.Get, "dashboard/events");
                if (token is not null) req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var res = await http.SendAsync(req);
                var body = JsonDocument.Parse(await res.Content.ReadAsStringAsync()).RootElement;
                ErrorAssert.Is(code, res.StatusCode, body, $"/dashboard/events with {token ?? "no token"}");
            }
            using (var req = new HttpRequestMessage(HttpMethod.Get, "dashboard/events"))
            {
                req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", NodeProcess.ClientToken);
                using var res = await http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
                Assert.Equal(HttpStatusCode.OK, res.StatusCode);
                Assert.Equal("text/event-stream", res.Content.Headers.ContentType?.MediaType);
                using var reader = new StreamReader(await res.Content.ReadAsStreamAsync());
                Assert.Equal("event: hello", await reader.ReadLineAsync());
                var hello = JsonDocument.Parse((await reader.ReadLineAsync())!["data: ".Length..]).RootElement;
                Assert.Equal("client", hello.GetProperty("scope").GetString());
                Assert.Equal(node.ClusterAddress, hello.GetProperty("node").GetString());
            }

            // A client token sees jobs, and is told that workers and members need an admin token.
            await SignInAsync(page, NodeProcess.ClientToken);
            await Expect(page.Locator("#app")).ToBeVisibleAsync();
            await Expect(page.Locator("#scope")).ToHaveTextAsync("client");
            await Expect(page.Locator("#live")).ToHaveAttributeAsync("data-live", "live");
            await Expect(page.Locator("#workers-body")).ToContainTextAsync("Needs an admin token");
            await Expect(page.Locator("#members-body")).ToContainTextAsync("Needs an admin token");
            Assert.Equal(0, await page.Locator("#workers-body tr").CountAsync());
            var screenshot = ChromiumFixture.ArtifactPath("dashboard-client-token.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
            output.WriteLine($"screenshot: {screenshot}");

            // This user leaves values in the form and a filter set.
            await page.Locator("#f-src").FillAsync("previous-user.bin");
            await page.Locator("#f-dst-dir").FillAsync("previous-out");
            await page.Locator("#f-format").SelectOptionAsync("mkv");
            await page.Locator("#submit-card summary").ClickAsync();
            await page.Locator("#f-crf").FillAsync("23");
            await page.Locator("#f-job-id").FillAsync("previous-job-id");
            await page.Locator("#f-overwrite").CheckAsync();
            await page.Locator("#state-filter").SelectOptionAsync("4");

            // Signing out forgets the token and shows nothing but the form again.
            await page.Locator("#logout").ClickAsync();
            await Expect(page.Locator("#login-form")).ToBeVisibleAsync();
            await Expect(page.Locator("#app")).ToBeHiddenAsync();
            Assert.Equal(0, await page.Locator("#jobs-body tr").CountAsync());
            Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('akka-transcode.token')"));

            // The next user to sign in on this tab sees none of the previous one's values.
            await SignInAsync(page, NodeProcess.ClientToken);
            await Expect(page.Locator("#app")).ToBeVisibleAsync();
            foreach (var field in new[] { "#f-src", "#f-dst-dir", "#f-crf", "#f-job-id" })
                await Expect(page.Locator(field)).ToHaveValueAsync("");
            await Expect(page.Locator("#f-format")).ToHaveValueAsync("mp4");
            await Expect(page.Locator("#f-overwrite")).Not.ToBeCheckedAsync();
            await Expect(page.Locator("#state-filter")).ToHaveValueAsync("");
            await Expect(page.Locator("#submit-card details")).Not.ToHaveAttributeAsync("open", "");
            await page.Locator("#logout").ClickAsync();
            await Expect(page.Locator("#login-form")).ToBeVisibleAsync();
            Assert.Empty(browser.Errors);
        });
    }

    [Fact]
    public async Task The_feed_of_an_api_only_node_carries_the_changes_of_a_job_running_on_another_node()
    {
        await using var master = await NodeProcess.StartAsync([], root => E2E.StockMediaRoot(media.Media, root));
        await using var api = await NodeProcess.StartAsync(["--Transcode:Roles=api",
            $"--Transcode:Cluster:Seeds:0={master.ClusterAddress}", $"--Transcode:Media:Roots:0={master.MediaRoot}"]);

        await E2E.WithNodeLog(master, output, async () =>
        {
            // The page's view of a job chosen in advance (add_job's job_id), so its task events are wanted from the start.
            const string jobId = "dashboard-cross-node";
            using var http = new HttpClient { BaseAddress = api.BaseUrl, Timeout = Timeout.InfiniteTimeSpan };
            using var req = new HttpRequestMessage(HttpMethod.Get, $"dashboard/events?job={jobId}");
            req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", NodeProcess.AdminToken);
            using var res = await http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, res.StatusCode);
            var events = new ConcurrentQueue<(string Event, JsonElement Data)>();
            using var stop = new CancellationTokenSource();
            var reading = ReadEventsAsync(await res.Content.ReadAsStreamAsync(), events, stop.Token);
            Assert.True(await E2E.Eventually(() => events.Any(e => e.Event == "hello"), TimeSpan.FromSeconds(10)), "no hello");
            var hello = events.First(e => e.Event == "hello").Data;
            Assert.Equal((api.ClusterAddress, jobId), (hello.GetProperty("node").GetString(), hello.GetProperty("job_id").GetString()));

            await api.Client.AddJobOkAsync(new
            {
                job_id = jobId, src_filename = E2E.Short, dst_dir = "feed", dst_format = "mp4", video_codec = "h264", preset = "ultrafast",
            });
            var completed = await E2E.Eventually(() => events.Any(e => e.Event == "job" && State(e.Data.GetProperty("job")) == JobCompleted),
                JobTimeout);
            await stop.CancelAsync();
            try { await reading; } catch (OperationCanceledException) { }
            foreach (var (name, data) in events) output.WriteLine($"{name}: {data}");
            Assert.True(completed, "no job event with state COMPLETED arrived");

            // Jobs and tasks live only on the master: these came through the cluster's pub-sub to the api node.
            var jobs = events.Where(e => e.Event == "job").Select(e => e.Data.GetProperty("job")).ToList();
            Assert.All(jobs, j => Assert.Equal(jobId, j.GetProperty("id").GetString()));
            Assert.Equal(jobs.Select(State).Order(), jobs.Select(State));
            Assert.Equal(100, jobs[^1].GetProperty("progress").GetDouble());
            var tasks = events.Where(e => e.Event == "task").Select(e => e.Data).ToList();
            Assert.All(tasks, t => Assert.Equal(jobId, t.GetProperty("job_id").GetString()));
            Assert.Contains(tasks, t => t.GetProperty("task").GetProperty("state").GetInt32() == TaskDone
                                        && t.GetProperty("task").GetProperty("worker_id").GetString() == master.WorkerId);
            Assert.Contains(events, e => e.Event == "workers"
                                         && e.Data.GetProperty("workers").EnumerateArray().Any(w => w.GetProperty("worker_id").GetString() == master.WorkerId));
        });
    }

    /// <summary>Collects the server-sent events of <paramref name="stream"/> until cancelled or the stream ends.</summary>
    private static async Task ReadEventsAsync(Stream stream, ConcurrentQueue<(string, JsonElement)> events, CancellationToken ct)
    {
        using var reader = new StreamReader(stream);
        string? name = null;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line["event: ".Length..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && name is not null)
                events.Enqueue((name, JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone()));
            else if (line.Length == 0) name = null;
        }
    }
}
