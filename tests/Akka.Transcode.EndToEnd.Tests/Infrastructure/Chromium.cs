using System.Collections.Concurrent;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Debian's headless Chromium driven by Playwright for .NET: the driver ships in Playwright's NuGet package, the
/// browser is the system's (<c>/usr/bin/chromium</c>, or <c>TRANSCODE_E2E_CHROMIUM</c>), and nothing is ever
/// downloaded. One browser with a fresh profile directory serves a test class; each test opens its own page
/// (its own sessionStorage).
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public static string ExecutablePath { get; } =
        Environment.GetEnvironmentVariable("TRANSCODE_E2E_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowserContext? _context;
    private string? _profile;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException(
                $"Chromium is not installed at {ExecutablePath}: run ./ops/test.sh as root, or `sudo apt-get install -y chromium` " +
                "(TRANSCODE_E2E_CHROMIUM names another binary)");
        // The driver must never fetch browsers of its own.
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _profile = Directory.CreateTempSubdirectory("akka-transcode-chromium-").FullName;
        _playwright = await Playwright.CreateAsync();
        _context = await _playwright.Chromium.LaunchPersistentContextAsync(_profile, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
            Timeout = 60_000,
        });
    }

    /// <summary>A new page whose console messages and script errors go to the test output; <see cref="BrowserPage.Errors"/>
    /// collects uncaught script errors.</summary>
    public async Task<BrowserPage> NewPageAsync(ITestOutputHelper output)
    {
        var page = await _context!.NewPageAsync();
        var errors = new ConcurrentQueue<string>();
        page.Console += (_, m) => Log(output, $"[browser {m.Type}] {m.Text}");
        page.PageError += (_, e) =>
        {
            errors.Enqueue(e);
            Log(output, $"[browser error] {e}");
        };
        return new BrowserPage(page, errors);
    }

    private static void Log(ITestOutputHelper output, string line)
    {
        try { output.WriteLine(line); }
        catch (InvalidOperationException) { /* the test has already ended */ }
    }

    public async Task DisposeAsync()
    {
        if (_context is not null) await _context.CloseAsync();
        _playwright?.Dispose();
        if (_profile is not null)
        {
            try { Directory.Delete(_profile, recursive: true); }
            catch (IOException) { /* a helper process may still be letting go of a file */ }
        }
    }

    /// <summary>
    /// Where test artifacts such as screenshots go: <c>TEST_RESULTS_DIR</c> when set (ops/test.sh keeps its trx files
    /// there too), else <c>screenshots/</c> beside the test assembly
    /// (<c>tests/Akka.Transcode.EndToEnd.Tests/bin/Release/net10.0/screenshots/</c>).
    /// </summary>
    public static string ArtifactPath(string fileName)
    {
        var dir = Environment.GetEnvironmentVariable("TEST_RESULTS_DIR") is { Length: > 0 } d
            ? Path.GetFullPath(d)
            : Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, fileName);
    }
}

/// <param name="Errors">Uncaught script errors on the page.</param>
public sealed record BrowserPage(IPage Page, ConcurrentQueue<string> Errors) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => new(Page.CloseAsync());
}
