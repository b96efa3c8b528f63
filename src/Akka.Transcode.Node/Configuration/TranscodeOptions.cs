using Akka.Transcode.Actors;
using Akka.Transcode.Domain.Planning;
using Akka.Transcode.Domain.Tasks;
using Akka.Transcode.Media.Probing;
using Akka.Transcode.Media.Transfer;

namespace Akka.Transcode.Node.Configuration;

/// <summary>
/// Everything under Transcode:* (PROTOCOL.md's table, plus DataDir and Tasks). Lists may be given as a
/// comma-separated string (handy in environment variables) or as :0, :1 ... entries. A key that tunes the actors,
/// the planner or the worker takes its default from the one place that defines it (<see cref="TranscodeSettings"/>
/// and the records it starts from), so a default is changed in one place; the README's table must say the same.
/// </summary>
public sealed class TranscodeOptions
{
    public string Roles { get; set; } = "api,master,worker";
    public HttpOptions Http { get; set; } = new();
    public ClusterNodeOptions Cluster { get; set; } = new();
    public StorageOptions Storage { get; set; } = new();
    public AuthOptions Auth { get; set; } = new();
    public MediaOptions Media { get; set; } = new();
    public WorkerOptions Worker { get; set; } = new();
    public TaskPlanningOptions Planning { get; set; } = new();
    public TaskOptions Tasks { get; set; } = new();
    public JobOptions Jobs { get; set; } = new();
    public LoggingOptions Logging { get; set; } = new();
    public MetricsOptions Metrics { get; set; } = new();
    public DashboardOptions Dashboard { get; set; } = new();
    /// <summary>Where the node keeps tokens.json and its ffmpeg pid files.</summary>
    public string DataDir { get; set; } = "data";
    /// <summary>Whether the node runs a job's paths once before it says it is ready (<c>Startup/WarmUp</c>). Off, it is
    /// ready about 1.5 s sooner and the first job pays that CPU: for rigs that start many short-lived nodes.</summary>
    public bool WarmUp { get; set; } = true;
    /// <summary>Named <c>outputs</c> lists add_job may name instead of spelling them out (Transcode:Presets:&lt;name&gt;:&lt;i&gt;:&lt;field&gt;).</summary>
    public Dictionary<string, List<OutputEntryOptions>> Presets { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The built-in presets and <see cref="Presets"/>, checked like a request's outputs (set by <see cref="OptionsLoader"/>).</summary>
    internal Protocol.Requests.OutputPresets PresetCatalog { get; set; } = Protocol.Requests.OutputPresets.BuiltIn;

    public IReadOnlySet<string> RoleSet => Roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(r => r.ToLowerInvariant()).ToHashSet();

    public bool Has(string role) => RoleSet.Contains(role);

    /// <summary>Masters keep the journal and job list, api nodes read the job list; a worker-only node needs no database.</summary>
    public bool UsesStorage => !IsHttpWorker && (Has("master") || Has("api"));

    /// <summary>A worker outside the cluster: no actor cluster, no database, only the HTTP worker protocol.</summary>
    public bool IsHttpWorker => !string.IsNullOrWhiteSpace(Worker.MasterUrl);

    /// <summary>The actors' defaults, which the options below start from.</summary>
    internal static readonly TranscodeSettings Defaults = new();
}

public sealed class HttpOptions
{
    public string Url { get; set; } = "http://127.0.0.1:8080";
    /// <summary>Bodies above this are refused with 413 before they are read.</summary>
    public long MaxBodyBytes { get; set; } = 1024 * 1024;
    /// <summary>Kestrel's bound on open connections (dashboard feeds included); 0: no limit.</summary>
    public long MaxConnections { get; set; } = 1000;
    /// <summary>Kestrel's bound on connections upgraded to another protocol (none are used today); 0: no limit.</summary>
    public long MaxUpgradedConnections { get; set; } = 100;
    /// <summary>A client that has not sent its whole request head this long after connecting is cut off (slowloris).</summary>
    public double RequestHeadersTimeoutSeconds { get; set; } = 10;
    /// <summary>An idle kept-alive connection is closed after this long.</summary>
    public double KeepAliveTimeoutSeconds { get; set; } = 60;
    /// <summary>Kestrel's bound on the size of a request's headers (the request line and every header).</summary>
    public int MaxRequestHeadersBytes { get; set; } = 32 * 1024;
}

/// <summary>Bounds on the live feeds (<c>/dashboard/events</c>) one api node holds open.</summary>
public sealed class DashboardOptions
{
    /// <summary>Open feeds of this node, all tokens together; more are refused with -10 until one closes.</summary>
    public int MaxFeeds { get; set; } = 200;
    /// <summary>Open feeds of this node under one token.</summary>
    public int MaxFeedsPerToken { get; set; } = 20;
}

/// <summary>This node's place in the Akka cluster (Transcode:Cluster): its remoting address, seeds and TLS. Not
/// Akka.Cluster.Hosting's ClusterOptions, which ClusterWiring fills from it.</summary>
public sealed class ClusterNodeOptions
{
    /// <summary>The address remoting listens on: one of this machine's, or 0.0.0.0 for all (then set PublicHostname).</summary>
    public string Hostname { get; set; } = "127.0.0.1";
    /// <summary>The name other nodes reach this one at, carried in its cluster address; by default Hostname. In
    /// containers the node listens on 0.0.0.0 and advertises its service or pod DNS name, which it cannot bind to
    /// (a pod's name resolves only once the pod is published).</summary>
    public string? PublicHostname { get; set; }
    public int Port { get; set; } = 4053;
    /// <summary>Empty: the node is its own seed (a single-node cluster, or the first node of one).</summary>
    public List<string> Seeds { get; set; } = [];
    public TlsOptions Tls { get; set; } = new();
    /// <summary>Lets a node whose remoting is reachable beyond loopback start without TLS (a network only the
    /// cluster's nodes reach); it then warns at every start.</summary>
    public bool AllowInsecureRemoting { get; set; }
}

/// <summary>TLS for Akka remoting: off unless a certificate is given. Every node of a cluster must use it alike.</summary>
public sealed class TlsOptions
{
    /// <summary>A PKCS#12 (.pfx/.p12) file with this node's certificate and private key.</summary>
    public string? CertificatePath { get; set; }
    public string? CertificatePassword { get; set; }
    /// <summary>Accept peer certificates that do not chain to a trusted root (self-signed test certificates only).</summary>
    public bool SuppressValidation { get; set; }
    /// <summary>Both sides present certificates (mutual TLS); on by default, as in Akka.Remote.</summary>
    public bool RequireMutualAuthentication { get; set; } = true;
    public bool Enabled => !string.IsNullOrWhiteSpace(CertificatePath);
}

public sealed class StorageOptions
{
    public string Provider { get; set; } = "sqlite";
    /// <summary>Unset: SQLite keeps its file in the node's data directory, so <c>DataDir</c> alone moves all of a
    /// node's state; PostgreSQL has no such default.</summary>
    public string? ConnectionString { get; set; }

    public string EffectiveConnectionString(string dataDir) =>
        !string.IsNullOrWhiteSpace(ConnectionString) ? ConnectionString
        : Provider.Equals("sqlite", StringComparison.OrdinalIgnoreCase) ? $"Data Source={Path.Combine(dataDir, "transcode.db")}"
        : throw new InvalidOperationException($"Transcode:Storage:ConnectionString is required with Transcode:Storage:Provider={Provider}");
}

public sealed class AuthOptions
{
    public List<string> ClientTokens { get; set; } = [];
    public List<string> WorkerTokens { get; set; } = [];
    public List<string> AdminTokens { get; set; } = [];
}

public sealed class MediaOptions
{
    public List<string> Roots { get; set; } = [];
    public IReadOnlyList<string> EffectiveRoots => Roots.Count > 0 ? Roots : ["media"];
    /// <summary>How long one ffprobe run (a source's probe, a key-frame lookup) may take before it is stopped.</summary>
    public double ProbeTimeoutSeconds { get; set; } = MediaProber.DefaultTimeout.TotalSeconds;
}

public sealed class WorkerOptions
{
    public int Slots { get; set; } = 1;
    public string? FfmpegPath { get; set; }
    /// <summary>Set: this node is a worker outside the cluster that uses the HTTP worker protocol against that master.</summary>
    public string? MasterUrl { get; set; }
    /// <summary>HTTP workers: the host the master calls back (register_worker's ip); by default Http:Url's host.</summary>
    public string? AdvertiseHost { get; set; }
    /// <summary>HTTP workers without shared storage keep fetched sources up to this many bytes for later chunks.</summary>
    public long CacheMaxBytes { get; set; } = StagingOptions.DefaultCacheMaxBytes;
    /// <summary>ffmpeg -threads per task; 0 = one slot uses every core, otherwise cores divided by slots.</summary>
    public int ThreadsPerTask { get; set; }
    /// <summary><c>ffmpeg</c> (real work) or <c>instant</c>: tasks complete at once with a copy of their input, for
    /// soak tests and control-plane benchmarks only.</summary>
    public string Executor { get; set; } = "ffmpeg";
    public bool InstantExecutor => string.Equals(Executor.Trim(), "instant", StringComparison.OrdinalIgnoreCase);
    /// <summary>Masters: networks (CIDR) an HTTP worker may register an ip in without calling from that ip; loopback,
    /// link-local and metadata addresses are refused unless listed here.</summary>
    public List<string> AllowedNetworks { get; set; } = [];
    /// <summary>Masters: how many HTTP workers may be registered under one ip at once.</summary>
    public int MaxWorkersPerAddress { get; set; } = TranscodeOptions.Defaults.MaxHttpWorkersPerAddress;
    /// <summary>Masters: the largest output an HTTP worker may send back with PUT /master/files.</summary>
    public long MaxUploadBytes { get; set; } = 64L << 30;
}

/// <summary>Transcode:Planning: what the planner (Domain's <see cref="PlanningOptions"/>) takes from configuration.</summary>
public sealed class TaskPlanningOptions
{
    public double MaxTaskSeconds { get; set; } = PlanningOptions.DefaultMaxTaskSeconds;
}

public sealed class LoggingOptions
{
    /// <summary>"text" (the console's readable form) or "json" (one JSON object per line, with scopes and properties).</summary>
    public string Format { get; set; } = "text";

    public bool IsJson => string.Equals(Format, "json", StringComparison.OrdinalIgnoreCase);
}

public sealed class MetricsOptions
{
    /// <summary>/metrics answers only callers with an admin token (as ?token= or Authorization: Bearer).</summary>
    public bool RequireToken { get; set; }
}

public sealed class TaskOptions
{
    public int MaxAttempts { get; set; } = TaskPolicy.DefaultMaxAttempts;
    public double AttemptSilenceSeconds { get; set; } = TranscodeOptions.Defaults.AttemptSilenceTimeout.TotalSeconds;
    public double WorkerTimeoutSeconds { get; set; } = TranscodeOptions.Defaults.WorkerTimeout.TotalSeconds;
    /// <summary>Wait before the first retry of a failed attempt; doubles with each further failure.</summary>
    public double RetryBackoffSeconds { get; set; } = TranscodeOptions.Defaults.BaseRetryBackoff.TotalSeconds;
    /// <summary>Failed attempts in a row (not the source's fault) that take a worker out of rotation; 0: never.</summary>
    public int WorkerBreakerFailures { get; set; } = TranscodeOptions.Defaults.WorkerBreakerFailures;
    public double WorkerQuarantineSeconds { get; set; } = TranscodeOptions.Defaults.WorkerQuarantine.TotalSeconds;
}

public sealed class JobOptions
{
    /// <summary>An ended job (and an idle task its job no longer waits for) is dropped from memory this long after
    /// its last message; it is read back from the journal when asked for again.</summary>
    public double IdlePassivationSeconds { get; set; } = TranscodeOptions.Defaults.IdlePassivation.TotalSeconds;
    /// <summary>A job not ended this long after it was accepted fails (its tasks are stopped); 0: no limit. A job's
    /// own timeout_seconds overrides it.</summary>
    public double TimeoutSeconds { get; set; }
    /// <summary>add_job answers -10 while this many jobs are unfinished (INIT, READY, INPROGRESS); 0: no limit.
    /// Finite by default, so a client in a loop cannot grow the queue table (and the journal) without end.</summary>
    public int MaxQueued { get; set; } = 10_000;
    /// <summary>Ended jobs (completed, failed, cancelled) this many days after their last change leave the job list
    /// and the journal, with their tasks; 0: kept forever. Fractions are allowed (tests use seconds' worth).</summary>
    public double RetentionDays { get; set; } = TranscodeOptions.Defaults.Retention.Retention.TotalDays;
    /// <summary>How often the masters look for ended jobs past <see cref="RetentionDays"/>.</summary>
    public double RetentionSweepSeconds { get; set; } = TranscodeOptions.Defaults.Retention.Interval.TotalSeconds;
    /// <summary>Accepted jobs run at most this many at once, or <see cref="StartWindowPerSlot"/> per worker slot of
    /// the cluster when that is more; the rest wait in the queue (highest priority, then oldest, first).</summary>
    public int StartWindow { get; set; } = TranscodeOptions.Defaults.Starter.MinWindow;
    public int StartWindowPerSlot { get; set; } = TranscodeOptions.Defaults.Starter.WindowPerSlot;
    /// <summary>Networks (CIDR, or single addresses) a callback_url may reach although they are loopback, private,
    /// link-local, multicast or metadata addresses, which are refused otherwise.</summary>
    public List<string> CallbackAllowedNetworks { get; set; } = [];
    /// <summary>The key of every callback's HMAC-SHA256 signature; unset, add_job refuses callback_url (no callback
    /// goes out unsigned). Every api and master node needs the same one.</summary>
    public string? CallbackSecret { get; set; }
}
