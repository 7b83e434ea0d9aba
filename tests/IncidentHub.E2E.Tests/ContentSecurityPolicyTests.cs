using System.Collections.Concurrent;
using IncidentHub.Tests.Shared;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace IncidentHub.E2E.Tests;

/// <summary>The dashboard under the real Content-Security-Policy: it renders, the circuit works, nothing is refused.</summary>
[Collection(E2ECollection.Name)]
public sealed class ContentSecurityPolicyTests(IncidentHubFactory app, BrowserFixture browser, ITestOutputHelper output)
    : BrowserTest(app, browser, output)
{
    [Fact]
    public async Task Dashboard_UnderCsp_RendersAndIsInteractive_WithoutViolations()
    {
        var page = await NewPageAsync("csp");
        var violations = new ConcurrentQueue<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || message.Text.Contains("Refused to", StringComparison.Ordinal))
            {
                violations.Enqueue(message.Text);
            }
        };
        // The browser's own report of every violation, including ones it does not log.
        await page.AddInitScriptAsync("""
            window.__cspViolations = [];
            document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
            """);

        var response = await page.GotoAsync("/account/login");
        Assert.Contains("frame-ancestors 'none'", (await response!.AllHeadersAsync())["content-security-policy"], StringComparison.Ordinal);
        await LogInAsync(page, IncidentHubFactory.AdminEmail, IncidentHubFactory.AdminPassword);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Incident wall" })).ToBeVisibleAsync();

        // Interactive: client-side navigation through the circuit to a page with charts and MudBlazor inputs.
        await page.GetByRole(AriaRole.Link, new() { Name = "Analytics", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/analytics$"));
        await Expect(page.GetByTestId("analytics-range").First).ToBeVisibleAsync();
        var demoNote = page.GetByTestId("analytics-demo-note");
        var before = await demoNote.CountAsync() > 0 ? await demoNote.InnerTextAsync() : null;
        await page.GetByTestId("analytics-include-demo").ClickAsync();
        if (before is not null)
        {
            // The circuit has re-rendered the figures with the other choice before the test moves on (a navigation
            // clicked while it still renders the charts waits for that render).
            await Expect(demoNote).Not.ToHaveTextAsync(before);
        }

        await page.GetByRole(AriaRole.Link, new() { Name = "Wall", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Incident wall" })).ToBeVisibleAsync();

        var reported = await page.EvaluateAsync<string[]>("window.__cspViolations");
        Assert.Empty(reported);
        Assert.Empty(violations);
    }
}
