using System.Text.RegularExpressions;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.DeploymentFiles;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure;

/// <summary>This repository's deployment files, read into what the tests check and run.</summary>
public static partial class Deployments
{
    public const string ComposePath = "docker/compose.yaml", DotEnvExamplePath = "docker/.env.example", DockerfilePath = "docker/Dockerfile";
    public const string KubernetesPath = "ops/k8s/akka-transcode.yaml";
    public const string SystemdUnitPath = "ops/systemd/akka-transcode.service", SystemdEnvPath = "ops/systemd/akka-transcode.env.example";

    // ---- Dockerfile ---------------------------------------------------------------------------------------------

    public static IReadOnlyList<string> DockerfileLines() => DockerfileInstructions(PathOf(DockerfilePath));

    /// <summary>What the image's own ENV gives every container.</summary>
    public static Dictionary<string, string> ImageEnvironment() => DockerfileEnv(FinalStage(DockerfileLines()));

    // ---- compose ------------------------------------------------------------------------------------------------

    public static string ComposeText() => File.ReadAllText(PathOf(ComposePath));

    /// <summary>The variables docker/.env.example defines, which compose would read from docker/.env.</summary>
    public static Dictionary<string, string> DotEnvExample() => ReadEnvFile(PathOf(DotEnvExamplePath));

    /// <summary>The compose services, interpolated with docker/.env.example's values.</summary>
    public static Dictionary<object, object> ComposeServices() =>
        Map(Get(LoadYaml(Interpolate(ComposeText(), DotEnvExample())).Single(), "services"), "services");

    /// <summary>A service's <c>environment</c> mapping (merge keys resolved).</summary>
    public static Dictionary<string, string> ComposeEnvironment(object service) =>
        Map(Get(service, "environment"), "environment").ToDictionary(kv => Str(kv.Key, "variable"), kv => Str(kv.Value, $"{kv.Key}"));

    /// <summary>What a container of the service sees: the image's ENV, overridden by the service's environment.</summary>
    public static Dictionary<string, string> ComposeContainerEnvironment(object service)
    {
        var env = ImageEnvironment();
        foreach (var (k, v) in ComposeEnvironment(service)) env[k] = v;
        return env;
    }

    // ---- Kubernetes ---------------------------------------------------------------------------------------------

    public static IReadOnlyList<Dictionary<object, object>> KubernetesDocuments() =>
        LoadYaml(File.ReadAllText(PathOf(KubernetesPath))).Select((d, i) => Map(d, $"document {i}")).ToList();

    public static Dictionary<object, object> KubeObject(IReadOnlyList<Dictionary<object, object>> docs, string kind, string? name = null) =>
        docs.Single(d => Str(d["kind"], "kind") == kind && (name is null || Str(Get(d, "metadata.name"), "name") == name));

    /// <summary>The StatefulSet's (only) container.</summary>
    public static Dictionary<object, object> NodeContainer(Dictionary<object, object> statefulSet) =>
        Map(Seq(Get(statefulSet, "spec.template.spec.containers"), "containers").Single(), "container");

    [GeneratedRegex(@"\$\((?<name>[A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex KubeReference();

    /// <summary>The container's environment as the kubelet would set it for pod <paramref name="podName"/>:
    /// metadata.name for a fieldRef, the Secret's value for a secretKeyRef, <c>$(VAR)</c> replaced by a variable
    /// defined earlier in the list. With <paramref name="podName"/> null, fieldRefs stay <c>$(NAME)</c> and
    /// references are not expanded (for checking keys and shapes).</summary>
    public static Dictionary<string, string> PodEnvironment(Dictionary<object, object> container, Dictionary<object, object> secret, string? podName)
    {
        var secretData = Map(Get(secret, "stringData"), "stringData");
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in Seq(Get(container, "env"), "env").Select(e => Map(e, "env entry")))
        {
            var name = Str(item["name"], "env name");
            string value;
            if (TryGet(item, "value") is { } literal) value = Str(literal, name);
            else if (TryGet(TryGet(item, "valueFrom"), "fieldRef") is { } field)
            {
                var path = Str(Get(field, "fieldPath"), $"{name} fieldPath");
                if (path != "metadata.name") throw new InvalidOperationException($"{name}: fieldRef {path} is not simulated");
                value = podName ?? $"$({name})";
            }
            else if (TryGet(TryGet(item, "valueFrom"), "secretKeyRef") is { } secretRef)
            {
                if (Str(Get(secretRef, "name"), "secret name") != Str(Get(secret, "metadata.name"), "secret"))
                    throw new InvalidOperationException($"{name} refers to another Secret");
                var key = Str(Get(secretRef, "key"), "secret key");
                value = Str(secretData.GetValueOrDefault(key) ?? throw new InvalidOperationException($"{name}: the Secret has no key {key}"), key);
            }
            else throw new InvalidOperationException($"{name}: neither value, fieldRef nor secretKeyRef");
            if (podName is not null)
                value = KubeReference().Replace(value, m => env.TryGetValue(m.Groups["name"].Value, out var v) ? v : m.Value);
            env[name] = value;
        }
        return env;
    }

    /// <summary>The preStop hook's command (exec form).</summary>
    public static IReadOnlyList<string> PreStopCommand(Dictionary<object, object> container) =>
        Seq(Get(container, "lifecycle.preStop.exec.command"), "preStop command").Select(c => Str(c, "command word")).ToList();

    // ---- systemd ------------------------------------------------------------------------------------------------

    /// <summary>A unit file: section → key → values (a key may repeat).</summary>
    public static Dictionary<string, Dictionary<string, List<string>>> SystemdUnit()
    {
        var sections = new Dictionary<string, Dictionary<string, List<string>>>(StringComparer.Ordinal);
        Dictionary<string, List<string>>? current = null;
        foreach (var raw in File.ReadAllLines(PathOf(SystemdUnitPath)))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith(';')) continue;
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                current = sections[line[1..^1]] = new Dictionary<string, List<string>>(StringComparer.Ordinal);
                continue;
            }
            var eq = line.IndexOf('=');
            if (current is null || eq <= 0) throw new InvalidOperationException($"{SystemdUnitPath}: unexpected line: {raw}");
            var key = line[..eq].Trim();
            if (!current.TryGetValue(key, out var values)) current[key] = values = [];
            values.Add(line[(eq + 1)..].Trim());
        }
        return sections;
    }

    // ---- shared -------------------------------------------------------------------------------------------------

    /// <summary>Seconds of "60s", "1m30s", "90" (compose durations; plain numbers as Kubernetes writes them).</summary>
    public static double Seconds(string duration)
    {
        if (double.TryParse(duration, System.Globalization.CultureInfo.InvariantCulture, out var plain)) return plain;
        var total = 0.0;
        foreach (Match m in Regex.Matches(duration, @"(\d+(?:\.\d+)?)(ms|h|m|s)"))
        {
            var n = double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            total += m.Groups[2].Value switch { "h" => n * 3600, "m" => n * 60, "s" => n, _ => n / 1000 };
        }
        return total;
    }

    /// <summary>A comma list as the node reads it.</summary>
    public static IReadOnlyList<string> List(string value) => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>akka.tcp://transcode@host:port → (host, port).</summary>
    public static (string Host, int Port) Seed(string address)
    {
        var uri = new Uri(address);
        Assert.Equal("akka.tcp", uri.Scheme);
        Assert.Equal("transcode", uri.UserInfo);
        return (uri.Host, uri.Port);
    }
}
