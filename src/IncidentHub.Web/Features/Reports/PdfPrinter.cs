using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;

namespace IncidentHub.Web.Features.Reports;

public sealed class ReportsOptions
{
    public const string SectionName = "Reports";

    /// <summary>The Chromium binary printing PDFs (Debian: /usr/bin/chromium). Never downloaded.</summary>
    [Required]
    public string ChromiumPath { get; set; } = "/usr/bin/chromium";

    /// <summary>PDFs printed at the same time by this process (each is a browser page).</summary>
    [Range(1, 16)]
    public int PdfConcurrency { get; set; } = 2;

    [Range(5, 600)]
    public int PdfTimeoutSeconds { get; set; } = 60;
}

public sealed class ChromiumMissingException(string message) : InvalidOperationException(message);

/// <summary>
/// Prints HTML to PDF with one warm headless Chromium shared by the process (launched at the
/// first print, relaunched if it dies), at most <see cref="ReportsOptions.PdfConcurrency"/>
/// pages at once. Pages are kept warm and reused: a new page costs a renderer process start
/// (most of a print's time); SetContent replaces the whole previous document, and the report HTML
/// is self-contained (inline CSS and SVG, local fonts), so nothing carries over between prints.
/// </summary>
public sealed class PdfPrinter(IOptions<ReportsOptions> options, ILogger<PdfPrinter> logger) : IAsyncDisposable
{
    /// <summary>Chromium flags that work here (STACK.md): no sandbox as root, no GPU, no background traffic.</summary>
    public static readonly string[] LaunchArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage",
    ];

    private readonly SemaphoreSlim _launch = new(1, 1);
    private readonly SemaphoreSlim _pages = new(options.Value.PdfConcurrency, options.Value.PdfConcurrency);
    private readonly System.Collections.Concurrent.ConcurrentBag<IPage> _idle = [];
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task<byte[]> PrintAsync(string html, CancellationToken ct)
    {
        await _pages.WaitAsync(ct);
        try
        {
            var browser = await BrowserAsync(ct);
            var page = await PageAsync(browser);
            var reusable = false;
            try
            {
                var timeout = options.Value.PdfTimeoutSeconds * 1000f;
                // Load: the document and its (inline) resources are in; the HTML references nothing on the network.
                await page.SetContentAsync(html, new PageSetContentOptions { WaitUntil = WaitUntilState.Load, Timeout = timeout });
                var pdf = await page.PdfAsync(new PagePdfOptions { Format = "A4", PrintBackground = true, PreferCSSPageSize = true });
                reusable = true;
                return pdf;
            }
            finally
            {
                if (reusable && page.Context.Browser == _browser && !page.IsClosed)
                {
                    _idle.Add(page);
                }
                else
                {
                    await ClosePageAsync(page);
                }
            }
        }
        finally
        {
            _pages.Release();
        }
    }

    /// <summary>Launches the browser and opens one page now (benchmarks and start-up warm-up).</summary>
    public async Task WarmAsync(CancellationToken ct)
    {
        var browser = await BrowserAsync(ct);
        _idle.Add(await PageAsync(browser));
    }

    /// <summary>An idle page of the current browser, or a new one (pages of a browser that died are dropped).</summary>
    private async Task<IPage> PageAsync(IBrowser browser)
    {
        while (_idle.TryTake(out var page))
        {
            if (page.Context.Browser == browser && !page.IsClosed)
            {
                return page;
            }

            await ClosePageAsync(page);
        }

        return await browser.NewPageAsync();
    }

    private static async Task ClosePageAsync(IPage page)
    {
        try
        {
            await page.Context.CloseAsync();
        }
        catch (PlaywrightException)
        {
            // The browser is gone already: nothing left to close.
        }
    }

    private async Task<IBrowser> BrowserAsync(CancellationToken ct)
    {
        if (_browser is { IsConnected: true } ready)
        {
            return ready;
        }

        await _launch.WaitAsync(ct);
        try
        {
            if (_browser is { IsConnected: true } raced)
            {
                return raced;
            }

            var path = options.Value.ChromiumPath;
            if (!File.Exists(path))
            {
                throw new ChromiumMissingException(
                    $"Cannot print the post-mortem PDF: Chromium was not found at '{path}'. Install it (apt-get install chromium) or set Reports:ChromiumPath.");
            }

            _playwright ??= await Playwright.CreateAsync();
            _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = path, Headless = true, Args = LaunchArgs });
            logger.LogInformation("Chromium {Version} launched for PDF printing from {Path}", _browser.Version, path);
            return _browser;
        }
        finally
        {
            _launch.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        _launch.Dispose();
        _pages.Dispose();
    }
}
