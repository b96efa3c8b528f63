using Xunit.Abstractions;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Most end-to-end tests are in this one collection, so they run one after another: each starts real ffmpeg work
/// and the machines have two cores. The media are made once; one node is shared by the tests that do not need a
/// node of their own.
/// </summary>
[CollectionDefinition(Name)]
public sealed class EndToEndCollection : ICollectionFixture<MediaFixture>, ICollectionFixture<SharedNodeFixture>
{
    public const string Name = "end-to-end";
}

/// <summary>
/// The end-to-end tests that run beside <see cref="EndToEndCollection"/>, one after another: those that kill and
/// restart nodes of a cluster (long, and much of their time is spent waiting for the cluster to notice a loss and for
/// nodes to start again) and those that mostly wait (on retention timers, on nodes that refuse to start, on a
/// server's timeouts). A test belongs here only if what it asserts is an outcome (every job once, nothing lost) or a
/// timing no tighter than several seconds, with limits that a loaded machine meets.
/// <para>One collection, not two: xunit runs as many collections at once as the machine has cores (two here), in no
/// set order. With three, the main collection, the longest, sometimes started only once another had ended, and the
/// run took 2-3 minutes longer.</para>
/// </summary>
[CollectionDefinition(Name)]
public sealed class BesideEndToEndCollection : ICollectionFixture<MediaFixture>
{
    public const string Name = "end-to-end-beside";
}

/// <summary>A node with the default settings and every test medium in its media root; callbacks are signed with
/// <see cref="CallbackSecret"/> and allowed to 127.0.0.1, where the tests' receivers listen.</summary>
public sealed class SharedNodeFixture : IAsyncLifetime
{
    public const string CallbackSecret = "e2e-callback-secret-0123456789";

    public NodeProcess Node { get; private set; } = null!;
    public MediaSet Media { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Media = await MediaFactory.GetAsync();
        Node = await NodeProcess.StartAsync([NodeProcess.WithWarmUp, "--Transcode:Jobs:CallbackAllowedNetworks=127.0.0.1/32",
            $"--Transcode:Jobs:CallbackSecret={CallbackSecret}"], prepareMedia: root => E2E.StockMediaRoot(Media, root));
    }

    public async Task DisposeAsync()
    {
        if (Node is not null) await Node.DisposeAsync();
    }
}

/// <summary>Shared bits of the end-to-end tests.</summary>
public static class E2E
{
    /// <summary>The names the sources have inside a node's media root.</summary>
    public const string Record = "record.bin", Short = "short.bin", NotMedia = "notmedia.bin", Empty = "empty.bin";

    /// <summary>One frame at the test media's 30 fps, plus a millisecond for containers that round to ms.</summary>
    public const double OneFrame = 1 / MediaSet.FrameRate + 0.001;

    public static void StockMediaRoot(MediaSet media, string root)
    {
        MediaSet.CopyInto(media.Record, root, Record);
        MediaSet.CopyInto(media.Short, root, Short);
        MediaSet.CopyInto(media.NotMedia, root, NotMedia);
        MediaSet.CopyInto(media.Empty, root, Empty);
    }

    /// <summary>Runs a test body; if it fails, what the node logged meanwhile goes to the test output.</summary>
    public static async Task WithNodeLog(NodeProcess node, ITestOutputHelper output, Func<Task> body)
    {
        var mark = node.LogMark();
        try
        {
            await body();
        }
        catch
        {
            output.WriteLine($"----- node log since the test started ({node.LogPath}) -----");
            output.WriteLine(node.LogSince(mark));
            throw;
        }
    }

    /// <summary>Names in <paramref name="dir"/>, hidden ones included; empty when the directory does not exist.</summary>
    public static IReadOnlyList<string> Entries(string dir) =>
        Directory.Exists(dir)
            ? Directory.EnumerateFileSystemEntries(dir).Select(p => Path.GetFileName(p)).Order().ToList()
            : [];

    /// <summary>ffmpeg processes whose command line mentions <paramref name="fragment"/>.</summary>
    public static IReadOnlyList<string> FfmpegMentioning(string fragment) =>
        Proc.FindProcesses("ffmpeg")
            .Where(p => p.Args.Any(a => a.Contains(fragment, StringComparison.Ordinal)))
            .Select(p => $"{p.Pid}: {string.Join(' ', p.Args)}")
            .ToList();

    /// <summary>Polls <paramref name="condition"/> every 100 ms until it holds or the time is up; returns whether it held.</summary>
    public static Task<bool> Eventually(Func<bool> condition, TimeSpan timeout) =>
        Eventually(() => Task.FromResult(condition()), timeout);

    /// <summary>Polls <paramref name="condition"/> every 100 ms until it holds or the time is up; returns whether it held.</summary>
    public static async Task<bool> Eventually(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            if (sw.Elapsed > timeout) return false;
            await Task.Delay(100);
        }
        return true;
    }
}
