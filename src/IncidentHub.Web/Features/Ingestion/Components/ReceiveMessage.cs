using System.Diagnostics;

namespace IncidentHub.Web.Features.Ingestion.Components;

/// <summary>What the Integrations page says about a test alert or a replay: text, colour, and the incident it opened.</summary>
public sealed record ReceiveMessage(string Text, MudBlazor.Severity Severity, int? Incident)
{
    public static ReceiveMessage Describe(ReceiveResult result, string what) => result switch
    {
        ReceiveResult.Accepted { Incidents.Count: > 0 } a => new($"{what} accepted as raw event #{a.EventId} and applied.", MudBlazor.Severity.Success, a.Incidents[0].Number),
        ReceiveResult.Accepted a => new($"{what} accepted as raw event #{a.EventId}{(a.Applied ? "; it opened no incident." : "; still being applied.")}", MudBlazor.Severity.Info, null),
        ReceiveResult.Rejected r => new($"{what} refused (HTTP {r.Status}): {r.Error}", MudBlazor.Severity.Error, null),
        _ => throw new UnreachableException($"Unknown receive result {result.GetType().Name}"),
    };
}
