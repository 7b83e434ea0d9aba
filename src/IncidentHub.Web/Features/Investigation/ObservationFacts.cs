using System.Text.Json;

namespace IncidentHub.Web.Features.Investigation;

/// <summary>
/// Reads an observation's JSON as contract records. A connector may store one fact per
/// observation or a list of them; both read as a list here, and data of another shape reads as
/// nothing rather than failing the page or the recall that looks at it.
/// </summary>
public static class ObservationFacts
{
    public static IReadOnlyList<T> ReadMany<T>(string data)
        where T : class
    {
        try
        {
            using var doc = JsonDocument.Parse(data);
            return doc.RootElement.ValueKind switch
            {
                JsonValueKind.Array => doc.RootElement.EnumerateArray().Select(Read<T>).OfType<T>().ToList(),
                JsonValueKind.Object => Read<T>(doc.RootElement) is { } one ? [one] : [],
                _ => [],
            };
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>A string property by (camelCase) name, at the top level or in the first list element.</summary>
    public static string? ReadString(string data, params string[] names)
    {
        try
        {
            using var doc = JsonDocument.Parse(data);
            var root = doc.RootElement.ValueKind == JsonValueKind.Array && doc.RootElement.GetArrayLength() > 0 ? doc.RootElement[0] : doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return root.ValueKind == JsonValueKind.String ? root.GetString() : null;
            }

            foreach (var name in names)
            {
                foreach (var property in root.EnumerateObject())
                {
                    if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.String)
                    {
                        return property.Value.GetString();
                    }
                }
            }

            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static string Pretty(string data)
    {
        try
        {
            using var doc = JsonDocument.Parse(data);
            return JsonSerializer.Serialize(doc.RootElement, Indented);
        }
        catch (JsonException)
        {
            return data;
        }
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static T? Read<T>(JsonElement element)
        where T : class
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        try
        {
            return element.Deserialize<T>(JsonDefaults.Options);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }
}
