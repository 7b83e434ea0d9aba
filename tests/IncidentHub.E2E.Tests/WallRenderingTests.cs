using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Ingestion;
using Microsoft.Playwright;
using Npgsql;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace IncidentHub.E2E.Tests;

/// <summary>
/// A long wall stays cheap for the browser (decision 026): rows below the screen are not styled, laid out or painted
/// until scrolled to (content-visibility on grid rows), and the columns still line up with the header.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class WallRenderingTests(IncidentHubFactory app, BrowserFixture browser, ITestOutputHelper output)
    : BrowserTest(app, browser, output)
{
    [Fact]
    public async Task LongWall_SkipsRowsBelowTheScreen_UntilScrolledTo_AndKeepsColumnsAligned()
    {
        var hook = await App.CreateIntegrationAsync(SourceKind.Alertmanager, $"long wall {Guid.NewGuid():N}"[..20]);
        var run = Guid.NewGuid().ToString("N")[..6];
        var numbers = new List<int>();
        for (var i = 0; i < 24; i++)
        {
            numbers.Add(await Alerts.PostAsync(App, hook, new AlertSpec($"WallLoad{run}x{i}", $"svc-{i % 7}", "info",
                $"queue depth {i * 13} over 5m", "A long wall for the rendering test.", "platform-team")));
        }

        try
        {
            var page = await NewPageAsync("long-wall");
            // A short window: Chromium renders rows within about two and a half screens; the last of 24 is beyond that.
            await page.SetViewportSizeAsync(1280, 300);
            await LogInAsync(page, IncidentHubFactory.AdminEmail, IncidentHubFactory.AdminPassword);
            var rows = page.GetByTestId("incident-row");
            await Expect(page.Locator($"[data-testid=incident-row][data-number='{numbers[^1]}']")).ToHaveCountAsync(1);
            Assert.True(await rows.CountAsync() >= 24);

            // The last row is in the DOM (the page's find, tests, the keyboard reach it) but the browser skips rendering its
            // cells, as it does for every row well below the screen; the first row's are rendered.
            const string Rendered = "r => r.querySelector('td').checkVisibility({ contentVisibilityAuto: true })";
            var last = rows.Last;
            await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=incident-row] td').checkVisibility({ contentVisibilityAuto: true })");
            Assert.True(await rows.First.EvaluateAsync<bool>(Rendered));
            Assert.False(await last.EvaluateAsync<bool>(Rendered));

            // Each column starts where its header does, on the first row and, once scrolled to, on the last.
            await AssertAlignedAsync(page, rows.First);
            await last.ScrollIntoViewIfNeededAsync();
            await Expect(last).ToBeInViewportAsync();
            await last.Locator("td").First.WaitForAsync();
            await page.WaitForFunctionAsync("() => [...document.querySelectorAll('[data-testid=incident-row]')].pop().querySelector('td').checkVisibility({ contentVisibilityAuto: true })");
            await AssertAlignedAsync(page, last);

            await page.SetViewportSizeAsync(1280, 800);
            await page.EvaluateAsync("() => window.scrollTo(0, 0)");
            // The screen as the user sees it (a full-page capture shows the skipped rows below it as empty rows).
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(OutputDirectory("screenshots"), "wall-long.png"), Animations = ScreenshotAnimations.Disabled });
        }
        finally
        {
            using var api = App.Client(IncidentHubFactory.AdminToken);
            foreach (var number in numbers)
            {
                (await api.PostAsync($"/api/incidents/{number}/resolve", null)).EnsureSuccessStatusCode();
            }

            // Moved three years back, every time alike (durations unchanged): the History and Analytics tests of this
            // collection look at the most recent incidents and expect the generated ones among them.
            await using var connection = new NpgsqlConnection(App.ConnectionString);
            await connection.OpenAsync();
            var columns = new[] { "TriggeredAt", "AcknowledgedAt", "InvestigatingAt", "AwaitingApprovalAt", "MitigatingAt", "MonitoringAt", "ResolvedAt", "EscalatedAt", "SuppressedAt" };
            await using var age = new NpgsqlCommand(
                $"UPDATE incidents SET {string.Join(", ", columns.Select(c => $"\"{c}\" = \"{c}\" - interval '3 years'"))} WHERE \"Number\" = ANY($1)", connection);
            age.Parameters.Add(new NpgsqlParameter { Value = numbers.ToArray() });
            await age.ExecuteNonQueryAsync();
        }
    }

    private static async Task AssertAlignedAsync(IPage page, ILocator row)
    {
        var headers = await page.Locator("[data-testid=incident-wall] thead th").EvaluateAllAsync<double[]>("hs => hs.map(h => h.getBoundingClientRect().left)");
        // A cell's box (severity and state are badges set 8px in, where the header's text starts).
        var cells = await row.Locator("td").EvaluateAllAsync<double[]>("cs => cs.map(c => c.getBoundingClientRect().left - parseFloat(getComputedStyle(c).marginLeft))");
        Assert.Equal(headers.Length, cells.Length);
        for (var i = 0; i < headers.Length; i++)
        {
            Assert.InRange(cells[i], headers[i] - 1, headers[i] + 1);
        }
    }
}
