using Microsoft.Extensions.Configuration;

namespace Akka.Transcode.Node.Configuration;

/// <summary>Binds and checks <see cref="TranscodeOptions"/>, failing the start with a message that names the key.</summary>
public static class OptionsLoader
{
    public static TranscodeOptions Load(IConfiguration configuration)
    {
        var section = configuration.GetSection("Transcode");
        var options = new TranscodeOptions();
        section.Bind(options);
        // Binding appends list entries; read lists ourselves so "a,b" and :0/:1 forms both work.
        options.Cluster.Seeds = List(section.GetSection("Cluster:Seeds"));
        options.Auth.ClientTokens = List(section.GetSection("Auth:ClientTokens"));
        options.Auth.WorkerTokens = List(section.GetSection("Auth:WorkerTokens"));
        options.Auth.AdminTokens = List(section.GetSection("Auth:AdminTokens"));
        options.Media.Roots = List(section.GetSection("Media:Roots"));
        Validate(options);
        return options;
    }

    private static List<string> List(IConfigurationSection s)
    {
        if (!string.IsNullOrWhiteSpace(s.Value))
            return s.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        return s.GetChildren().Select(c => c.Value).Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!.Trim()).ToList();
    }

    private static void Validate(TranscodeOptions o)
    {
        var known = new HashSet<string> { "api", "master", "worker" };
        var unknown = o.RoleSet.Where(r => !known.Contains(r)).ToList();
        if (unknown.Count > 0 || o.RoleSet.Count == 0)
            throw new InvalidOperationException($"Transcode:Roles must be a comma list of api, master, worker (got '{o.Roles}')");
        if (o.Worker.Slots is < 1 or > 64)
            throw new InvalidOperationException("Transcode:Worker:Slots must be 1..64");
        if (o.Planning.MaxTaskSeconds is < 1 or > 86400)
            throw new InvalidOperationException("Transcode:Planning:MaxTaskSeconds must be 1..86400");
        if (o.Cluster.Port is < 0 or > 65535)
            throw new InvalidOperationException("Transcode:Cluster:Port must be 0..65535");
        if (o.Tasks.MaxAttempts < 1)
            throw new InvalidOperationException("Transcode:Tasks:MaxAttempts must be at least 1");
        if (!Uri.TryCreate(o.Http.Url, UriKind.Absolute, out _))
            throw new InvalidOperationException($"Transcode:Http:Url is not an absolute URL: '{o.Http.Url}'");
    }
}
