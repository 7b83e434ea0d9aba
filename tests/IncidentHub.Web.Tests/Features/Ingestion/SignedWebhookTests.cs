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

/// <summary>An integration with a signing secret accepts only bodies signed with it; refusals are recorded.</summary>
[Collection(AppCollection.Name)]
public sealed class SignedWebhookTests(IncidentHubFactory app)
{
    private const string Secret = "s3cret-for-signing-webhooks";

    [Fact]
    public async Task Generic_WithSigningSecret_RejectsUnsignedAndWrongSignature_AcceptsSigned()
    {
        var (hook, id) = await CreateSignedAsync(SourceKind.Generic);
        using var http = app.Client();
        var body = """{"title":"Signed alert","service":"payments"}""";

        var unsigned = await SendAsync(http, hook, body, null, null);
        var forged = await SendAsync(http, hook, body, "X-Signature", "sha256=" + Hmac("another secret", body));
        var tampered = await SendAsync(http, hook, body.Replace("payments", "checkout", StringComparison.Ordinal), "X-Signature", "sha256=" + Hmac(Secret, body));
        var signed = await SendAsync(http, hook, body, "X-Signature", "sha256=" + Hmac(Secret, body));

        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, tampered.StatusCode);
        Assert.Contains("X-Signature", (await unsigned.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, signed.StatusCode);
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var rows = await db.AlertEvents.Where(e => e.IntegrationId == id).OrderBy(e => e.Id).ToListAsync();
        Assert.Equal([RawEventStatus.Rejected, RawEventStatus.Rejected, RawEventStatus.Rejected, RawEventStatus.Processed], rows.Select(r => r.Status));
    }

    [Fact]
    public async Task PagerDuty_WithSigningSecret_ChecksXPagerDutySignature()
    {
        var (hook, _) = await CreateSignedAsync(SourceKind.PagerDuty);
        using var http = app.Client();
        var body = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "webhooks", "pagerduty", "triggered.json"));

        var unsigned = await SendAsync(http, hook, body, null, null);
        var signed = await SendAsync(http, hook, body, "X-PagerDuty-Signature", "v1=" + Hmac(Secret, body));

        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, signed.StatusCode);
    }

    [Fact]
    public async Task ClearingTheSecret_AcceptsUnsignedAgain()
    {
        var (hook, id) = await CreateSignedAsync(SourceKind.Generic);
        using (var scope = app.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<IntegrationService>().SetSigningSecretAsync(id, null);
        }

        using var http = app.Client();
        Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(http, hook, """{"title":"now unsigned"}""", null, null)).StatusCode);
    }

    [Fact]
    public async Task ShortSigningSecret_IsRefused()
    {
        var (_, id) = await CreateSignedAsync(SourceKind.Generic);
        using var scope = app.Services.CreateScope();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => scope.ServiceProvider.GetRequiredService<IntegrationService>().SetSigningSecretAsync(id, "short"));
    }

    private async Task<(string Hook, Guid Id)> CreateSignedAsync(SourceKind kind)
    {
        using var scope = app.Services.CreateScope();
        var integrations = scope.ServiceProvider.GetRequiredService<IntegrationService>();
        var issued = await integrations.CreateAsync($"signed {Guid.NewGuid():N}", kind);
        await integrations.SetSigningSecretAsync(issued.IntegrationId, Secret);
        return (new Uri(issued.Url).AbsolutePath, issued.IntegrationId);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, string hook, string body, string? header, string? value)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, hook + "?wait=true") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (header is not null)
        {
            request.Headers.Add(header, value);
        }

        return await http.SendAsync(request);
    }

    private static string Hmac(string secret, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));
}
