using System.Net.Http.Json;
using System.Text.Json;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Remediation.Executors;
using IncidentHub.Web.Tests.RealServers;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Remediation;

/// <summary>Against the real Debian Alertmanager: a silence created here suppresses a real alert there, and expiring it lets the alert notify again.</summary>
public sealed class AlertmanagerSilencesTests : IAsyncLifetime
{
    private AlertmanagerProcess? _alertmanager;
    private ServiceProvider? _services;
    private readonly HttpClient _http = new();

    private AlertmanagerSilences Silences => _services!.GetRequiredService<AlertmanagerSilences>();

    public async Task InitializeAsync()
    {
        // Notifications go nowhere (nothing listens on port 9); the alert's state is what the test reads.
        _alertmanager = await AlertmanagerProcess.StartAsync("http://127.0.0.1:9/");
        _services = ExecutorServices.Build(new Dictionary<string, string?> { ["Remediation:Alertmanager:Url"] = _alertmanager.Address.ToString() });
    }

    [Fact]
    public async Task Create_SuppressesTheAlert_FindActive_FindsItByMarker_Expire_MakesItActiveAgain()
    {
        await PostAlertAsync("CheckoutErrors", "payments");
        await Eventually.HoldsAsync(() => AlertStateAsync("CheckoutErrors"), s => s.State == "active", what: "the alert to be active");
        var spec = new SilenceSpec("alertname=CheckoutErrors, service=\"payments\"", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1),
            "alice@example.com", "INC-12", Guid.NewGuid(), "rollback under way");

        var id = await Silences.CreateAsync(spec, CancellationToken.None);

        var silenced = await Eventually.HoldsAsync(() => AlertStateAsync("CheckoutErrors"), s => s.State == "suppressed", what: "the alert to be suppressed");
        Assert.Equal([id], silenced.SilencedBy);
        Assert.Equal(id, await Silences.FindActiveAsync(spec.Marker, CancellationToken.None));
        Assert.Null(await Silences.FindActiveAsync(SilenceSpec.MarkerFor("INC-12", Guid.NewGuid()), CancellationToken.None));

        await Silences.ExpireAsync(id, CancellationToken.None);

        var active = await Eventually.HoldsAsync(() => AlertStateAsync("CheckoutErrors"), s => s.State == "active", what: "the alert to be active again");
        Assert.Empty(active.SilencedBy);
        Assert.Null(await Silences.FindActiveAsync(spec.Marker, CancellationToken.None));
    }

    [Fact]
    public async Task Expire_Twice_IsDone_TheSecondTime()
    {
        var spec = new SilenceSpec("alertname=DiskFull", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(30), "ih", "INC-13", Guid.NewGuid());
        var id = await Silences.CreateAsync(spec, CancellationToken.None);

        await Silences.ExpireAsync(id, CancellationToken.None);
        await Silences.ExpireAsync(id, CancellationToken.None);

        Assert.Null(await Silences.FindActiveAsync(spec.Marker, CancellationToken.None));
    }

    [Fact]
    public async Task Expire_UnknownSilence_KeepsAlertmanagersAnswer()
    {
        var ex = await Assert.ThrowsAsync<AlertmanagerException>(() => Silences.ExpireAsync(Guid.NewGuid().ToString(), CancellationToken.None));

        // Alertmanager 0.25 answers 500 "silence not found" (later versions 404); either way its words are kept.
        Assert.NotNull(ex.StatusCode);
        Assert.Contains("silence not found", ex.Message, StringComparison.Ordinal);
        Assert.Contains("silence not found", ex.BodyExcerpt, StringComparison.Ordinal);
    }

    private async Task PostAlertAsync(string alertname, string service)
    {
        var alerts = new[]
        {
            new { labels = new Dictionary<string, string> { ["alertname"] = alertname, ["service"] = service }, startsAt = DateTimeOffset.UtcNow.AddMinutes(-1), endsAt = DateTimeOffset.UtcNow.AddHours(1) },
        };
        using var response = await _http.PostAsJsonAsync(new Uri(_alertmanager!.Address, "/api/v2/alerts"), alerts);
        response.EnsureSuccessStatusCode();
    }

    private async Task<AlertState> AlertStateAsync(string alertname)
    {
        var alerts = await _http.GetFromJsonAsync<JsonElement[]>(new Uri(_alertmanager!.Address, "/api/v2/alerts")) ?? [];
        var alert = alerts.FirstOrDefault(a => a.GetProperty("labels").GetProperty("alertname").GetString() == alertname);
        if (alert.ValueKind == JsonValueKind.Undefined)
        {
            return new AlertState("absent", []);
        }

        var status = alert.GetProperty("status");
        return new AlertState(status.GetProperty("state").GetString()!, status.GetProperty("silencedBy").EnumerateArray().Select(s => s.GetString()!).ToList());
    }

    private sealed record AlertState(string State, IReadOnlyList<string> SilencedBy)
    {
        public override string ToString() => $"{State} silenced by [{string.Join(", ", SilencedBy)}]";
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        if (_alertmanager is not null)
        {
            await _alertmanager.DisposeAsync();
        }
    }
}
