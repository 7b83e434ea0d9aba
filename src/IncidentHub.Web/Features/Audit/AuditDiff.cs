using System.Text.Json;

namespace IncidentHub.Web.Features.Audit;

/// <summary>One line of a compact before/after diff: a JSON path with its old and new value (null when absent).</summary>
public sealed record AuditChange(string Path, string? Before, string? After);

/// <summary>
/// Flattens before and after to paths ("rules.groupBy[0]") and keeps only the paths whose value differs;
/// empty values (null, [], {}) count as absent, so a creation lists only what was set.
/// </summary>
public static class AuditDiff
{
    public static IReadOnlyList<AuditChange> Changes(JsonElement? before, JsonElement? after)
    {
        var old = Flatten(before);
        var @new = Flatten(after);
        return old.Keys.Union(@new.Keys)
            .Where(path => old.GetValueOrDefault(path) != @new.GetValueOrDefault(path))
            .Select(path => new AuditChange(path, old.GetValueOrDefault(path), @new.GetValueOrDefault(path)))
            .ToList();
    }

    private static Dictionary<string, string> Flatten(JsonElement? root)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root is { } element)
        {
            Walk(element, "", result);
        }

        return result;
    }

    private static void Walk(JsonElement element, string path, Dictionary<string, string> result)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object when element.EnumerateObject().Any():
                foreach (var property in element.EnumerateObject())
                {
                    Walk(property.Value, path.Length == 0 ? property.Name : $"{path}.{property.Name}", result);
                }

                break;
            case JsonValueKind.Array when element.GetArrayLength() > 0 && element.EnumerateArray().All(e => e.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array)):
                result[path] = string.Join(", ", element.EnumerateArray().Select(Scalar));
                break;
            case JsonValueKind.Array when element.GetArrayLength() > 0:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, $"{path}[{i++}]", result);
                }

                break;
            case JsonValueKind.Null or JsonValueKind.Array or JsonValueKind.Object:
                break;
            default:
                result[path.Length == 0 ? "value" : path] = Scalar(element);
                break;
        }
    }

    private static string Scalar(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString() ?? "",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "[]",
        JsonValueKind.Object => "{}",
        _ => e.GetRawText(),
    };
}
