using System.Text.RegularExpressions;
using IncidentHub.Analysis.Diagnosis;

namespace IncidentHub.Analysis.Remediation;

/// <summary>
/// A playbook maps a diagnosis (category, service, evidence kinds) to typed actions. Empty lists match anything;
/// <paramref name="Unknown"/> playbooks apply only when the diagnosis is unknown, the others only when it is not.
/// </summary>
public sealed record Playbook(string Name, IReadOnlyList<string> Categories, IReadOnlyList<string> Services, IReadOnlyList<string> EvidenceKinds,
    bool Unknown, IReadOnlyList<ActionTemplate> Actions);

/// <summary>
/// One action of a playbook. Target, arguments and postcondition may use <c>{name}</c> placeholders filled from
/// the <see cref="PlanContext"/> values (service, owner, previous_version, suspect_commit, alertname ...).
/// <paramref name="WhyKinds"/> name the evidence kinds (Deploy, Commit, Metric ...) whose observations justify it.
/// </summary>
public sealed record ActionTemplate(
    string Tool,
    string Title,
    string Target,
    IReadOnlyDictionary<string, string> Arguments,
    string Rollback,
    string? Precondition,
    PostconditionTemplate? Postcondition,
    IReadOnlyList<string> WhyKinds);

public sealed record PostconditionTemplate(PostconditionKind Kind, string Query, string Comparison, double Threshold, int WindowMinutes);

/// <summary>An action of the plan with the tier code gave it and the hash an approval binds to.</summary>
public sealed record PlannedAction(ProposedAction Action, Classification Classification, string Hash, string Playbook);

/// <summary>The plan, and what was left out with why (a missing value, a rejected action, an unknown diagnosis).</summary>
public sealed record PlanDraft(IReadOnlyList<PlannedAction> Actions, IReadOnlyList<string> LeftOut);

public static partial class PlanBuilder
{
    /// <summary>
    /// Builds the plan from the playbooks that match, filling placeholders only from the context's typed values.
    /// Actions whose hash is in <paramref name="excluded"/> (rejected earlier) are left out and said so. An unknown
    /// diagnosis gets READ actions and paging only.
    /// </summary>
    public static PlanDraft Build(PlanContext context, IEnumerable<Playbook> playbooks, ToolRegistry registry, IReadOnlyDictionary<string, string> excluded)
    {
        var actions = new List<PlannedAction>();
        var leftOut = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var playbook in playbooks.Where(p => Matches(p, context)))
        {
            foreach (var template in playbook.Actions)
            {
                var label = $"{playbook.Name}: {template.Title}";
                if (Expand(template, context, out var unverifiable) is not { } action)
                {
                    leftOut.Add($"{label}: needs {string.Join(", ", Missing(template, context).Select(m => $"{{{m}}}"))}, which this incident does not have");
                    continue;
                }

                label = $"{playbook.Name}: {action.Title}";
                if (Guardrails.Refuse(action, registry) is { } refusal)
                {
                    leftOut.Add($"{label}: refused, {refusal}");
                    continue;
                }

                var classification = Guardrails.Classify(action, registry);
                var hash = Guardrails.Hash(action.Tool, action.Target, action.Arguments);
                if (context.Unknown && classification.Tier != ActionTier.Read)
                {
                    leftOut.Add($"{label}: the diagnosis is unknown, so the plan only gathers evidence and pages");
                    continue;
                }

                if (excluded.TryGetValue(hash, out var why))
                {
                    leftOut.Add($"{label}: excluded, {why}");
                    continue;
                }

                if (seen.Add(hash))
                {
                    actions.Add(new PlannedAction(action, classification, hash, playbook.Name));
                    if (unverifiable is not null)
                    {
                        leftOut.Add($"{label}: no automatic verification, its postcondition needs {unverifiable}; check recovery by hand");
                    }
                }
            }
        }

        // Evidence first, then what changes systems, least risky first.
        return new PlanDraft(actions.OrderBy(a => a.Classification.Tier).ToList(), leftOut);
    }

    public static bool Matches(Playbook playbook, PlanContext context) =>
        playbook.Unknown == context.Unknown
        && (playbook.Categories.Count == 0 || (context.Category is { } c && playbook.Categories.Contains(c.ToName(), StringComparer.OrdinalIgnoreCase)))
        && (playbook.Services.Count == 0 || (context.Service is { } s && playbook.Services.Contains(s, StringComparer.OrdinalIgnoreCase)))
        && playbook.EvidenceKinds.All(k => context.EvidenceKinds.Contains(k, StringComparer.OrdinalIgnoreCase));

    private static ProposedAction? Expand(ActionTemplate template, PlanContext context, out string? unverifiable)
    {
        unverifiable = null;
        if (Missing(template, context).Any())
        {
            return null;
        }

        var origins = new Dictionary<string, ValueOrigin>(StringComparer.Ordinal);
        var arguments = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, text) in template.Arguments)
        {
            arguments[name] = Fill(text, context, out var origin);
            origins[name] = origin;
        }

        // An action whose check cannot be filled is still worth proposing; the plan says it is verified by hand.
        Postcondition? postcondition = null;
        if (template.Postcondition is { } p)
        {
            var lacking = Placeholders(p.Query).Where(name => !context.Values.ContainsKey(name)).ToList();
            if (lacking.Count == 0)
            {
                postcondition = new Postcondition(p.Kind, Fill(p.Query, context, out _), p.Comparison, p.Threshold, TimeSpan.FromMinutes(p.WindowMinutes));
            }
            else
            {
                unverifiable = string.Join(", ", lacking.Select(l => $"{{{l}}}"));
            }
        }

        var why = template.WhyKinds.SelectMany(k => context.EvidenceByKind.GetValueOrDefault(k) ?? []).Distinct().ToList();
        return new ProposedAction(template.Tool, Fill(template.Target, context, out _), arguments, why, Fill(template.Rollback, context, out _),
            template.Precondition is null ? null : Fill(template.Precondition, context, out _), postcondition, ValueOrigin.Playbook, origins,
            Title: Fill(template.Title, context, out _));
    }

    private static IEnumerable<string> Missing(ActionTemplate template, PlanContext context) =>
        new[] { template.Target, template.Rollback, template.Precondition ?? "", template.Title }
            .Concat(template.Arguments.Values)
            .SelectMany(Placeholders)
            .Where(name => !context.Values.ContainsKey(name))
            .Distinct();

    /// <summary>The <c>{name}</c> placeholders in a playbook text (also how the playbook editor checks them).</summary>
    public static IEnumerable<string> Placeholders(string text) => Placeholder().Matches(text).Select(m => m.Groups[1].Value);

    /// <summary>Fills placeholders; the origin is the least trusted of the values used (the playbook's own text when none).</summary>
    private static string Fill(string text, PlanContext context, out ValueOrigin origin)
    {
        var least = ValueOrigin.Playbook;
        var filled = Placeholder().Replace(text, m =>
        {
            var value = context.Values[m.Groups[1].Value];
            if (value.Origin > least)
            {
                least = value.Origin;
            }

            return value.Value;
        });
        origin = least;
        return filled;
    }

    [GeneratedRegex(@"\{([a-z_]+)\}")]
    private static partial Regex Placeholder();
}
