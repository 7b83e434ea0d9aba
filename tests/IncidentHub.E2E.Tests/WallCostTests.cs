using System.Text.RegularExpressions;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Ingestion;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace IncidentHub.E2E.Tests;

/// <summary>
/// What an open wall costs the browser it runs in (decision 026): 50 walls share a machine on the worst day, so a row is
/// a few plain elements, and a wall nobody touches gets nothing from the server; its ages move in the page.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed partial class WallCostTests(IncidentHubFactory app, BrowserFixture browser, ITestOutputHelper output)
    : BrowserTest(app, browser, output)
{
    [GeneratedRegex("/_blazor")]
    private static partial Regex Circuit();

    [Fact]
    public async Task IdleWall_AgesMoveInThePage_WhileTheServerSendsNothing_AndARowIsAFewNodes()
    {
        var hook = await App.CreateIntegrationAsync(SourceKind.Alertmanager, $"idle wall {Guid.NewGuid():N}"[..20]);
        var run = Guid.NewGuid().ToString("N")[..6];
        var numbers = new[]
        {
            await Alerts.PostAsync(App, hook, new AlertSpec($"IdleWall{run}a", "checkout", "critical", "error rate 12% over 5m", "Checkout is failing.", "payments-team")),
            await Alerts.PostAsync(App, hook, new AlertSpec($"IdleWall{run}b", "search", "warning", "p99 latency 2.1 s", "Search is slow.", "search-team")),
        };

        try
        {
            var page = await NewPageAsync("idle-wall");
            await page.SetViewportSizeAsync(1440, 900);
            // The circuit's messages from the server pass through here; while held, the page gets none of them.
            var gate = new HeldFrames();
            await page.RouteWebSocketAsync(Circuit(), ws =>
            {
                var server = ws.ConnectToServer();
                server.OnMessage(frame => gate.Forward(ws, frame));
            });
            await LogInAsync(page, IncidentHubFactory.AdminEmail, IncidentHubFactory.AdminPassword);
            var row = page.Locator($"[data-testid=incident-row][data-number='{numbers[0]}']");
            await Expect(row).ToHaveCountAsync(1);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(OutputDirectory("screenshots"), "wall-1440x900.png"), Animations = ScreenshotAnimations.Disabled });

            // A row is a few plain nodes: elements, their texts and Blazor's one marker for the row's component.
            var perRow = await page.EvaluateAsync<double>("""
                () => {
                  const body = document.querySelector('[data-testid=incident-wall] tbody');
                  const walker = document.createTreeWalker(body, NodeFilter.SHOW_ALL);
                  let nodes = 0;
                  while (walker.nextNode()) nodes++;
                  return nodes / body.querySelectorAll('[data-testid=incident-row]').length;
                }
                """);
            Log($"DOM nodes per wall row: {perRow:0.0}");
            Assert.InRange(perRow, 10, 26);

            // Nothing reaches the page from the server, and still the young incident's age ("12s") moves on.
            var age = row.Locator("time.ih-age");
            var before = await age.TextContentAsync();
            gate.Hold();
            await Expect(age).Not.ToHaveTextAsync(before!, new() { Timeout = 25_000 });
            var after = await age.TextContentAsync();
            var held = gate.Release();
            Log($"age {before} -> {after} in the page; {held} message(s) from the server held meanwhile");
            Assert.Matches(@"^\d+s$|^1m$", after);
            Assert.True(await page.Locator("#circuit-state[data-ready=true]").CountAsync() == 1);
        }
        finally
        {
            using var api = App.Client(IncidentHubFactory.AdminToken);
            foreach (var number in numbers)
            {
                (await api.PostAsync($"/api/incidents/{number}/resolve", null)).EnsureSuccessStatusCode();
            }
        }
    }

    /// <summary>Server-to-page frames of the routed circuit, forwarded in order, or held while asked to.</summary>
    private sealed class HeldFrames
    {
        private readonly Lock _lock = new();
        private readonly Queue<IWebSocketFrame> _held = new();
        private IWebSocketRoute? _page;
        private bool _holding;

        public void Forward(IWebSocketRoute page, IWebSocketFrame frame)
        {
            lock (_lock)
            {
                _page = page;
                if (_holding)
                {
                    _held.Enqueue(frame);
                    return;
                }

                Send(page, frame);
            }
        }

        public void Hold()
        {
            lock (_lock)
            {
                _holding = true;
            }
        }

        /// <summary>Sends what was held, in order, and forwards again; returns how many were held.</summary>
        public int Release()
        {
            lock (_lock)
            {
                _holding = false;
                var count = _held.Count;
                while (_held.TryDequeue(out var frame))
                {
                    Send(_page!, frame);
                }

                return count;
            }
        }

        private static void Send(IWebSocketRoute page, IWebSocketFrame frame)
        {
            if (frame.Binary is { } bytes)
            {
                page.Send(bytes);
            }
            else
            {
                page.Send(frame.Text ?? "");
            }
        }
    }
}
