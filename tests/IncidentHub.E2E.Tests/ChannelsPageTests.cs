using IncidentHub.Tests.Shared;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace IncidentHub.E2E.Tests;

/// <summary>An Admin adds a Slack channel on the Channels page: bad URLs are refused with the reason, the secret is never shown again, delete asks first.</summary>
[Collection(E2ECollection.Name)]
public sealed class ChannelsPageTests(IncidentHubFactory app, BrowserFixture browser, ITestOutputHelper output)
    : BrowserTest(app, browser, output)
{
    [Fact]
    public async Task Admin_AddsAChannel_BadUrlsRefusedWithTheReason_SecretNeverShown_DeleteConfirmed()
    {
        var name = $"ops-slack-{Guid.NewGuid():N}"[..18];
        const string hookPath = "/services/T000/B000/secretpart0123456789";
        var page = await NewPageAsync("channels");
        await LogInAsync(page, IncidentHubFactory.AdminEmail, IncidentHubFactory.AdminPassword);
        await page.GotoAsync("/admin/channels");
        await WaitForCircuitAsync(page);

        await Field(page, "channel-name").FillAsync(name);
        await Field(page, "channel-secret").FillAsync("hooks.slack.com/no-scheme");
        await page.GetByTestId("channel-create").ClickAsync();
        await Expect(page.GetByTestId("channel-errors")).ToContainTextAsync("An http(s) URL is required.");

        await Field(page, "channel-secret").FillAsync("http://169.254.169.254/latest/meta-data");
        await page.GetByTestId("channel-create").ClickAsync();
        await Expect(page.GetByTestId("channel-errors")).ToContainTextAsync("may not call 169.254.169.254");

        await Field(page, "channel-secret").FillAsync($"http://127.0.0.1:9{hookPath}");
        await page.GetByTestId("channel-create").ClickAsync();
        var row = page.GetByTestId("channel-row").Filter(new() { HasText = name });
        await Expect(row).ToContainTextAsync("Slack");
        await Expect(row).ToContainTextAsync("127.0.0.1");
        await Expect(page.GetByTestId("channel-errors")).ToHaveCountAsync(0);
        Assert.DoesNotContain(hookPath, await page.ContentAsync(), StringComparison.Ordinal);
        await ScreenshotAsync(page, "channels.png");

        await row.GetByTestId("channel-delete").ClickAsync();
        await Expect(row).ToHaveCountAsync(1); // nothing deleted before the confirmation
        await row.GetByTestId("channel-delete-confirm").ClickAsync();
        await Expect(page.GetByTestId("channel-row").Filter(new() { HasText = name })).ToHaveCountAsync(0);
    }

    // MudBlazor puts unmatched attributes on the input itself.
    private static ILocator Field(IPage page, string testId) => page.Locator($"input[data-testid={testId}], [data-testid={testId}] input").First;
}
