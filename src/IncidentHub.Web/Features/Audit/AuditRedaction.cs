using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace IncidentHub.Web.Features.Audit;

/// <summary>
/// Turns a before/after value into JSON with every secret replaced by "[redacted]": properties whose name
/// says secret (password, secret, hash, key, a name ending in "token") and strings that look like one of our
/// tokens (ih_…, iht_…), wherever they sit, and the password of a URL (https://user:…@host). A safety net:
/// callers pass no secrets in the first place.
/// </summary>
public static partial class AuditRedaction
{
    public const string Redacted = "[redacted]";

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static JsonDocument? ToRedactedJson(object? value)
    {
        if (value is null)
        {
            return null;
        }

        var node = value as JsonNode ?? JsonSerializer.SerializeToNode(value, value.GetType(), Options);
        return node is null ? null : JsonDocument.Parse(Redact(node)?.ToJsonString() ?? "null");
    }

    public static bool IsSecretName(string name) => SecretName().IsMatch(name);

    private static JsonNode? Redact(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    obj[name] = IsSecretName(name) && child is not null ? JsonValue.Create(Redacted) : Redact(child?.DeepClone());
                }

                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    array[i] = Redact(array[i]?.DeepClone());
                }

                return array;
            case JsonValue v when v.TryGetValue<string>(out var text) && TokenLike().IsMatch(text):
                return JsonValue.Create(Redacted);
            case JsonValue v when v.TryGetValue<string>(out var text) && UrlPassword().IsMatch(text):
                return JsonValue.Create(UrlPassword().Replace(text, "$1:" + Redacted + "@"));
            default:
                return node;
        }
    }

    [GeneratedRegex("password|secret|hash|apikey|api_key|privatekey|private_key|credential|token$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretName();

    [GeneratedRegex(@"\biht?_[A-Za-z0-9_\-]{16,}")]
    private static partial Regex TokenLike();

    [GeneratedRegex(@"(://[^/@\s:]+):[^/@\s]+@")]
    private static partial Regex UrlPassword();
}
