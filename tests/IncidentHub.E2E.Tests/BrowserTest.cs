using System.Text.RegularExpressions;
using IncidentHub.Tests.Shared;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace IncidentHub.E2E.Tests;

/// <summary>
/// Base of the browser tests: opens contexts on the shared Chromium, logs the browser's console
/// errors to the test output, and saves a Playwright trace per context to
/// test-output/traces/&lt;test&gt;-&lt;n&gt;.zip (open with `npx playwright show-trace`).
/// </summary>
public abstract partial class BrowserTest(IncidentHubFactory app, BrowserFixture browser, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<(IBrowserContext Context, string Name)> _contexts = [];

    protected IncidentHubFactory App { get; } = app;

    protected ITestOutputHelper Output { get; } = output;

    protected static string OutputDirectory(string name)
    {
        var dir = Path.Combine(IncidentHubFactory.RepositoryRoot(), "test-output", name);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>A new page in its own context (own cookies, so its own login).</summary>
    protected async Task<IPage> NewPageAsync(string name)
    {
        var context = await browser.NewContextAsync(App.ServerAddress);
        _contexts.Add((context, name));
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                Log($"[{name} console.{message.Type}] {message.Text}");
            }
        };
        page.PageError += (_, error) => Log($"[{name} pageerror] {error}");
        return page;
    }

    /// <summary>Logs in through the real form and waits for the interactive circuit on the landing page.</summary>
    protected static async Task LogInAsync(IPage page, string email, string password)
    {
        await page.GotoAsync("/account/login");
        await page.Locator("#email").FillAsync(email);
        await page.Locator("#password").FillAsync(password);
        await page.Locator("[data-testid=login-submit]").ClickAsync();
        await Expect(page).ToHaveURLAsync(WallUrl());
        await WaitForCircuitAsync(page);
    }

    /// <summary>A prerendered page has no event handlers yet; the layout flags when the circuit is up.</summary>
    protected static Task WaitForCircuitAsync(IPage page) =>
        Expect(page.Locator("#circuit-state")).ToHaveAttributeAsync("data-ready", "true", new() { Timeout = 15_000 });

    /// <summary>
    /// Full-page screenshot to test-output/screenshots/&lt;file&gt;. Tests never write docs/screenshots/:
    /// scripts/screenshots.sh copies these there on purpose.
    /// </summary>
    protected static async Task ScreenshotAsync(IPage page, string file) =>
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Path.Combine(OutputDirectory("screenshots"), file), FullPage = true, Animations = ScreenshotAnimations.Disabled,
        });

    [GeneratedRegex(@"^https?://[^/]+/(\?.*)?$")]
    protected static partial Regex WallUrl();

    [GeneratedRegex(@"^https?://[^/]+/account/login(\?.*)?$")]
    protected static partial Regex LoginUrl();

    protected void Log(string line)
    {
        try
        {
            Output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test has finished; late console messages have nowhere to go.
        }
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        var traces = OutputDirectory("traces");
        var test = GetType().Name;
        for (var i = 0; i < _contexts.Count; i++)
        {
            var (context, name) = _contexts[i];
            await context.Tracing.StopAsync(new TracingStopOptions { Path = Path.Combine(traces, $"{test}-{name}.zip") });
            await context.CloseAsync();
        }
    }
}
