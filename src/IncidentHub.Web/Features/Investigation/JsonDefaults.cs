using System.Text.Json;

namespace IncidentHub.Web.Features.Investigation;

/// <summary>Enums as names, camelCase: the same JSON in the database, the API and the UI.</summary>
public static class JsonDefaults
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };
}
