using Akka.Transcode.Domain.Network;
using Microsoft.Extensions.Configuration;

namespace Akka.Transcode.Node.Configuration;

/// <summary>Binds and checks <see cref="TranscodeOptions"/>, failing the start with a message that names the key.</summary>
public static class OptionsLoader
{
    public static TranscodeOptions Load(IConfiguration configuration)
    {
        var section = configuration.GetSection("Transcode");
        var options = new TranscodeOptions();
        // A misspelt key would otherwise be ignored in silence and its default used. (The binder's own
        // ErrorOnUnknownConfiguration also refuses the "a,b" form of lists, which the node accepts.)
        if (UnknownKeys(section, typeof(TranscodeOptions)).FirstOrDefault() is { } unknown)
            throw new InvalidOperationException($"{unknown}: unknown configuration key (see the README's configuration table)");
        section.Bind(options);
        // Binding appends list entries; read lists ourselves so "a,b" and :0/:1 forms both work.
        options.Cluster.Seeds = List(section.GetSection("Cluster:Seeds"));
        options.Auth.ClientTokens = List(section.GetSection("Auth:ClientTokens"));
        options.Auth.WorkerTokens = List(section.GetSection("Auth:WorkerTokens"));
        options.Auth.AdminTokens = List(section.GetSection("Auth:AdminTokens"));
        options.Media.Roots = List(section.GetSection("Media:Roots"));
        options.Jobs.CallbackAllowedNetworks = List(section.GetSection("Jobs:CallbackAllowedNetworks"));
        options.Worker.AllowedNetworks = List(section.GetSection("Worker:AllowedNetworks"));
        Validate(options);
        options.PresetCatalog = PresetCatalog.Build(section.GetSection("Presets"), options.Presets);
        ValidateTokens(options.Auth);
        if (!options.IsHttpWorker) ValidateCluster(options.Cluster);
        if (options.IsHttpWorker) ValidateHttpWorker(options, section["Roles"] is not null);
        return options;
    }

    private static List<string> List(IConfigurationSection s)
    {
        if (!string.IsNullOrWhiteSpace(s.Value))
            return s.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        return s.GetChildren().Select(c => c.Value).Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!.Trim()).ToList();
    }

    /// <summary>Tokens are the only credential of every call: a short one can be guessed over the network.</summary>
    public const int MinTokenLength = 16;

    private static void ValidateTokens(AuthOptions a)
    {
        foreach (var (key, list) in new[] { ("ClientTokens", a.ClientTokens), ("WorkerTokens", a.WorkerTokens), ("AdminTokens", a.AdminTokens) })
        {
            // Comma-separated entries are split again here, as TokenSet splits them; the token itself is never quoted.
            var tokens = list.SelectMany(t => t.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
            for (var i = 0; i < tokens.Count; i++)
                if (tokens[i].Length < MinTokenLength)
                    throw new InvalidOperationException($"Transcode:Auth:{key}: token {i + 1} of {tokens.Count} has {tokens[i].Length} characters; " +
                                                        $"tokens must have at least {MinTokenLength} (e.g. openssl rand -base64 32)");
        }
    }

    private static void ValidateHttpWorker(TranscodeOptions o, bool rolesGiven)
    {
        if (!Uri.TryCreate(o.Worker.MasterUrl, UriKind.Absolute, out var master) || master.Scheme is not ("http" or "https"))
            throw new InvalidOperationException($"Transcode:Worker:MasterUrl is not an absolute http(s) URL: '{o.Worker.MasterUrl}'");
        // Roles default to all three; only an explicit choice of more than the worker role contradicts MasterUrl.
        if (rolesGiven && o.RoleSet.Any(r => r != "worker"))
            throw new InvalidOperationException("Transcode:Worker:MasterUrl makes this node a worker outside the cluster: " +
                                                $"Transcode:Roles must be 'worker' (got '{o.Roles}')");
        if (o.Auth.WorkerTokens.Count == 0)
            throw new InvalidOperationException("Transcode:Auth:WorkerTokens is required with Transcode:Worker:MasterUrl: " +
                                                "the master's worker token, used in both directions");
        var host = o.Worker.AdvertiseHost ?? new Uri(o.Http.Url).Host;
        if (host is "0.0.0.0" or "[::]" or "::" or "*" or "+" or "")
            throw new InvalidOperationException($"Transcode:Http:Url listens on every address ({host}): set Transcode:Worker:AdvertiseHost " +
                                                "to the address the master should call this worker at");
    }

    private static void ValidateCluster(ClusterNodeOptions c)
    {
        // Akka would advertise the wildcard itself as this node's address, which no other node can reach.
        if (IsWildcard(c.Hostname) && string.IsNullOrWhiteSpace(c.PublicHostname))
            throw new InvalidOperationException($"Transcode:Cluster:Hostname listens on every address ({c.Hostname}): set " +
                                                "Transcode:Cluster:PublicHostname to the name other nodes reach this one at");
        if (c.PublicHostname is { } p && IsWildcard(p))
            throw new InvalidOperationException($"Transcode:Cluster:PublicHostname must name this node, not every address ('{p}')");
        // Remoting authenticates nobody: whoever reaches its port can join the cluster and send any actor anything.
        if (OpenRemotingHost(c) is { } open && !c.AllowInsecureRemoting)
            throw new InvalidOperationException($"Akka remoting would listen beyond loopback ({open}) without TLS: set " +
                "Transcode:Cluster:Tls:CertificatePath (and CertificatePassword), or Transcode:Cluster:AllowInsecureRemoting=true " +
                "if only the cluster's own nodes can reach Transcode:Cluster:Port");
    }

    /// <summary>The non-loopback host remoting listens on or advertises, when it does so without TLS; else null.</summary>
    public static string? OpenRemotingHost(ClusterNodeOptions c)
    {
        if (c.Tls.Enabled) return null;
        if (!IsLoopbackHost(c.Hostname)) return c.Hostname;
        return c.PublicHostname is { } p && !string.IsNullOrWhiteSpace(p) && !IsLoopbackHost(p) ? p : null;
    }

    private static bool IsLoopbackHost(string host) => host.Trim() is var h &&
        (h.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (System.Net.IPAddress.TryParse(h.Trim('[', ']'), out var ip) && System.Net.IPAddress.IsLoopback(ip)));

    private static bool IsWildcard(string host) => host.Trim() is "0.0.0.0" or "[::]" or "::" or "*" or "+" or "";

    private static void Validate(TranscodeOptions o)
    {
        var known = new HashSet<string> { "api", "master", "worker" };
        var unknown = o.RoleSet.Where(r => !known.Contains(r)).ToList();
        if (unknown.Count > 0 || o.RoleSet.Count == 0)
            throw new InvalidOperationException($"Transcode:Roles must be a comma list of api, master, worker (got '{o.Roles}')");
        if (o.Worker.Slots is < 1 or > 64)
            throw new InvalidOperationException("Transcode:Worker:Slots must be 1..64");
        foreach (var n in o.Worker.AllowedNetworks)
            if (NetworkList.Parse(n, singleAddresses: false) is null)
                throw new InvalidOperationException($"Transcode:Worker:AllowedNetworks: '{n}' is not a network in CIDR form (10.0.0.0/8, fd00::/8)");
        if (o.Worker.MaxWorkersPerAddress < 1 || o.Worker.MaxUploadBytes < 1)
            throw new InvalidOperationException("Transcode:Worker:MaxWorkersPerAddress and MaxUploadBytes must be at least 1");
        if (o.Planning.MaxTaskSeconds is < 1 or > 86400)
            throw new InvalidOperationException("Transcode:Planning:MaxTaskSeconds must be 1..86400");
        if (o.Cluster.Port is < 0 or > 65535)
            throw new InvalidOperationException("Transcode:Cluster:Port must be 0..65535");
        if (o.Tasks.MaxAttempts < 1)
            throw new InvalidOperationException("Transcode:Tasks:MaxAttempts must be at least 1");
        if (!(o.Tasks.RetryBackoffSeconds >= 0) || o.Tasks.WorkerBreakerFailures < 0 || !(o.Tasks.WorkerQuarantineSeconds >= 0))
            throw new InvalidOperationException("Transcode:Tasks:RetryBackoffSeconds, WorkerBreakerFailures and WorkerQuarantineSeconds must not be negative");
        if (!(o.Jobs.TimeoutSeconds >= 0) || o.Jobs.MaxQueued < 0)
            throw new InvalidOperationException("Transcode:Jobs:TimeoutSeconds and MaxQueued must not be negative");
        foreach (var seed in o.Cluster.Seeds) ValidateSeed(seed, o.Cluster.Tls.Enabled);
        if (!(o.Jobs.RetentionDays is >= 0 and <= 36500) || !(o.Jobs.RetentionSweepSeconds is >= 0.1 and <= 86400))
            throw new InvalidOperationException("Transcode:Jobs:RetentionDays must be 0..36500 and RetentionSweepSeconds 0.1..86400");
        if (o.Dashboard.MaxFeeds < 1 || o.Dashboard.MaxFeedsPerToken < 1)
            throw new InvalidOperationException("Transcode:Dashboard:MaxFeeds and MaxFeedsPerToken must be at least 1");
        if (o.Http.MaxConnections < 0 || o.Http.MaxUpgradedConnections < 0 || !(o.Http.RequestHeadersTimeoutSeconds > 0)
            || !(o.Http.KeepAliveTimeoutSeconds > 0) || o.Http.MaxRequestHeadersBytes < 1024)
            throw new InvalidOperationException("Transcode:Http:MaxConnections and MaxUpgradedConnections must not be negative, " +
                                                "RequestHeadersTimeoutSeconds and KeepAliveTimeoutSeconds must be positive, MaxRequestHeadersBytes at least 1024");
        if (o.Jobs.StartWindow < 1 || o.Jobs.StartWindowPerSlot < 0)
            throw new InvalidOperationException("Transcode:Jobs:StartWindow must be at least 1 and StartWindowPerSlot not negative");
        if (!(o.Jobs.IdlePassivationSeconds >= 1))
            throw new InvalidOperationException("Transcode:Jobs:IdlePassivationSeconds must be at least 1");
        foreach (var entry in o.Jobs.CallbackAllowedNetworks)
            if (NetworkList.Parse(entry, singleAddresses: true) is null)
                throw new InvalidOperationException($"Transcode:Jobs:CallbackAllowedNetworks: '{entry}' is not a network like 10.1.0.0/16 or fd12::/64");
        // The secret is all that tells a receiver the node's calls from forged ones: a short one is guessed.
        if (o.Jobs.CallbackSecret is { Length: > 0 and < 16 })
            throw new InvalidOperationException("Transcode:Jobs:CallbackSecret must be at least 16 characters");
        if (!(o.Media.ProbeTimeoutSeconds is >= 1 and <= 3600))
            throw new InvalidOperationException("Transcode:Media:ProbeTimeoutSeconds must be 1..3600");
        if (o.Worker.Executor.Trim().ToLowerInvariant() is not ("ffmpeg" or "instant"))
            throw new InvalidOperationException($"Transcode:Worker:Executor must be ffmpeg or instant (got '{o.Worker.Executor}')");
        if (o.Cluster.Tls.Enabled && !File.Exists(o.Cluster.Tls.CertificatePath))
            throw new InvalidOperationException($"Transcode:Cluster:Tls:CertificatePath: no such file '{o.Cluster.Tls.CertificatePath}'");
        if (!o.Logging.Format.Equals("text", StringComparison.OrdinalIgnoreCase) && !o.Logging.IsJson)
            throw new InvalidOperationException($"Transcode:Logging:Format must be text or json (got '{o.Logging.Format}')");
        if (!Uri.TryCreate(o.Http.Url, UriKind.Absolute, out _))
            throw new InvalidOperationException($"Transcode:Http:Url is not an absolute URL: '{o.Http.Url}'");
        // A postgres node without a connection string fails here, by name, not later inside the journal.
        if (o.UsesStorage) o.Storage.EffectiveConnectionString(o.DataDir);
    }

    // A seed the node cannot even address (another transport's protocol, another system's name) makes Akka's join
    // process crash and restart in a tight loop, writing a million log lines a minute: refuse it at start instead.
    private static void ValidateSeed(string seed, bool tls)
    {
        Akka.Actor.Address address;
        try { address = Akka.Actor.Address.Parse(seed); }
        catch (Exception) { throw new InvalidOperationException($"Transcode:Cluster:Seeds: '{seed}' is not an address like akka.tcp://transcode@host:4053"); }
        if (address.System != "transcode" || address.Host is null || address.Port is null)
            throw new InvalidOperationException($"Transcode:Cluster:Seeds: '{seed}' must name the system 'transcode' with a host and port (akka.tcp://transcode@host:4053)");
        if (address.Protocol == "akka.ssl.tcp" && !tls)
            throw new InvalidOperationException($"Transcode:Cluster:Seeds: '{seed}' is a TLS address, but this node has no Transcode:Cluster:Tls:CertificatePath");
        if (address.Protocol is not ("akka.tcp" or "akka.ssl.tcp"))
            throw new InvalidOperationException($"Transcode:Cluster:Seeds: '{seed}' has protocol '{address.Protocol}' (expected akka.tcp)");
    }

    /// <summary>Keys under <paramref name="section"/> that name no settable property of <paramref name="type"/>
    /// (case-insensitive, as the binder matches); list elements (:0, :1, ...) are not checked further.</summary>
    public static IEnumerable<string> UnknownKeys(IConfigurationSection section, Type type)
    {
        var properties = type.GetProperties().Where(p => p.CanWrite)
            .ToDictionary(p => p.Name, p => p.PropertyType, StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetChildren())
        {
            if (!properties.TryGetValue(child.Key, out var propertyType))
            {
                yield return child.Path;
                continue;
            }
            if (propertyType.IsClass && propertyType != typeof(string) && !typeof(System.Collections.IEnumerable).IsAssignableFrom(propertyType))
                foreach (var nested in UnknownKeys(child, propertyType)) yield return nested;
        }
    }
}
