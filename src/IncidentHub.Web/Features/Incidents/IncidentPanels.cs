using Microsoft.AspNetCore.Components;

namespace IncidentHub.Web.Features.Incidents;

/// <summary>Where on the incident page a feature's panel goes.</summary>
public enum IncidentPanelPlace
{
    /// <summary>In the header, under the phases (the responders' controls).</summary>
    Header,

    /// <summary>Under the header and phases, above the timeline (the diagnosis).</summary>
    AboveTimeline,

    /// <summary>Under the timeline and alerts (the post-mortem).</summary>
    BelowTimeline,
}

/// <summary>
/// A feature's panel on the incident page: a component with one parameter, <c>Incident</c> (an
/// <see cref="IncidentSummary"/>). The page renders what features register, so it depends on none of them.
/// </summary>
public sealed record IncidentPanel(Type Component, IncidentPanelPlace Place)
{
    public const string IncidentParameter = "Incident";
}

public static class IncidentPanelExtensions
{
    /// <summary>Panels show in the order their features were added.</summary>
    public static IServiceCollection AddIncidentPanel<TComponent>(this IServiceCollection services, IncidentPanelPlace place)
        where TComponent : IComponent =>
        services.AddSingleton(new IncidentPanel(typeof(TComponent), place));
}
