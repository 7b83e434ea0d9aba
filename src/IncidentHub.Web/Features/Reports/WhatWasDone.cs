using System.Globalization;
using IncidentHub.Web.Features.Incidents;

namespace IncidentHub.Web.Features.Reports;

/// <summary>
/// The post-mortem's "What was done": one row per plan action, built only from the timeline entries remediation
/// wrote about it (kinds Approval, Action, Verification, keyed by <see cref="ActionDetailKeys.Action"/>), so that
/// Reports needs nothing from Remediation. In time order of each action's first entry.
/// </summary>
public static class WhatWasDone
{
    public static IReadOnlyList<ActionRow> FromTimeline(IEnumerable<TimelineEntry> timeline) =>
        timeline
            .Where(t => t.Kind is TimelineKind.Approval or TimelineKind.Action or TimelineKind.Verification)
            .Where(t => t.Details.GetValueOrDefault(ActionDetailKeys.Action) is { Length: > 0 })
            .GroupBy(t => t.Details[ActionDetailKeys.Action])
            .Select(g => Row(g.OrderBy(t => t.At).ThenBy(t => t.Id).ToList()))
            .OrderBy(r => r.At)
            .ToList();

    private static ActionRow Row(List<TimelineEntry> entries)
    {
        string? Last(IEnumerable<TimelineEntry> from, string key) =>
            from.Select(e => e.Details.GetValueOrDefault(key)).LastOrDefault(v => !string.IsNullOrEmpty(v));

        var tool = Last(entries, ActionDetailKeys.Tool) ?? "";
        var title = Last(entries, ActionDetailKeys.Title) ?? tool;
        var tier = Last(entries, ActionDetailKeys.Tier) ?? "";

        var decided = entries.LastOrDefault(e => e.Kind == TimelineKind.Approval);
        var decidedState = decided?.Details.GetValueOrDefault(ActionDetailKeys.State);
        string decision;
        DateTimeOffset? decidedAt;
        if (decided is not null && decidedState == "rejected")
        {
            decision = $"rejected by {decided.Actor}: {decided.Details.GetValueOrDefault(ActionDetailKeys.RejectReason) ?? "no reason recorded"}";
            decidedAt = decided.At;
        }
        else if (decided is not null && decidedState == "expired")
        {
            decision = "expired: nobody decided in time";
            decidedAt = decided.At;
        }
        else
        {
            var by = Last(entries, ActionDetailKeys.ApprovedBy) ?? decided?.Actor;
            decidedAt = Time(Last(entries, ActionDetailKeys.ApprovedAt)) ?? decided?.At;
            decision = by switch
            {
                null => "decision not recorded",
                ActionDetailKeys.Policy => "policy (ran automatically)",
                _ => $"approved by {by}",
            };
        }

        var runs = entries.Where(e => e.Kind == TimelineKind.Action).ToList();
        var lastRun = runs.LastOrDefault();
        var state = lastRun?.Details.GetValueOrDefault(ActionDetailKeys.State);
        var result = lastRun is null
            ? null
            : Last([lastRun], ActionDetailKeys.Result) is { } said ? $"{state}: {said}" : state ?? "ran, no result recorded";
        var startedAt = Time(Last(runs, ActionDetailKeys.StartedAt)) ?? runs.FirstOrDefault(r => r.Details.GetValueOrDefault(ActionDetailKeys.State) == "running")?.At;
        var finishedAt = Time(Last(runs, ActionDetailKeys.FinishedAt));

        var check = entries.LastOrDefault(e => e.Kind == TimelineKind.Verification);
        var verification = check is not null
            ? $"{Outcome(check.Details.GetValueOrDefault(ActionDetailKeys.Verified))}: {check.Details.GetValueOrDefault(ActionDetailKeys.Verification) ?? check.Text}"
            : state switch
            {
                null => "not run",
                "failed" => "not checked: the action failed",
                "succeeded" when Last(runs, ActionDetailKeys.Postcondition) is { } post => $"pending: {post}",
                "succeeded" => "no postcondition: verified by hand",
                _ => "pending",
            };

        return new ActionRow(entries[0].At, title, tool, tier, decision, decidedAt, startedAt, finishedAt, result, verification);
    }

    private static string Outcome(string? verified) => verified switch
    {
        "Verified" => "verified",
        "NotVerified" => "not verified",
        "CouldNotCheck" => "could not check",
        _ => "checked",
    };

    private static DateTimeOffset? Time(string? value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : null;
}
