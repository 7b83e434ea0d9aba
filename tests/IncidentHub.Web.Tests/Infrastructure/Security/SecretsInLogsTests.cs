using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Ingestion;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Tests.Infrastructure.Security;

/// <summary>
/// A realistic run with every secret configured or issued, then PostgreSQL cut off: the webhook answers 503 with
/// Retry-After, and no log line (every category at Debug, with scopes) holds any secret.
/// </summary>
[Collection(SecurityAppCollection.Name)]
public sealed class SecretsInLogsTests(SecurityApp security)
{
    private IncidentHubFactory App => security.App;

    [Fact]
    public async Task Webhook_WhenPostgresUnreachable_Is503WithRetryAfter_AsProblemDetails()
    {
        var hook = await App.CreateIntegrationAsync(SourceKind.Generic);
        using var http = App.Client();
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsync(hook, Alert("before the outage"))).StatusCode);

        List<HttpResponseMessage> answers;
        security.Database.Down();
        try
        {
            answers =
            [
                // Known token (cached): the inbox cannot store the body.
                await http.PostAsync(hook, Alert("during the outage")),
                // A token never seen: its lookup cannot reach the database.
                await http.PostAsync($"/hooks/generic/iht_{Guid.NewGuid():N}", Alert("unknown token")),
            ];
        }
        finally
        {
            security.Database.Up();
        }

        foreach (var answer in answers)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
            Assert.True(int.Parse(Assert.Single(answer.Headers.GetValues("Retry-After"))) >= 1);
            Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        }

        await Eventually.HoldsAsync(async () => (await http.PostAsync(hook, Alert("after the outage"))).StatusCode, s => s == HttpStatusCode.Accepted,
            what: "the webhook accepts again once PostgreSQL is back");
    }

    [Fact]
    public async Task FullRun_WithPostgresOutage_LogsNoSecret()
    {
        var secrets = new List<string>(security.Secrets) { GitHubFake.DefaultToken };
        var hookUrl = await App.CreateIntegrationAsync(SourceKind.Generic);
        secrets.Add(hookUrl.Split('/')[^1]);
        var userPassword = "Responder!pass-" + Guid.NewGuid().ToString("N")[..8];
        var userToken = await App.CreateUserAsync($"flow-{Guid.NewGuid():N}"[..20] + "@test.local", userPassword, "Responder");
        secrets.AddRange([userPassword, userToken]);

        // People log in (one wrong password too), scripts use the API, senders post alerts; GitHub calls back.
        using (var browser = new LoginForm(App.ServerAddress, "198.51.100.60"))
        {
            await browser.LogInAsync(IncidentHubFactory.AdminEmail, IncidentHubFactory.AdminPassword + "x");
            Assert.Equal("/", (await browser.LogInAsync(IncidentHubFactory.AdminEmail, IncidentHubFactory.AdminPassword)).Headers.Location!.OriginalString);
            Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/")).StatusCode);
        }

        using var admin = App.Client(IncidentHubFactory.AdminToken);
        using var responder = App.Client(userToken);
        using var anonymous = App.Client();
        var accepted = await anonymous.PostAsync(hookUrl + "?wait=true", Alert("checkout down"));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/integrations")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await responder.GetAsync("/api/incidents")).StatusCode);
        await anonymous.PostAsync($"/hooks/github/{IncidentHubFactory.GitHubWebhookToken}", new StringContent("{}", Encoding.UTF8, "application/json"));
        await anonymous.PostAsync($"/hooks/generic/iht_{Guid.NewGuid():N}", Alert("wrong token"));

        // PostgreSQL goes away: 503s, and every path they log.
        security.Database.Down();
        try
        {
            await anonymous.PostAsync(hookUrl, Alert("during the outage"));
            await anonymous.PostAsync($"/hooks/generic/iht_{Guid.NewGuid():N}", Alert("unknown during the outage"));
            await responder.GetAsync("/api/incidents");
            await admin.GetAsync("/api/incidents");
            using var late = new LoginForm(App.ServerAddress, "198.51.100.61");
            await late.LogInAsync(IncidentHubFactory.AdminEmail, IncidentHubFactory.AdminPassword);
            await anonymous.GetAsync("/health/ready");
        }
        finally
        {
            security.Database.Up();
        }

        await Eventually.HoldsAsync(async () => (await anonymous.PostAsync(hookUrl, Alert("after"))).StatusCode, s => s == HttpStatusCode.Accepted,
            what: "the webhook accepts again once PostgreSQL is back");

        var log = security.Log.Text;
        Assert.Contains("Request starting", log, StringComparison.Ordinal); // the hosting request log was captured
        Assert.Contains("/hooks/generic/iht_", log, StringComparison.Ordinal); // webhook paths were logged, redacted
        Assert.Contains("503", log, StringComparison.Ordinal);
        foreach (var secret in secrets)
        {
            if (log.Contains(secret, StringComparison.Ordinal))
            {
                Assert.Fail($"The log holds a secret ({secret[..4]}…): {Around(log, secret)}");
            }
        }
    }

    [Fact]
    public async Task DataProtectionKeys_AreStoredEncrypted_AndTheCertificateFileIsPrivate()
    {
        await using var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(App.ConnectionString).Options);

        var keys = await db.DataProtectionKeys.Select(k => k.Xml).ToListAsync();

        Assert.NotEmpty(keys);
        Assert.All(keys, xml =>
        {
            Assert.Contains("EncryptedData", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
        });
        var certificate = Path.GetFullPath(Path.Combine(".data", "dataprotection.pfx"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(certificate));
        }
    }

    private static JsonContent Alert(string title) => Payloads.Json(new JsonObject { ["title"] = title, ["service"] = "checkout", ["severity"] = "warning" });

    private static string Around(string log, string secret)
    {
        var at = log.IndexOf(secret, StringComparison.Ordinal);
        var start = Math.Max(0, log.LastIndexOf('\n', at) + 1);
        return log[start..Math.Min(log.Length, at + 40)].Replace(secret, "<SECRET>", StringComparison.Ordinal);
    }
}
