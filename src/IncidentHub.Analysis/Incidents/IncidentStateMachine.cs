namespace IncidentHub.Analysis.Incidents;

/// <summary>
/// The legal moves between incident phases, in one table. The Incident entity asks this table
/// before every transition, so an illegal move is rejected the same way everywhere.
/// </summary>
public static class IncidentStateMachine
{
    private static readonly Dictionary<IncidentState, IncidentState[]> Moves = new()
    {
        [IncidentState.Triggered] =
            [IncidentState.Investigating, IncidentState.Escalated, IncidentState.Suppressed, IncidentState.Resolved],
        [IncidentState.Investigating] =
            [IncidentState.AwaitingApproval, IncidentState.Mitigating, IncidentState.Monitoring,
             IncidentState.Escalated, IncidentState.Suppressed, IncidentState.Resolved],
        [IncidentState.AwaitingApproval] =
            [IncidentState.Mitigating, IncidentState.Investigating, IncidentState.Escalated, IncidentState.Resolved],
        [IncidentState.Mitigating] =
            [IncidentState.Monitoring, IncidentState.Investigating, IncidentState.Escalated, IncidentState.Resolved],
        [IncidentState.Monitoring] =
            [IncidentState.Resolved, IncidentState.Investigating, IncidentState.Escalated],
        // A person took it over; a later plan may still wait for their approval.
        [IncidentState.Escalated] =
            [IncidentState.Investigating, IncidentState.AwaitingApproval, IncidentState.Mitigating, IncidentState.Resolved],
        [IncidentState.Suppressed] =
            [IncidentState.Triggered, IncidentState.Resolved],
        [IncidentState.Resolved] = [],
    };

    public static bool CanMove(IncidentState from, IncidentState to) => Moves[from].Contains(to);

    public static IReadOnlyList<IncidentState> NextStates(IncidentState from) => Moves[from];

    public static bool IsOpen(IncidentState state) => state != IncidentState.Resolved;

    /// <summary>
    /// Resolved is final for every automatic move; only a person reopens it (it goes back to Investigating).
    /// </summary>
    public static bool CanReopen(IncidentState state) => state == IncidentState.Resolved;

    /// <summary>Throws <see cref="IllegalTransitionException"/> when the move is not in the table.</summary>
    public static void EnsureCanMove(IncidentState from, IncidentState to)
    {
        if (!CanMove(from, to))
        {
            throw new IllegalTransitionException(from, to);
        }
    }
}

public sealed class IllegalTransitionException(IncidentState from, IncidentState to)
    : InvalidOperationException(Describe(from, to))
{
    public IncidentState From { get; } = from;
    public IncidentState To { get; } = to;

    private static string Describe(IncidentState from, IncidentState to)
    {
        var allowed = IncidentStateMachine.NextStates(from);
        var options = allowed.Count == 0 ? "none, it is final" : string.Join(", ", allowed);
        return $"An incident cannot move from {from} to {to} (allowed from {from}: {options}).";
    }
}
