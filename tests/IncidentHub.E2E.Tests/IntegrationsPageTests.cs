using System.Net;
using System.Text;
using IncidentHub.Tests.Shared;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace IncidentHub.E2E.Tests;

/// <summary>The Admin's Integrations page: create one, see its URL once, see rejected payloads with their error, rotate.</summary>
[Collection(E2ECollection.Name)]
public sealed class IntegrationsPageTests(IncidentHubFactory app, BrowserFixture browser, ITestOutputHelper output)
    : BrowserTest(app, browser, output)
{
    [Fact]
    public async Task Admin_CreatesIntegration_SeesRejectedPayloadWithError_AndRotatesToken()
    {
        var page = await NewPageAsync("integrations");
        await LogInAsync(page, IncidentHubFactory.AdminEmail, IncidentHubFactory.AdminPassword);
        await page.GotoAsync("/integrations");
        await WaitForCircuitAsync(page);
        var name = $"prod-alertmanager-{Guid.NewGuid():N}"[..24];

        await page.Locator("input[data-testid=integration-name], [data-testid=integration-name] input").First.FillAsync(name);
        await page.GetByTestId("create-integration").ClickAsync();
        var issued = page.GetByTestId("issued-url");
        await Expect(issued).ToContainTextAsync("/hooks/alertmanager/iht_");
        var url = new Uri((await issued.TextContentAsync())!.Trim());

        using var http = App.Client();
        var bad = await http.PostAsync(url.AbsolutePath, new StringContent("{\"alerts\": [", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        var row = page.Locator($"[data-testid=integration-row][data-name='{name}']");
        await row.GetByTestId("show-payloads").ClickAsync();
        var rejected = page.Locator("[data-testid=raw-event][data-status=Rejected]");
        await Expect(rejected).ToHaveCountAsync(1);
        await Expect(rejected).ToContainTextAsync("not valid JSON");
        await rejected.GetByTestId("replay").ClickAsync();
        await Expect(page.GetByTestId("integration-message")).ToContainTextAsync("refused (HTTP 400)");

        await row.GetByTestId("send-test-alert").ClickAsync();
        await Expect(page.GetByTestId("integration-message")).ToContainTextAsync("Test alert accepted");
        await Expect(page.GetByTestId("test-incident-link")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=raw-event][data-status=Processed]")).ToHaveCountAsync(1);
        await rejected.Locator("summary").ClickAsync();
        await ScreenshotAsync(page, "integrations.png");

        await row.GetByTestId("grouping").ClickAsync();
        await page.Locator("input[data-testid=group-by], [data-testid=group-by] input").First.FillAsync("service, alertname");
        await page.GetByTestId("dry-run").ClickAsync();
        await Expect(page.GetByTestId("dry-run-result")).ToContainTextAsync("1 notifications");
        await Expect(page.GetByTestId("dry-run-proposed")).ToHaveTextAsync("1");
        await Expect(page.GetByTestId("dry-run-result")).ToContainTextAsync("service=, alertname=IncidentHubTest");
        await ScreenshotAsync(page, "grouping.png");
        await page.GetByTestId("save-rules").ClickAsync();
        await Expect(page.GetByTestId("grouping-editor")).ToHaveCountAsync(0);

        // Keep the shared wall clean for the other browser tests: resolve the test incident.
        var testIncident = (await page.GetByTestId("test-incident-link").GetAttributeAsync("href"))!.Split('/')[^1];
        using (var admin = App.Client(IncidentHubFactory.AdminToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/incidents/{testIncident}/resolve", null)).StatusCode);
        }

        await row.GetByTestId("rotate-token").ClickAsync();
        await Expect(issued).Not.ToHaveTextAsync(url.ToString());
        var rotated = new Uri((await issued.TextContentAsync())!.Trim());
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync(url.AbsolutePath, new StringContent("{}", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.NotEqual(HttpStatusCode.Unauthorized, (await http.PostAsync(rotated.AbsolutePath, new StringContent("{}", Encoding.UTF8, "application/json"))).StatusCode);
    }
    [Fact]
    public async Task Admin_RequiresSignedTimestamps_RotatesTheSecret_AndSeesUntilWhenTheOldOneWorks()
    {
        var page = await NewPageAsync("integrations-signing");
        await LogInAsync(page, IncidentHubFactory.AdminEmail, IncidentHubFactory.AdminPassword);
        var name = $"signed-generic-{Guid.NewGuid():N}"[..24];
        var hook = await App.CreateIntegrationAsync(IncidentHub.Analysis.Ingestion.SourceKind.Generic, name);
        await page.GotoAsync("/integrations");
        await WaitForCircuitAsync(page);
        var row = page.Locator($"[data-testid=integration-row][data-name='{name}']");

        await row.GetByTestId("signing").ClickAsync();
        await page.Locator("input[data-testid=signing-secret], [data-testid=signing-secret] input").First.FillAsync("first-signing-secret-0123456789");
        await page.GetByText("Require a signed timestamp (no replays)").ClickAsync();
        await page.GetByTestId("save-secret").ClickAsync();
        await Expect(row).ToContainTextAsync("timestamped");
        await page.GetByTestId("rotate-secret").ClickAsync();
        var generated = page.GetByTestId("generated-secret");
        await Expect(generated).ToContainTextAsync("whsec_");
        await Expect(page.GetByTestId("previous-secret")).ToContainTextAsync("still accepted until");
        await ScreenshotAsync(page, "integration-signing.png");

        // The generated secret signs; an unsigned body and a body-only signature are refused (a timestamp is required).
        var secret = (await generated.TextContentAsync())!.Trim();
        using var http = App.Client();
        var body = """{"title":"signed from the UI test"}""";
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signature = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));
        using var signed = new HttpRequestMessage(HttpMethod.Post, hook + "?wait=true") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        signed.Headers.Add("X-Signature", $"sha256={signature}");
        signed.Headers.Add("X-Signature-Timestamp", timestamp);
        var accepted = await http.SendAsync(signed);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync(hook, new StringContent(body, Encoding.UTF8, "application/json"))).StatusCode);

        // Keep the shared wall clean for the other browser tests.
        var number = System.Text.Json.Nodes.JsonNode.Parse(await accepted.Content.ReadAsStringAsync())!["incidents"]![0]!["number"]!.GetValue<int>();
        using var admin = App.Client(IncidentHubFactory.AdminToken);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/incidents/{number}/resolve", null)).StatusCode);
    }
}
