using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure;

/// <summary>
/// One real node (<c>dotnet Akka.Transcode.Node.dll</c>) in a throwaway directory that holds its data/ and media/,
/// on free loopback ports, with known tokens. Output goes to <see cref="LogPath"/>.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    public const string ClientToken = "e2e-client-token";
    public const string WorkerToken = "e2e-worker-token";
    public const string AdminToken = "e2e-admin-token-0";
    /// <summary>Turns the start-up warm-up, off by default in these tests, back on.</summary>
    public const string WithWarmUp = "--Transcode:WarmUp=true";

    /// <summary>For a master whose HTTP workers run on this machine: it calls workers on loopback only when
    /// Transcode:Worker:AllowedNetworks lists it.</summary>
    public const string AllowLoopbackWorkers = "--Transcode:Worker:AllowedNetworks:0=127.0.0.0/8";

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly IReadOnlyList<string> _extraArgs;
    /// <summary>Set: the node is configured by these environment variables alone, with no arguments (as a container
    /// or a systemd unit runs it).</summary>
    private IReadOnlyDictionary<string, string>? _environment;
    private readonly object _logLock = new();
    private readonly StreamWriter _log;
    private readonly List<(DateTime At, string Line)> _lines = new();
    private Process? _process;
    private int _starts;
    private bool _disposed;

    /// <summary>When the current (or last) run of the node was launched, by the test's clock (UTC).</summary>
    public DateTime StartedAt { get; private set; }

    public string RootDir { get; }
    public string DataDir { get; }
    public string MediaRoot { get; }
    public string LogPath { get; }
    public int HttpPort { get; }
    public int ClusterPort { get; }
    public Uri BaseUrl { get; }
    public TranscodeClient Client { get; }

    /// <summary>The running process's id (throws when not running).</summary>
    public int Pid => _process is { HasExited: false } p ? p.Id : throw new InvalidOperationException("node is not running");

    /// <summary>Whether the node's process is running (started and not exited).</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The exit code of the node's last run once it has exited; null while it runs or before its first start.</summary>
    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    /// <summary>This node's Akka address, as seed lists name it.</summary>
    public string ClusterAddress => AddressFor(ClusterPort);

    /// <summary>The Akka address of a node on loopback with this remoting port.</summary>
    public static string AddressFor(int clusterPort) => $"akka.tcp://transcode@127.0.0.1:{clusterPort}";

    /// <summary>The id the worker registry gives this node's worker role: derived from its node address only.
    /// (The tests run the node as a black box, so the formula is restated here rather than referenced.)</summary>
    public string WorkerId =>
        "w-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes("akka:" + ClusterAddress)))[..12].ToLowerInvariant();

    /// <summary>The node to run: <c>TRANSCODE_E2E_NODE_DLL</c> when set, else the build baked into this assembly.</summary>
    public static string NodeDll { get; } =
        Environment.GetEnvironmentVariable("TRANSCODE_E2E_NODE_DLL") is { Length: > 0 } fromEnv
            ? Path.GetFullPath(fromEnv)
            : typeof(NodeProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                  .FirstOrDefault(a => a.Key == "NodeDll")?.Value
              ?? throw new InvalidOperationException("the test assembly carries no NodeDll metadata");

    private NodeProcess(IReadOnlyList<string> extraArgs, int? clusterPort)
    {
        _extraArgs = extraArgs;
        RootDir = Directory.CreateTempSubdirectory("akka-transcode-e2e-node-").FullName;
        DataDir = Directory.CreateDirectory(Path.Combine(RootDir, "data")).FullName;
        MediaRoot = Directory.CreateDirectory(Path.Combine(RootDir, "media")).FullName;
        LogPath = Path.Combine(RootDir, "node.log");
        _log = new StreamWriter(new FileStream(LogPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
            { AutoFlush = true };
        ClusterPort = clusterPort ?? FreePort();
        HttpPort = FreePort(); // never a port handed out before, so never the cluster port
        BaseUrl = new Uri($"http://127.0.0.1:{HttpPort}/");
        Client = new TranscodeClient(BaseUrl, ClientToken, () => LogTail());
    }

    /// <summary>Starts a node and waits until it is ready. <paramref name="prepareMedia"/> runs before the start,
    /// with the media root, to put sources in place. <paramref name="clusterPort"/> fixes the Akka remoting port
    /// (see <see cref="FreePorts"/>), so that seed lists can name nodes before they start.</summary>
    public static async Task<NodeProcess> StartAsync(IEnumerable<string>? extraArgs = null,
        Action<string>? prepareMedia = null, int? clusterPort = null, bool awaitReady = true)
    {
        var node = new NodeProcess(extraArgs?.ToList() ?? [], clusterPort);
        try
        {
            prepareMedia?.Invoke(node.MediaRoot);
            await node.LaunchAsync(awaitReady ? "readyz" : "healthz");
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts a node configured only by environment variables, as a deployment file would run it, and
    /// waits until it is ready. <paramref name="environmentFor"/> gets the node before it starts, for its free
    /// ports and its temporary directory (<see cref="RootDir"/>); the node's own <see cref="Client"/> carries the
    /// standard test token, which such a node does not know.</summary>
    public static async Task<NodeProcess> StartWithEnvironmentAsync(Func<NodeProcess, IReadOnlyDictionary<string, string>> environmentFor)
    {
        var node = new NodeProcess([], null);
        try
        {
            node._environment = environmentFor(node);
            await node.LaunchAsync();
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    private IEnumerable<string> Arguments() => _environment is not null ? _extraArgs :
    [
        $"--Transcode:Http:Url=http://127.0.0.1:{HttpPort}",
        "--Transcode:Cluster:Hostname=127.0.0.1",
        $"--Transcode:Cluster:Port={ClusterPort}",
        // No connection string: the SQLite file follows DataDir (to DataDir/transcode.db), as for an operator.
        "--Transcode:Storage:Provider=sqlite",
        $"--Transcode:DataDir={DataDir}",
        $"--Transcode:Auth:ClientTokens:0={ClientToken}",
        $"--Transcode:Auth:WorkerTokens:0={WorkerToken}",
        $"--Transcode:Auth:AdminTokens:0={AdminToken}",
        $"--Transcode:Media:Roots:0={MediaRoot}",
        // The suite starts a hundred-odd nodes; the warm-up would cost each 2 s of start-up and as much CPU, taken
        // from the tests running beside it. The shared node keeps it (WithWarmUp), so every run goes through it too.
        "--Transcode:WarmUp=false",
        .. _extraArgs,
    ];

    /// <param name="until">The endpoint that must answer 200: readyz, or healthz for a node expected not to be ready.</param>
    private async Task LaunchAsync(string until = "readyz")
    {
        if (_process is { HasExited: false }) throw new InvalidOperationException("node is already running");
        if (!File.Exists(NodeDll)) throw new FileNotFoundException($"the node is not built: {NodeDll} does not exist", NodeDll);
        _starts++;
        StartedAt = DateTime.UtcNow;
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RootDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(NodeDll);
        foreach (var a in Arguments()) psi.ArgumentList.Add(a);
        // Hermetic: no configuration leaks in from the environment the tests run in.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("Transcode__", StringComparison.OrdinalIgnoreCase)).ToList())
            psi.Environment.Remove(key);
        psi.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in _environment ?? new Dictionary<string, string>()) psi.Environment[key] = value;

        WriteLog($"===== start #{_starts}: dotnet {string.Join(' ', psi.ArgumentList)}");
        var p = new Process { StartInfo = psi, EnableRaisingEvents = true };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) WriteLog(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) WriteLog("[stderr] " + e.Data); };
        if (!p.Start()) throw new InvalidOperationException("could not start the node");
        p.StandardInput.Close();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _process = p;
        await WaitReadyAsync(p, until);
    }

    private async Task WaitReadyAsync(Process p, string until)
    {
        using var http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(5) };
        var sw = Stopwatch.StartNew();
        var last = "no answer yet";
        while (sw.Elapsed < ReadyTimeout)
        {
            if (p.HasExited)
            {
                // The process is gone but its last lines (the reason it gave) may still be in the pipe: WaitForExit()
                // without a timeout returns only once the redirected output has been read to its end.
                p.WaitForExit();
                throw new InvalidOperationException(
                    $"the node exited with code {p.ExitCode} before it was ready\n{LogTail()}");
            }
            try
            {
                using var r = await http.GetAsync(until);
                if (r.StatusCode == HttpStatusCode.OK)
                {
                    WriteLog($"===== {until} after {sw.Elapsed.TotalSeconds:0.0} s");
                    return;
                }
                last = $"HTTP {(int)r.StatusCode}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = e.Message;
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"the node was not ready within {ReadyTimeout.TotalSeconds} s (last: {last})\n{LogTail()}");
    }

    /// <summary>The id the master gives this node when it runs as an HTTP worker: derived from ip:port only.</summary>
    public string HttpWorkerId =>
        "w-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"http:127.0.0.1:{HttpPort}")))[..12].ToLowerInvariant();

    /// <summary>SIGSTOP: the process stays alive but silent (a hung worker, a network cut); <see cref="Resume"/> ends it.</summary>
    public void Pause()
    {
        WriteLog("===== SIGSTOP");
        if (SysKill(Pid, SigStop) != 0) throw new InvalidOperationException($"kill(SIGSTOP) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public void Resume()
    {
        WriteLog("===== SIGCONT");
        if (SysKill(Pid, SigCont) != 0) throw new InvalidOperationException($"kill(SIGCONT) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>SIGKILL the node and everything it started (ffmpeg included): a crash of the machine. With
    /// <paramref name="entireProcessTree"/> false only the node's own process dies, as when the runtime crashes: its
    /// ffmpeg processes live on as orphans until the node's next start stops them.</summary>
    public async Task KillAsync(bool entireProcessTree = true)
    {
        var p = _process ?? throw new InvalidOperationException("node was never started");
        if (p.HasExited) return;
        WriteLog(entireProcessTree ? "===== SIGKILL" : "===== SIGKILL (the node's process only)");
        p.Kill(entireProcessTree);
        await p.WaitForExitAsync();
    }

    /// <summary>SIGTERM the node and wait for it to exit on its own; returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        var p = _process ?? throw new InvalidOperationException("node was never started");
        if (p.HasExited) return p.ExitCode;
        WriteLog("===== SIGTERM");
        if (SysKill(p.Id, SigTerm) != 0)
            throw new InvalidOperationException($"kill(SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        using var cts = new CancellationTokenSource(StopTimeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
            throw new TimeoutException($"the node did not exit within {StopTimeout.TotalSeconds} s of SIGTERM\n{LogTail()}");
        }
        return p.ExitCode;
    }

    /// <summary>Waits for the node to exit on its own (after it was made to leave the cluster); its exit code, or
    /// null when it still runs after <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        var p = _process ?? throw new InvalidOperationException("node was never started");
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
            return p.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Starts the node again on the same data directory, media root and ports, and waits until it is ready.</summary>
    public async Task RestartAsync()
    {
        if (_process is { HasExited: false }) await StopAsync();
        await LaunchAsync();
    }

    /// <summary>A mark in the log; <see cref="LogSince"/> returns what the node wrote after it.</summary>
    public long LogMark()
    {
        lock (_logLock) return new FileInfo(LogPath).Length;
    }

    public string LogSince(long mark, int maxLines = 300)
    {
        string text;
        lock (_logLock)
        {
            using var fs = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            fs.Seek(Math.Min(mark, fs.Length), SeekOrigin.Begin);
            using var reader = new StreamReader(fs, Encoding.UTF8);
            text = reader.ReadToEnd();
        }
        var lines = text.Split('\n');
        return lines.Length <= maxLines
            ? text
            : $"... ({lines.Length - maxLines} earlier lines in {LogPath})\n" + string.Join('\n', lines[^maxLines..]);
    }

    /// <summary>The end of the node's log, for failure messages.</summary>
    public string LogTail(int maxLines = 150) => $"----- node log ({LogPath}) -----\n{LogSince(0, maxLines)}";

    private void WriteLog(string line)
    {
        lock (_logLock)
        {
            _log.WriteLine(line);
            _lines.Add((DateTime.UtcNow, line));
        }
    }

    /// <summary>The lines the node wrote at or after <paramref name="since"/> (UTC, the test's clock), each with the
    /// time the test read it: lines of several nodes can be put in one order.</summary>
    public IReadOnlyList<(DateTime At, string Line)> LinesSince(DateTime since)
    {
        lock (_logLock) return _lines.Where(l => l.At >= since).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        Client.Dispose();
        if (_process is { HasExited: false })
        {
            try { await StopAsync(); }
            catch (TimeoutException) { /* already killed by StopAsync; its log stays for inspection below */ }
        }
        _process?.Dispose();
        lock (_logLock) _log.Dispose();
        if (Environment.GetEnvironmentVariable("TRANSCODE_E2E_KEEP") != "1")
        {
            try { Directory.Delete(RootDir, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A straggling child may still hold a file; what is left is the OS's to clean.
            }
        }
    }

    /// <summary><paramref name="count"/> distinct free loopback ports, e.g. the cluster ports of nodes that list each
    /// other as seeds.</summary>
    public static int[] FreePorts(int count) => Enumerable.Range(0, count).Select(_ => FreePort()).ToArray();

    // Ports come from below the kernel's ephemeral range. A port that bind(0) hands out is free only for that
    // moment: it lies in the range the kernel also draws outgoing connections' source ports from, and a seed port is
    // named long before its node binds it (and again when a killed node restarts). A database or HTTP connection
    // opened in between took one such port in CI, and that node could not start. Below the range, only another
    // explicit bind can take a port, and this process hands each out once.
    private static readonly Lock PortLock = new();
    private static readonly (int Low, int High) PortRange = ReservablePortRange();
    private static int _nextPort = -1;

    /// <summary>A free loopback port, never the same one twice in this process.</summary>
    public static int FreePort()
    {
        var (low, high) = PortRange;
        lock (PortLock)
        {
            if (_nextPort < 0) _nextPort = low + Random.Shared.Next(high - low);
            for (var tried = 0; tried < high - low; tried++)
            {
                var port = _nextPort;
                _nextPort = port + 1 >= high ? low : port + 1;
                if (IsBindable(port)) return port;
            }
        }
        throw new InvalidOperationException($"no free loopback port in [{low}, {high})");
    }

    /// <summary>Ports outside the kernel's ephemeral range (procfs, Linux's default when unreadable): below it down
    /// to 10000, which keeps well-known services out of the way, or above it when that is the larger side.</summary>
    private static (int Low, int High) ReservablePortRange()
    {
        var (ephemeralLow, ephemeralHigh) = (32768, 60999);
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range")
                .Split((char[])[' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && int.TryParse(parts[0], out var low) && int.TryParse(parts[1], out var high))
                (ephemeralLow, ephemeralHigh) = (low, high);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        const int floor = 10000;
        var below = (Low: floor, High: ephemeralLow);
        var above = (Low: ephemeralHigh + 1, High: 65536);
        var best = below.High - below.Low >= above.High - above.Low ? below : above;
        return best.High - best.Low >= 1000 ? best
            : throw new InvalidOperationException(
                $"the ephemeral port range {ephemeralLow}-{ephemeralHigh} leaves no room for the tests' fixed ports; narrow it");
    }

    private static bool IsBindable(int port)
    {
        var l = new TcpListener(IPAddress.Loopback, port);
        try { l.Start(); return true; }
        catch (SocketException) { return false; }
        finally { l.Stop(); }
    }

    private const int SigTerm = 15;
    private const int SigStop = 19;
    private const int SigCont = 18;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int sig);
}
