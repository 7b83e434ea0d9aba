using IncidentHub.Web.Infrastructure;
using IncidentHub.Web.Infrastructure.Jobs;
using IncidentHub.Web.Infrastructure.Live;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace IncidentHub.Web.Tests.Infrastructure;

/// <summary>Background jobs wait while webhooks arrive faster than the storm limit, and run when it calms down or after the maximum delay.</summary>
public sealed class StormGateTests : IDisposable
{
    private readonly NpgsqlDataSource _unused = NpgsqlDataSource.Create("Host=127.0.0.1;Database=unused");
    private readonly IncidentNotifier _notifier;

    public StormGateTests() => _notifier = new IncidentNotifier(_unused, NullLogger<IncidentNotifier>.Instance);

    [Fact]
    public void Calm_JobsRunWithoutWaiting()
    {
        using var gate = Gate(maxDelay: TimeSpan.FromMinutes(5));
        gate.Observe(49);

        Assert.False(gate.Storming);
        Assert.Equal(TimeSpan.Zero, gate.WaitForCalm(CancellationToken.None));
    }

    [Fact]
    public async Task DuringAStorm_AJobWaits_UntilTheRateFallsBelowTheLimit()
    {
        using var gate = Gate(maxDelay: TimeSpan.FromMinutes(5));
        gate.Observe(212);
        Assert.True(gate.Storming);

        var job = Task.Run(() => gate.WaitForCalm(CancellationToken.None));
        Assert.True(SpinWait.SpinUntil(() => gate.Waiting == 1, TimeSpan.FromSeconds(30)), "the job is held at the gate");
        gate.Observe(180);
        Assert.Equal(1, gate.Waiting);
        gate.Observe(12);
        var waited = await job.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(gate.Storming);
        Assert.Equal(0, gate.Waiting);
        Assert.True(waited > TimeSpan.Zero, "the job waited for the storm (a job let through returns zero)");
    }

    [Fact]
    public void AQuarterSecondAboveTheLimit_ClosesTheGate_ButOnlyACalmSecondOpensIt()
    {
        using var gate = Gate(maxDelay: TimeSpan.FromMinutes(5));
        gate.Observe(40, overLastSecond: 40);
        gate.Observe(160, overLastSecond: 70);
        Assert.True(gate.Storming);

        // A lull of one reading inside the storm: the last second is still above the limit.
        gate.Observe(8, overLastSecond: 90);
        Assert.True(gate.Storming);
        Assert.Equal(90, gate.RequestsPerSecond);

        gate.Observe(8, overLastSecond: 30);
        Assert.False(gate.Storming);
    }

    [Fact]
    public void ALongStorm_HoldsAJobNoLongerThanTheMaximumDelay()
    {
        using var gate = Gate(maxDelay: TimeSpan.FromMilliseconds(200));
        gate.Observe(5000);

        var waited = gate.WaitForCalm(CancellationToken.None);

        Assert.True(gate.Storming);
        Assert.InRange(waited, TimeSpan.FromMilliseconds(190), TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData("-00:01:00", false)]
    [InlineData("2.00:00:00", false)]
    [InlineData("00:02:00", true)]
    public void TheMaximumDelay_IsCheckedAtStart(string delay, bool valid)
    {
        var options = new IncidentHubOptions { StormMaxDelay = TimeSpan.Parse(delay, System.Globalization.CultureInfo.InvariantCulture) };
        var errors = new List<System.ComponentModel.DataAnnotations.ValidationResult>();

        var ok = System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), errors, validateAllProperties: true);

        Assert.Equal(valid, ok);
        Assert.Equal(valid ? 0 : 1, errors.Count(e => e.MemberNames.Contains(nameof(IncidentHubOptions.StormMaxDelay))));
    }

    [Fact]
    public void EachReading_IsWhatTheWallShows()
    {
        using var gate = Gate(maxDelay: TimeSpan.FromMinutes(5));
        Assert.False(_notifier.Intake.Storming);

        gate.Observe(160, overLastSecond: 120);
        Assert.Equal(new IntakeStatus(true, 120, 0), _notifier.Intake);

        gate.Observe(8, overLastSecond: 30);
        Assert.Equal(new IntakeStatus(false, 30, 0), _notifier.Intake);
    }

    private StormGate Gate(TimeSpan maxDelay) =>
        new(_unused, _notifier, Options.Create(new IncidentHubOptions { StormRequestsPerSecond = 50, StormMaxDelay = maxDelay }), TimeProvider.System, NullLogger<StormGate>.Instance);

    public void Dispose() => _unused.Dispose();
}
