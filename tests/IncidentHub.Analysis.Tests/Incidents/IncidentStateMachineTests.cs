using IncidentHub.Analysis.Incidents;

namespace IncidentHub.Analysis.Tests.Incidents;

public sealed class IncidentStateMachineTests
{
    [Theory]
    [InlineData(IncidentState.Triggered, IncidentState.Investigating)]
    [InlineData(IncidentState.Investigating, IncidentState.AwaitingApproval)]
    [InlineData(IncidentState.AwaitingApproval, IncidentState.Mitigating)]
    [InlineData(IncidentState.Mitigating, IncidentState.Monitoring)]
    [InlineData(IncidentState.Monitoring, IncidentState.Resolved)]
    [InlineData(IncidentState.AwaitingApproval, IncidentState.Investigating)]
    [InlineData(IncidentState.Monitoring, IncidentState.Investigating)]
    [InlineData(IncidentState.Investigating, IncidentState.Escalated)]
    [InlineData(IncidentState.Escalated, IncidentState.Mitigating)]
    [InlineData(IncidentState.Escalated, IncidentState.AwaitingApproval)]
    [InlineData(IncidentState.Triggered, IncidentState.Suppressed)]
    [InlineData(IncidentState.Suppressed, IncidentState.Triggered)]
    [InlineData(IncidentState.Triggered, IncidentState.Resolved)]
    public void CanMove_AlongTheResponsePath_IsAllowed(IncidentState from, IncidentState to)
    {
        Assert.True(IncidentStateMachine.CanMove(from, to));
        IncidentStateMachine.EnsureCanMove(from, to);
    }

    [Theory]
    [InlineData(IncidentState.Triggered, IncidentState.Mitigating)]
    [InlineData(IncidentState.Triggered, IncidentState.AwaitingApproval)]
    [InlineData(IncidentState.Triggered, IncidentState.Monitoring)]
    [InlineData(IncidentState.Investigating, IncidentState.Triggered)]
    [InlineData(IncidentState.Monitoring, IncidentState.AwaitingApproval)]
    [InlineData(IncidentState.Suppressed, IncidentState.Mitigating)]
    [InlineData(IncidentState.Escalated, IncidentState.Suppressed)]
    [InlineData(IncidentState.Resolved, IncidentState.Investigating)]
    [InlineData(IncidentState.Resolved, IncidentState.Triggered)]
    [InlineData(IncidentState.Investigating, IncidentState.Investigating)]
    public void EnsureCanMove_IllegalMove_ThrowsWithTheAllowedMoves(IncidentState from, IncidentState to)
    {
        Assert.False(IncidentStateMachine.CanMove(from, to));
        var ex = Assert.Throws<IllegalTransitionException>(() => IncidentStateMachine.EnsureCanMove(from, to));
        Assert.Equal(from, ex.From);
        Assert.Equal(to, ex.To);
        Assert.Contains($"from {from} to {to}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolved_IsFinal()
    {
        Assert.Empty(IncidentStateMachine.NextStates(IncidentState.Resolved));
        Assert.Contains("none, it is final", Assert.Throws<IllegalTransitionException>(
            () => IncidentStateMachine.EnsureCanMove(IncidentState.Resolved, IncidentState.Mitigating)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryOpenState_CanBeResolvedOrLeadsToOneThatCan()
    {
        foreach (var state in Enum.GetValues<IncidentState>().Where(IncidentStateMachine.IsOpen))
        {
            var reachable = IncidentStateMachine.NextStates(state).SelectMany(s => IncidentStateMachine.NextStates(s).Append(s));
            Assert.Contains(IncidentState.Resolved, reachable);
        }
    }
}
