namespace IncidentHub.Analysis.OnCall;

/// <summary>Who a level pages: the person on call, the next one (secondary), the team lead, or the escalation contact.</summary>
public enum EscalationTarget
{
    OnCall,
    Secondary,
    Lead,
    Contact,
}

/// <summary>One level: paged <paramref name="AfterMinutes"/> after the level before it (the first level: at once).</summary>
public sealed record EscalationLevel(EscalationTarget Target, int AfterMinutes);

/// <summary>
/// The levels in order, then again from the first <paramref name="RepeatAfterMinutes"/> after the last, for
/// <paramref name="Rounds"/> rounds in all (1 = no repeat).
/// </summary>
public sealed record EscalationPolicy(IReadOnlyList<EscalationLevel> Levels, int RepeatAfterMinutes, int Rounds);

/// <summary>One page: round (0-based), level (1-based) and when it is due.</summary>
public sealed record EscalationStep(int Round, int Level, EscalationTarget Target, DateTimeOffset DueAt)
{
    /// <summary>Stable for the incident: the outbox key of its messages, so a step is never sent twice.</summary>
    public string Key => $"r{Round}l{Level}";
}

/// <summary>Which pages are due: a pure function of the policy, when paging began, the acknowledgement and now.</summary>
public static class EscalationPlan
{
    /// <summary>
    /// Every step due at or before <paramref name="now"/>, in order. An acknowledgement stops it: steps due at or
    /// after <paramref name="acknowledgedAt"/> never come.
    /// </summary>
    public static IReadOnlyList<EscalationStep> Due(EscalationPolicy policy, DateTimeOffset startedAt, DateTimeOffset? acknowledgedAt, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var end = acknowledgedAt is { } ack && ack < now ? ack : now;
        var inclusive = acknowledgedAt is null || acknowledgedAt > now;
        return All(policy, startedAt).TakeWhile(s => inclusive ? s.DueAt <= end : s.DueAt < end).ToList();
    }

    /// <summary>The next step after <paramref name="now"/>, or null when the policy is exhausted.</summary>
    public static EscalationStep? NextAfter(EscalationPolicy policy, DateTimeOffset startedAt, DateTimeOffset now) =>
        All(policy, startedAt).FirstOrDefault(s => s.DueAt > now);

    public static IEnumerable<EscalationStep> All(EscalationPolicy policy, DateTimeOffset startedAt)
    {
        if (policy.Levels.Count == 0)
        {
            yield break;
        }

        var at = startedAt;
        for (var round = 0; round < Math.Max(1, policy.Rounds); round++)
        {
            for (var level = 0; level < policy.Levels.Count; level++)
            {
                if (level > 0 || round > 0)
                {
                    at = at.AddMinutes(level == 0 ? policy.RepeatAfterMinutes : policy.Levels[level].AfterMinutes);
                }

                yield return new EscalationStep(round, level + 1, policy.Levels[level].Target, at);
            }
        }
    }
}
