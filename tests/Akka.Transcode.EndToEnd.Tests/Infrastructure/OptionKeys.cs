using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;

namespace Akka.Transcode.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The configuration keys the node binds, read by reflection from its own options type (TranscodeOptions in the
/// built Akka.Transcode.Node.dll), so that a key in a deployment file that binds to nothing (a typo, a renamed
/// option) is caught. The node itself ignores unknown keys, as ASP.NET Core configuration binding does.
/// </summary>
public static class OptionKeys
{
    private const string OptionsType = "Akka.Transcode.Node.Configuration.TranscodeOptions";

    /// <summary>Every settable leaf under Transcode: ("Transcode:Cluster:Seeds", ...) with its type.</summary>
    public static IReadOnlyDictionary<string, Type> Leaves { get; } = Load();

    /// <summary>The default value of every leaf that is not a list, as the node's options type sets it, in invariant
    /// text ("10000", "0.5", "True"; empty for null).</summary>
    public static IReadOnlyDictionary<string, string> Defaults { get; } = LoadDefaults();

    private static Dictionary<string, string> LoadDefaults()
    {
        var context = NodeContext("node-option-defaults");
        var assembly = context.LoadFromAssemblyPath(NodeProcess.NodeDll);
        var root = assembly.GetType(OptionsType) ?? throw new InvalidOperationException($"{OptionsType} is not in {NodeProcess.NodeDll}");
        var defaults = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        WalkValues(Activator.CreateInstance(root)!, "Transcode", defaults);
        return defaults;
    }

    /// <summary>A load context that finds the node's own dependencies beside it: the options' defaults come from the
    /// actors' settings and the domain records, which this test project does not reference.</summary>
    private static AssemblyLoadContext NodeContext(string name)
    {
        var context = new AssemblyLoadContext(name, isCollectible: true);
        var resolver = new AssemblyDependencyResolver(NodeProcess.NodeDll);
        context.Resolving += (c, assembly) => resolver.ResolveAssemblyToPath(assembly) is { } path ? c.LoadFromAssemblyPath(path) : null;
        return context;
    }

    private static void WalkValues(object options, string prefix, Dictionary<string, string> defaults)
    {
        foreach (var p in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true }))
        {
            var key = $"{prefix}:{p.Name}";
            var t = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
            var value = p.GetValue(options);
            if (t == typeof(string) || t.IsPrimitive || t == typeof(decimal))
                defaults[key] = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
            else if (t.IsClass && t.Assembly == options.GetType().Assembly && value is not null) WalkValues(value, key, defaults);
        }
    }

    private static Dictionary<string, Type> Load()
    {
        // A context of its own: only the options types are inspected, nothing of the node runs or is shared.
        var context = NodeContext("node-options");
        var assembly = context.LoadFromAssemblyPath(NodeProcess.NodeDll);
        var root = assembly.GetType(OptionsType) ?? throw new InvalidOperationException($"{OptionsType} is not in {NodeProcess.NodeDll}");
        var leaves = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase);
        Walk(root, "Transcode", leaves);
        return leaves;
    }

    private static void Walk(Type type, string prefix, Dictionary<string, Type> leaves)
    {
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true }))
        {
            var key = $"{prefix}:{p.Name}";
            var t = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
            if (t == typeof(string) || t.IsPrimitive || t == typeof(decimal) || IsStringList(t)) leaves[key] = t;
            else if (t.IsClass && t.Assembly == type.Assembly) Walk(t, key, leaves);
            // Transcode:Presets:<name>:<i>:<field>: keys named by the operator, checked by the node itself at start.
            else if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Dictionary<,>)) continue;
            else throw new InvalidOperationException($"{key}: {t} is neither a leaf nor an options class; teach OptionKeys about it");
        }
    }

    private static bool IsStringList(Type t) => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>) && t.GetGenericArguments()[0] == typeof(string);

    /// <summary>Transcode__Cluster__Seeds__0 → Transcode:Cluster:Seeds:0 (what ASP.NET Core's environment provider does).</summary>
    public static string FromEnvironmentName(string name) => name.Replace("__", ":", StringComparison.Ordinal);

    /// <summary>Whether an environment variable is configuration of the node (Transcode__..., in any case).</summary>
    public static bool IsTranscodeKey(string name) => name.StartsWith("Transcode__", StringComparison.OrdinalIgnoreCase);

    /// <summary>Null when <paramref name="envName"/> binds to an option and <paramref name="value"/> converts to its
    /// type (values still holding placeholders such as <c>$(POD_NAME)</c> are checked for the key only); otherwise
    /// what is wrong.</summary>
    public static string? Problem(string envName, string value)
    {
        var key = FromEnvironmentName(envName);
        if (!Leaves.TryGetValue(key, out var type))
        {
            // A list element: Transcode:Media:Roots:0.
            var colon = key.LastIndexOf(':');
            if (colon < 0 || !int.TryParse(key[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _)
                || !Leaves.TryGetValue(key[..colon], out var listType) || !IsStringList(listType))
                return $"{envName} binds to no option (known: {string.Join(", ", Leaves.Keys.Order())})";
            type = typeof(string);
        }
        var ok = type == typeof(int) ? int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
            : type == typeof(long) ? long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)
            : type == typeof(double) ? double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            : type == typeof(bool) ? bool.TryParse(value, out _)
            : true;
        return ok ? null : $"{envName}={value} is not a {type.Name}";
    }

    /// <summary>Every problem of an environment: Transcode keys that bind to nothing or carry values of the wrong
    /// type, and other variables that are not in <paramref name="alsoAllowed"/> and not the runtime's own
    /// (DOTNET_*, ASPNETCORE_*), which catches a misspelt prefix.</summary>
    public static IReadOnlyList<string> Problems(IReadOnlyDictionary<string, string> env, params string[] alsoAllowed) =>
        env.Select(kv => IsTranscodeKey(kv.Key) ? Problem(kv.Key, kv.Value)
                : alsoAllowed.Contains(kv.Key) || kv.Key.StartsWith("DOTNET_", StringComparison.Ordinal)
                  || kv.Key.StartsWith("ASPNETCORE_", StringComparison.Ordinal) ? null
                : $"{kv.Key} is not node configuration (Transcode__...)")
            .OfType<string>().ToList();
}
