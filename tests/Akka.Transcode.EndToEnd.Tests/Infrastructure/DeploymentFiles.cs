using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Reads the deployment files of the repository (docker/, ops/k8s, ops/systemd) the way their tools would, as far
/// as that is possible without those tools: YAML with anchors and merge keys, compose's <c>${VAR}</c> interpolation,
/// env files, a Dockerfile's ENV lines.
/// </summary>
public static partial class DeploymentFiles
{
    /// <summary>The repository root: the directory above the test binaries that holds Akka.Transcode.sln.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string PathOf(string relative) => Path.Combine(RepoRoot, relative);

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Akka.Transcode.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Akka.Transcode.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>Every document of a YAML file as plain values: mappings are <c>Dictionary&lt;object, object&gt;</c>
    /// with string keys, sequences <c>List&lt;object&gt;</c>, scalars strings (untyped, as compose and kubectl
    /// see them before their own schemas apply). Merge keys (<c>&lt;&lt;: *anchor</c>) are resolved.</summary>
    public static IReadOnlyList<object?> LoadYaml(string text)
    {
        var deserializer = new DeserializerBuilder().Build();
        var parser = new MergingParser(new Parser(new StringReader(text)));
        parser.Consume<StreamStart>();
        var documents = new List<object?>();
        while (parser.Accept<DocumentStart>(out _)) documents.Add(deserializer.Deserialize<object?>(parser));
        return documents;
    }

    public static Dictionary<object, object> Map(object? node, string what) =>
        node as Dictionary<object, object> ?? throw new InvalidOperationException($"{what} is not a mapping: {node}");

    public static List<object> Seq(object? node, string what) =>
        node as List<object> ?? throw new InvalidOperationException($"{what} is not a sequence: {node}");

    public static string Str(object? node, string what) =>
        node as string ?? throw new InvalidOperationException($"{what} is not a scalar: {node}");

    /// <summary><c>map.a.b.c</c>, failing with the path when a step is missing.</summary>
    public static object Get(object? node, string path)
    {
        var current = node;
        var walked = "";
        foreach (var step in path.Split('.'))
        {
            walked = walked.Length == 0 ? step : walked + "." + step;
            if (current is not Dictionary<object, object> m || !m.TryGetValue(step, out current!))
                throw new InvalidOperationException($"{walked} is missing");
        }
        return current!;
    }

    public static object? TryGet(object? node, string key) =>
        node is Dictionary<object, object> m && m.TryGetValue(key, out var v) ? v : null;

    /// <summary>KEY=VALUE lines (an env file of compose or systemd); blank lines and # comments are skipped.</summary>
    public static Dictionary<string, string> ReadEnvFile(string path)
    {
        var vars = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var eq = line.IndexOf('=');
            if (eq <= 0) throw new InvalidOperationException($"{path}: not KEY=VALUE: {raw}");
            vars[line[..eq]] = line[(eq + 1)..];
        }
        return vars;
    }

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?<op>:?[-?])(?<arg>[^}]*))?\}")]
    private static partial Regex ComposeVariable();

    /// <summary>The names compose interpolates in <paramref name="text"/> (<c>${NAME}</c>, <c>${NAME:?message}</c>,
    /// <c>${NAME:-default}</c>).</summary>
    public static IReadOnlySet<string> ComposeVariables(string text) =>
        ComposeVariable().Matches(text).Select(m => m.Groups["name"].Value).ToHashSet();

    /// <summary>Compose's interpolation: a set variable, else the default after <c>:-</c>, else a failure (compose
    /// itself fails on <c>:?</c> and substitutes an empty string otherwise; either is a mistake here).</summary>
    public static string Interpolate(string text, IReadOnlyDictionary<string, string> vars) =>
        ComposeVariable().Replace(text, m =>
        {
            var name = m.Groups["name"].Value;
            if (vars.TryGetValue(name, out var v) && v.Length > 0) return v;
            if (m.Groups["op"].Value is ":-" or "-") return m.Groups["arg"].Value;
            throw new InvalidOperationException($"${{{name}}} is not set ({m.Groups["arg"].Value})");
        });

    /// <summary>The lines of a Dockerfile with continuations joined, comments dropped.</summary>
    public static IReadOnlyList<string> DockerfileInstructions(string path)
    {
        var result = new List<string>();
        var pending = "";
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (pending.Length == 0 && (line.Length == 0 || line.StartsWith('#'))) continue;
            if (line.EndsWith('\\'))
            {
                pending += line[..^1].TrimEnd() + " ";
                continue;
            }
            result.Add(pending + line);
            pending = "";
        }
        return result;
    }

    /// <summary>The instructions of the Dockerfile's last stage (the image that runs).</summary>
    public static IReadOnlyList<string> FinalStage(IReadOnlyList<string> instructions)
    {
        var last = instructions.Select((line, i) => (line, i)).Last(x => x.line.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase)).i;
        return instructions.Skip(last).ToList();
    }

    /// <summary>The environment the final stage's <c>ENV KEY=VALUE ...</c> instructions set (unquoted values only;
    /// anything else fails, so that a new form is not silently misread).</summary>
    public static Dictionary<string, string> DockerfileEnv(IReadOnlyList<string> finalStage)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in finalStage.Where(l => l.StartsWith("ENV ", StringComparison.OrdinalIgnoreCase)))
        {
            foreach (var pair in line[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=');
                if (eq <= 0 || pair.Contains('"') || pair.Contains('\'')) throw new InvalidOperationException($"unsupported ENV form: {line}");
                env[pair[..eq]] = pair[(eq + 1)..];
            }
        }
        return env;
    }
}
