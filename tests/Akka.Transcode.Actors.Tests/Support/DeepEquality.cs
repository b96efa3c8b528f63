using System.Collections;
using System.Reflection;

namespace Akka.Transcode.Actors.Tests.Support;

/// <summary>
/// Structural comparison of message graphs: records holding lists do not compare by value, so this walks every
/// public instance property (derived ones too, which proves they are computed again after a round trip).
/// </summary>
public static class DeepEquality
{
    /// <returns>null when equal, else the path of the first difference.</returns>
    public static string? FirstDifference(object? expected, object? actual, string path = "$")
    {
        if (expected is null || actual is null)
            return expected is null && actual is null ? null : $"{path}: expected {Show(expected)}, got {Show(actual)}";
        var type = expected.GetType();
        // Collections compare by content: an array may come back as a List.
        if (expected is IEnumerable ee && actual is IEnumerable ae && expected is not string)
        {
            var el = ee.Cast<object?>().ToList();
            var al = ae.Cast<object?>().ToList();
            if (el.Count != al.Count) return $"{path}: expected {el.Count} items, got {al.Count}";
            for (var i = 0; i < el.Count; i++)
                if (FirstDifference(el[i], al[i], $"{path}[{i}]") is { } d) return d;
            return null;
        }
        if (type != actual.GetType()) return $"{path}: expected type {type.Name}, got {actual.GetType().Name}";
        if (IsLeaf(type))
        {
            if (expected is DateTimeOffset e && actual is DateTimeOffset a)
                return e == a && e.Offset == a.Offset ? null : $"{path}: expected {e:O}, got {a:O}";
            return Equals(expected, actual) ? null : $"{path}: expected {Show(expected)}, got {Show(actual)}";
        }
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetIndexParameters().Length > 0 || p.Name == "EqualityContract") continue;
            if (FirstDifference(p.GetValue(expected), p.GetValue(actual), $"{path}.{p.Name}") is { } d) return d;
        }
        return null;
    }

    private static bool IsLeaf(Type t) =>
        t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(DateTimeOffset)
        || t == typeof(DateTime) || t == typeof(TimeSpan) || t == typeof(Guid);

    private static string Show(object? o) => o switch
    {
        null => "null",
        string s => $"\"{s}\"",
        _ => o.ToString() ?? "?",
    };
}
