using Npgsql;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Turns the environment a deployment file gives a node inside its container into one that runs on this machine,
/// changing only what cannot exist here. The rules, and nothing else:
/// <list type="number">
/// <item>Transcode__Http__Url: the port becomes the node's free HTTP port; the host (0.0.0.0) stays, so the node
/// really listens on every address as in the container.</item>
/// <item>Transcode__Cluster__Port: the node's free remoting port.</item>
/// <item>Transcode__Cluster__PublicHostname (a service or pod DNS name): 127.0.0.1.</item>
/// <item>Transcode__Cluster__Seeds: every host becomes 127.0.0.1; the node's own seed (the one naming its public
/// host name) gets its remoting port, every other seed a free port where nothing listens (those nodes do not
/// run here).</item>
/// <item>Transcode__Storage__ConnectionString: Host, Port, Username, Password and Database become those of a fresh
/// database on the test PostgreSQL (TRANSCODE_TEST_PG); every other keyword stays.</item>
/// <item>Transcode__Media__Roots, Transcode__DataDir (absolute container paths): the same paths under the node's
/// temporary directory.</item>
/// </list>
/// Every other variable, tokens and roles included, is passed as it is.
/// </summary>
public static class ContainerEnvironment
{
    public static IReadOnlyDictionary<string, string> ForThisMachine(IReadOnlyDictionary<string, string> container, NodeProcess node,
        string? testDatabase)
    {
        var env = new Dictionary<string, string>(container, StringComparer.Ordinal);
        var publicHost = container.GetValueOrDefault("Transcode__Cluster__PublicHostname");

        Rewrite(env, "Transcode__Http__Url", url => new UriBuilder(url) { Port = node.HttpPort }.Uri.ToString().TrimEnd('/'));
        Rewrite(env, "Transcode__Cluster__Port", _ => node.ClusterPort.ToString());
        Rewrite(env, "Transcode__Cluster__PublicHostname", _ => "127.0.0.1");
        Rewrite(env, "Transcode__Cluster__Seeds", seeds => string.Join(',', seeds.Split(',', StringSplitOptions.TrimEntries).Select(seed =>
        {
            var uri = new Uri(seed);
            var port = uri.Host == publicHost ? node.ClusterPort : NodeProcess.FreePorts(1)[0];
            return $"{uri.Scheme}://{uri.UserInfo}@127.0.0.1:{port}";
        })));
        Rewrite(env, "Transcode__Storage__ConnectionString", cs =>
        {
            var test = new NpgsqlConnectionStringBuilder(testDatabase ?? throw new InvalidOperationException("the file names a database; pass one"));
            return new NpgsqlConnectionStringBuilder(cs)
            {
                Host = test.Host, Port = test.Port, Username = test.Username, Password = test.Password, Database = test.Database,
            }.ConnectionString;
        });
        Rewrite(env, "Transcode__Media__Roots", roots => string.Join(',', roots.Split(',', StringSplitOptions.TrimEntries).Select(r => Under(node, r))));
        Rewrite(env, "Transcode__DataDir", dir => Under(node, dir));
        return env;
    }

    private static void Rewrite(Dictionary<string, string> env, string key, Func<string, string> rule)
    {
        if (env.TryGetValue(key, out var value)) env[key] = rule(value);
    }

    private static string Under(NodeProcess node, string containerPath)
    {
        if (!Path.IsPathRooted(containerPath)) throw new InvalidOperationException($"expected an absolute container path: {containerPath}");
        return Path.Combine(node.RootDir, "container", containerPath.TrimStart('/'));
    }
}
