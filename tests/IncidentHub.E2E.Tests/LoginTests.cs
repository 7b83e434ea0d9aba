using IncidentHub.Tests.Shared;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace IncidentHub.E2E.Tests;

/// <summary>The login form and the redirect of anonymous visitors, in a real browser.</summary>
[Collection(E2ECollection.Name)]
public sealed class LoginTests(IncidentHubFactory app, BrowserFixture browser, ITestOutputHelper output)
    : BrowserTest(app, browser, output)
{
    [Fact]
    public async Task Login_WrongPassword_ShowsError_AndStaysOnLogin()
    {
        // Its own user: failed attempts count towards a lockout, which must not hit the shared admin.
        var email = $"responder-{Guid.NewGuid():N}"[..22] + "@test.local";
        await App.CreateUserAsync(email, "Responder!pass-123", "Responder");
        var page = await NewPageAsync("wrong-password");

        await page.GotoAsync("/account/login");
        await page.Locator("#email").FillAsync(email);
        await page.Locator("#password").FillAsync("Responder!pass-124");
        await page.Locator("[data-testid=login-submit]").ClickAsync();

        await Expect(page.GetByTestId("login-error")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("login-error")).ToContainTextAsync("Wrong email or password");
        await Expect(page).ToHaveURLAsync(LoginUrl());
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "incidenthub");
    }

    [Fact]
    public async Task Anonymous_VisitToWall_EndsOnLogin()
    {
        var page = await NewPageAsync("anonymous");

        await page.GotoAsync("/");

        await Expect(page).ToHaveURLAsync(LoginUrl());
        await Expect(page.Locator("#email")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("incident-wall")).ToHaveCountAsync(0);
    }
}
