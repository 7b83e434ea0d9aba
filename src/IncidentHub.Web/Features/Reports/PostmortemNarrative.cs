using System.Text.Json;
using IncidentHub.Web.Features.Incidents;

namespace IncidentHub.Web.Features.Reports;

/// <summary>One sentence a model wrote, with the evidence (obs-N) and timeline (tl-N) ids it cites; code checked that each exists.</summary>
public sealed record NarrativeLine(string Text, IReadOnlyList<string> Cites);

public sealed record NarrativeSection(string Name, IReadOnlyList<NarrativeLine> Sentences);

/// <summary>
/// The model-written sections of a post-mortem (summary, impact, what happened, lessons), shown beside the deterministic report
/// and marked as written by a model. Stored on the timeline entry that announces it (<see cref="DetailsKey"/>), so the page, the
/// PDF and the Markdown read the same text.
/// </summary>
public sealed record PostmortemNarrative(string Model, int Revision, IReadOnlyList<NarrativeSection> Sections, int Dropped)
{
    public const string DetailsKey = "postmortem.narrative";

    public static readonly string[] SectionNames = ["Summary", "Impact", "What happened", "Lessons"];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Serialize() => JsonSerializer.Serialize(this, Json);

    /// <summary>The newest narrative on the timeline, or null (none written, or unreadable).</summary>
    public static PostmortemNarrative? Newest(IEnumerable<TimelineEntry> timeline)
    {
        foreach (var entry in timeline.OrderByDescending(t => t.Id))
        {
            if (entry.Details.TryGetValue(DetailsKey, out var json))
            {
                try
                {
                    return JsonSerializer.Deserialize<PostmortemNarrative>(json, Json);
                }
                catch (JsonException)
                {
                    return null;
                }
            }
        }

        return null;
    }
}

/// <summary>
/// Writes the narrative of a post-mortem revision from the report's stored facts (the AI post-mortem writer, when a model is
/// configured). Never throws; on any failure the deterministic post-mortem stands. Without a model nothing is registered.
/// </summary>
public interface IPostmortemNarrator
{
    Task WriteAsync(PostmortemReport report, Guid incidentId, CancellationToken ct);
}

internal sealed class NoPostmortemNarrator : IPostmortemNarrator
{
    public Task WriteAsync(PostmortemReport report, Guid incidentId, CancellationToken ct) => Task.CompletedTask;
}
