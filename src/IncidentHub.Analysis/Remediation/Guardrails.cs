using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IncidentHub.Analysis.Incidents;

namespace IncidentHub.Analysis.Remediation;

/// <summary>
/// The rules that decide, in code, what an action's tier is, whether it may be proposed at all, whether it
/// runs without a person, and what exactly a person approves (<see cref="Hash"/>).
/// </summary>
public static class Guardrails
{
    /// <summary>A silence longer than this hides an outage for a shift: DESTRUCTIVE.</summary>
    public static readonly TimeSpan LongestReversibleSilence = TimeSpan.FromHours(24);

    /// <summary>Origins that may add an action or fill an argument. Free text from logs or alerts never may.</summary>
    private static readonly HashSet<ValueOrigin> Trusted =
        [ValueOrigin.Playbook, ValueOrigin.Catalog, ValueOrigin.DeployRecord, ValueOrigin.Repository, ValueOrigin.AlertLabel, ValueOrigin.Person, ValueOrigin.Model];

    /// <summary>The tier from the registry, raised by the arguments; the proposer's claim is ignored.</summary>
    public static Classification Classify(ProposedAction action, ToolRegistry registry)
    {
        var reasons = new List<string>();
        if (registry.Find(action.Tool) is not { } tool)
        {
            reasons.Add($"'{action.Tool}' is not a registered tool: treated as DESTRUCTIVE");
            return Result(ActionTier.Destructive);
        }

        var tier = tool.Tier;
        void Raise(string reason)
        {
            tier = ActionTier.Destructive;
            reasons.Add(reason);
        }

        switch (action.Tool)
        {
            case ToolRegistry.Scale:
                if (!TryInt(action, "replicas", out var replicas) || replicas < 0)
                {
                    Raise("replicas is not a whole number of at least 0");
                }
                else if (replicas == 0)
                {
                    Raise("scaling to 0 replicas takes the service down");
                }

                break;
            case ToolRegistry.Silence:
                if (!TryInt(action, "duration_minutes", out var minutes) || minutes <= 0)
                {
                    Raise("the silence has no valid duration");
                }
                else if (TimeSpan.FromMinutes(minutes) > LongestReversibleSilence)
                {
                    Raise($"a silence of {minutes / 60.0:0.#} h is longer than {LongestReversibleSilence.TotalHours:0} h");
                }

                break;
            case ToolRegistry.Rollback:
                var back = 1;
                if (action.Arguments.ContainsKey("versions_back") && (!TryInt(action, "versions_back", out back) || back < 1))
                {
                    Raise("versions_back is not a whole number of at least 1");
                }
                else if (back > 1)
                {
                    Raise($"a rollback of {back} versions skips releases nobody reviewed together");
                }

                break;
        }

        if (action.ClaimedTier is { } claimed && claimed != tier)
        {
            reasons.Add($"claimed {claimed.ToString().ToUpperInvariant()}; the registry decides {tier.ToString().ToUpperInvariant()}");
        }

        return Result(tier);

        Classification Result(ActionTier t) => new(t, reasons);
    }

    /// <summary>Why the action may not be proposed at all, or null. Checked before anything is stored.</summary>
    public static string? Refuse(ProposedAction action, ToolRegistry registry)
    {
        if (!Trusted.Contains(action.ProposedBy))
        {
            return $"proposed by {Describe(action.ProposedBy)}: only playbooks, people and checked model output may add actions";
        }

        foreach (var (name, origin) in action.ArgumentOrigins)
        {
            if (!Trusted.Contains(origin))
            {
                return $"argument '{name}' came from {Describe(origin)}";
            }
        }

        if (action.Arguments.Keys.FirstOrDefault(k => !action.ArgumentOrigins.ContainsKey(k)) is { } unsourced)
        {
            return $"argument '{unsourced}' has no known origin";
        }

        if (registry.Find(action.Tool) is { } tool && tool.RequiredArguments.FirstOrDefault(r => string.IsNullOrWhiteSpace(action.Arguments.GetValueOrDefault(r))) is { } missing)
        {
            return $"{action.Tool} needs '{missing}'";
        }

        return null;
    }

    /// <summary>Whether an action of this tier runs without a person, for an incident of this severity and plan confidence.</summary>
    public static Gate Decide(ActionTier tier, Severity severity, double confidence, AutoRunPolicy policy) => tier switch
    {
        ActionTier.Read => new(GateDecision.RunsAutomatically, "READ actions run automatically"),
        ActionTier.Reversible when policy.ReversibleMinConfidence.TryGetValue(severity, out var min) && confidence >= min =>
            new(GateDecision.RunsAutomatically, $"policy runs REVERSIBLE actions for {severity} at confidence {min:0.00} or more"),
        ActionTier.Reversible => new(GateDecision.NeedsApproval, policy.ReversibleMinConfidence.TryGetValue(severity, out var needed)
            ? $"REVERSIBLE at confidence {confidence:0.00}, below the {needed:0.00} policy asks for {severity}"
            : $"REVERSIBLE actions need approval for {severity}"),
        _ => new(GateDecision.NeedsApproval, "DESTRUCTIVE actions always need approval"),
    };

    /// <summary>Whether one more non-READ action may execute for a service that had this many in the last hour.</summary>
    public static Gate Budget(ActionTier tier, int executedInLastHour, AutoRunPolicy policy) =>
        tier == ActionTier.Read || executedInLastHour < policy.MaxExecutionsPerServicePerHour
            ? new(GateDecision.RunsAutomatically, $"{executedInLastHour} of {policy.MaxExecutionsPerServicePerHour} actions this hour")
            : new(GateDecision.Refused, $"{executedInLastHour} actions already ran for this service in the last hour (limit {policy.MaxExecutionsPerServicePerHour})");

    /// <summary>
    /// The hash an approval is bound to: tool, target and every argument, canonically encoded. Execution
    /// recomputes it from what is about to run and refuses on a mismatch.
    /// </summary>
    public static string Hash(string tool, string target, IReadOnlyDictionary<string, string> arguments)
    {
        var canonical = JsonSerializer.Serialize(new object[]
        {
            tool,
            target,
            arguments.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => new[] { a.Key, a.Value }).ToArray(),
        });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    private static bool TryInt(ProposedAction action, string name, out int value) =>
        int.TryParse(action.Arguments.GetValueOrDefault(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    private static string Describe(ValueOrigin origin) => origin switch
    {
        ValueOrigin.LogText => "log text",
        ValueOrigin.AlertText => "alert text",
        _ => origin.ToString(),
    };
}
