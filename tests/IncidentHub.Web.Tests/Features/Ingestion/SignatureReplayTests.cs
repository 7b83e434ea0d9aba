using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IncidentHub.Web.Tests.Features.Ingestion;

/// <summary>An app of its own whose clock the tests move (<see cref="ShiftedClock"/>), for rotation overlap windows.</summary>
public sealed class SignatureClockApp : IAsyncLifetime
{
    public ShiftedClock Clock { get; } = new();

    public IncidentHubFactory App { get; } = new();

    public async Task InitializeAsync()
    {
        App.TestServices = services => services.AddSingleton<TimeProvider>(Clock);
        await App.InitializeAsync();
    }

    public async Task DisposeAsync() => await ((IAsyncLifetime)App).DisposeAsync();
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SignatureClockCollection : ICollectionFixture<SignatureClockApp>
{
    public const string Name = "signature-clock";
}

/// <summary>
/// Timestamped webhook signatures: "{timestamp}.{body}" signed, refused when stale, from the future, forged or sent
/// twice; a rotated secret keeps working for the overlap window, then is refused.
/// </summary>
[Collection(SignatureClockCollection.Name)]
public sealed class SignatureReplayTests(SignatureClockApp fixture)
{
    private const string Secret = "current-signing-secret-0123456789";
    private const string NewSecret = "rotated-signing-secret-9876543210";
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    private IncidentHubFactory App => fixture.App;

    private DateTimeOffset Now => fixture.Clock.GetUtcNow();

    [Fact]
    public async Task Timestamped_SignedNow_IsAccepted()
    {
        var (hook, _) = await CreateAsync(requireTimestamp: true);
        using var http = App.Client();

        var response = await SendAsync(http, hook, Body("valid"), Secret, Now);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Timestamped_OlderThanTolerance_IsRefusedAsStale()
    {
        var (hook, id) = await CreateAsync(requireTimestamp: true);
        using var http = App.Client();

        var response = await SendAsync(http, hook, Body("stale"), Secret, Now - Tolerance - TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("s old", await DetailAsync(response), StringComparison.Ordinal);
        Assert.Equal(RawEventStatus.Rejected, await LastStatusAsync(id));
    }

    [Fact]
    public async Task Timestamped_BeyondToleranceInTheFuture_IsRefused()
    {
        var (hook, _) = await CreateAsync(requireTimestamp: true);
        using var http = App.Client();

        var response = await SendAsync(http, hook, Body("future"), Secret, Now + Tolerance + TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("in the future", await DetailAsync(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Timestamped_SameSignedRequestTwice_SecondIsRefusedAsReplay()
    {
        var (hook, id) = await CreateAsync(requireTimestamp: true);
        using var http = App.Client();
        var body = Body("replayed");
        var at = Now;

        var first = await SendAsync(http, hook, body, Secret, at);
        var replay = await SendAsync(http, hook, body, Secret, at);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        Assert.Contains("already received", await DetailAsync(replay), StringComparison.Ordinal);
        Assert.Equal(1, await AlertCountAsync(id));
    }

    [Fact]
    public async Task Timestamped_SameSignedRequestConcurrently_ExactlyOneIsAccepted()
    {
        // Each request is its own connection and its own PostgreSQL session: the same race two web processes run.
        var (hook, id) = await CreateAsync(requireTimestamp: true);
        var body = Body("raced");
        var at = Now;

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using var http = App.Client();
            return (await SendAsync(http, hook, body, Secret, at)).StatusCode;
        }));

        Assert.Equal(1, answers.Count(s => s == HttpStatusCode.Accepted));
        Assert.Equal(7, answers.Count(s => s == HttpStatusCode.Conflict));
        Assert.Equal(1, await AlertCountAsync(id));
    }

    [Fact]
    public async Task Timestamped_ForgedOrTimestampSwapped_IsRefused()
    {
        var (hook, _) = await CreateAsync(requireTimestamp: true);
        using var http = App.Client();
        var body = Body("forged");

        var otherSecret = await SendAsync(http, hook, body, "someone-elses-secret-0123456789", Now);
        // A real signature from a minute ago presented with a fresh timestamp: the timestamp is part of what is signed.
        var swapped = await SendRawAsync(http, hook, body, "sha256=" + Hmac(Secret, Now.AddMinutes(-1), body), Timestamp(Now));

        Assert.Equal(HttpStatusCode.Unauthorized, otherSecret.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, swapped.StatusCode);
    }

    [Fact]
    public async Task RequireTimestamp_BodyOnlySignature_IsRefused_ButAcceptedWhereNotRequired()
    {
        var (required, _) = await CreateAsync(requireTimestamp: true);
        var (optional, _) = await CreateAsync(requireTimestamp: false);
        using var http = App.Client();
        var body = Body("body only");
        var bodyOnly = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(body)));

        var refused = await SendRawAsync(http, required, body, bodyOnly, null);
        var accepted = await SendRawAsync(http, optional, body, bodyOnly, null);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("X-Signature-Timestamp", await DetailAsync(refused), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
    }

    [Fact]
    public async Task RotatedSecret_OldOneAcceptedWithinOverlap_AndTheNewOneToo()
    {
        var (hook, id) = await CreateAsync(requireTimestamp: true);
        using var admin = App.Client(IncidentHubFactory.AdminToken);
        using var http = App.Client();

        var rotate = await admin.PostAsJsonAsync($"/api/integrations/{id}/signing/rotate", new { secret = NewSecret });
        var rotated = await rotate.Content.ReadFromJsonAsync<RotatedSigningSecret>();
        fixture.Clock.Advance(TimeSpan.FromHours(23));
        var old = await SendAsync(http, hook, Body("old secret, in overlap"), Secret, Now);
        var current = await SendAsync(http, hook, Body("new secret"), NewSecret, Now);

        Assert.Equal(HttpStatusCode.OK, rotate.StatusCode);
        Assert.Null(rotated!.GeneratedSecret);
        Assert.Equal(HttpStatusCode.Accepted, old.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, current.StatusCode);
        Assert.Equal(rotated.PreviousValidUntil, (await ListedAsync(admin, id))["previousSecretValidUntil"]!.GetValue<DateTimeOffset>());
    }

    [Fact]
    public async Task RotatedSecret_OldOneRefusedAfterOverlap()
    {
        var (hook, id) = await CreateAsync(requireTimestamp: true);
        using var admin = App.Client(IncidentHubFactory.AdminToken);
        using var http = App.Client();

        var rotate = await admin.PostAsJsonAsync($"/api/integrations/{id}/signing/rotate", new { secret = NewSecret });
        fixture.Clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));
        var old = await SendAsync(http, hook, Body("old secret, overlap over"), Secret, Now);
        var current = await SendAsync(http, hook, Body("new secret after overlap"), NewSecret, Now);

        Assert.Equal(HttpStatusCode.OK, rotate.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, current.StatusCode);
        Assert.Null((await ListedAsync(admin, id))["previousSecretValidUntil"]);
    }

    [Fact]
    public async Task Rotate_WithoutASecret_GeneratesOne_ThatSigns()
    {
        var (hook, id) = await CreateAsync(requireTimestamp: true);
        using var admin = App.Client(IncidentHubFactory.AdminToken);
        using var http = App.Client();

        var rotated = await (await admin.PostAsJsonAsync($"/api/integrations/{id}/signing/rotate", new { secret = (string?)null }))
            .Content.ReadFromJsonAsync<RotatedSigningSecret>();
        var response = await SendAsync(http, hook, Body("generated"), rotated!.GeneratedSecret!, Now);

        Assert.StartsWith("whsec_", rotated.GeneratedSecret, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task SigningApi_BadInput_AnswersProblemDetails()
    {
        var (_, id) = await CreateAsync(requireTimestamp: false);
        var pagerDuty = await App.CreateIntegrationIdAsync(SourceKind.PagerDuty);
        using var admin = App.Client(IncidentHubFactory.AdminToken);

        var shortSecret = await admin.PutAsJsonAsync($"/api/integrations/{id}/signing", new { secret = "short", requireTimestamp = true });
        var pagerDutyTimestamp = await admin.PutAsJsonAsync($"/api/integrations/{pagerDuty}/signing", new { secret = Secret, requireTimestamp = true });

        Assert.Equal(HttpStatusCode.BadRequest, shortSecret.StatusCode);
        Assert.Contains("16 characters", await shortSecret.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, pagerDutyTimestamp.StatusCode);
        Assert.Contains("PagerDuty", await DetailAsync(pagerDutyTimestamp), StringComparison.Ordinal);
    }

    private async Task<(string Hook, Guid Id)> CreateAsync(bool requireTimestamp)
    {
        using var scope = App.Services.CreateScope();
        var integrations = scope.ServiceProvider.GetRequiredService<IntegrationService>();
        var issued = await integrations.CreateAsync($"timestamped {Guid.NewGuid():N}", SourceKind.Generic);
        await integrations.SetSigningAsync(issued.IntegrationId, Secret, requireTimestamp);
        return (new Uri(issued.Url).AbsolutePath, issued.IntegrationId);
    }

    private static string Body(string title) => $$"""{"title":"{{title}} {{Guid.NewGuid():N}}","service":"payments"}""";

    private static string Timestamp(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    private static string Hmac(string secret, DateTimeOffset at, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{Timestamp(at)}.{body}")));

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, string hook, string body, string secret, DateTimeOffset at) =>
        SendRawAsync(http, hook, body, "sha256=" + Hmac(secret, at, body), Timestamp(at));

    private static async Task<HttpResponseMessage> SendRawAsync(HttpClient http, string hook, string body, string signature, string? timestamp)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, hook + "?wait=true") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Signature", signature);
        if (timestamp is not null)
        {
            request.Headers.Add("X-Signature-Timestamp", timestamp);
        }

        return await http.SendAsync(request);
    }

    private static async Task<JsonNode> ListedAsync(HttpClient admin, Guid id) =>
        (await admin.GetFromJsonAsync<JsonArray>("/api/integrations"))!.Single(i => i!["id"]!.GetValue<Guid>() == id)!;

    private static async Task<string> DetailAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>();

    private async Task<RawEventStatus> LastStatusAsync(Guid id)
    {
        await using var db = await App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.AlertEvents.Where(e => e.IntegrationId == id).OrderByDescending(e => e.Id).Select(e => e.Status).FirstAsync();
    }

    private async Task<int> AlertCountAsync(Guid id)
    {
        await using var db = await App.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.Alerts.CountAsync(a => a.IntegrationId == id);
    }
}
