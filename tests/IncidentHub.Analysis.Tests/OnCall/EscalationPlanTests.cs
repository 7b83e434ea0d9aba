using IncidentHub.Analysis.OnCall;

namespace IncidentHub.Analysis.Tests.OnCall;

public sealed class EscalationPlanTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 3, 0, 0, TimeSpan.Zero);

    private static readonly EscalationPolicy Policy = new(
        [new(EscalationTarget.OnCall, 0), new(EscalationTarget.Secondary, 5), new(EscalationTarget.Contact, 10)], RepeatAfterMinutes: 15, Rounds: 2);

    [Fact]
    public void Levels_ComeAfterTheirDelays()
    {
        Assert.Equal([1], EscalationPlan.Due(Policy, Start, null, Start).Select(s => s.Level));
        Assert.Equal([1], EscalationPlan.Due(Policy, Start, null, Start.AddMinutes(4)).Select(s => s.Level));
        Assert.Equal([1, 2], EscalationPlan.Due(Policy, Start, null, Start.AddMinutes(5)).Select(s => s.Level));
        var three = EscalationPlan.Due(Policy, Start, null, Start.AddMinutes(15));
        Assert.Equal([(1, EscalationTarget.OnCall), (2, EscalationTarget.Secondary), (3, EscalationTarget.Contact)], three.Select(s => (s.Level, s.Target)));
    }

    [Fact]
    public void Unacknowledged_RepeatsFromLevelOne_ThenStopsAfterTheLastRound()
    {
        var steps = EscalationPlan.Due(Policy, Start, null, Start.AddMinutes(30));
        Assert.Equal(["r0l1", "r0l2", "r0l3", "r1l1"], steps.Select(s => s.Key));
        Assert.Equal(Start.AddMinutes(30), steps[^1].DueAt);

        var all = EscalationPlan.Due(Policy, Start, null, Start.AddDays(1));
        Assert.Equal(6, all.Count);
        Assert.Null(EscalationPlan.NextAfter(Policy, Start, Start.AddDays(1)));
    }

    [Fact]
    public void Acknowledgement_StopsLaterLevels()
    {
        var acked = Start.AddMinutes(7);

        var steps = EscalationPlan.Due(Policy, Start, acked, Start.AddHours(2));

        Assert.Equal(["r0l1", "r0l2"], steps.Select(s => s.Key));
    }

    [Fact]
    public void Acknowledgement_AtTheMomentALevelIsDue_StopsThatLevel()
    {
        Assert.Equal(["r0l1"], EscalationPlan.Due(Policy, Start, Start.AddMinutes(5), Start.AddHours(1)).Select(s => s.Key));
    }

    [Fact]
    public void NextAfter_SaysWhenTheNextPageIsDue()
    {
        var next = EscalationPlan.NextAfter(Policy, Start, Start.AddMinutes(1))!;

        Assert.Equal((2, Start.AddMinutes(5)), (next.Level, next.DueAt));
    }
}
