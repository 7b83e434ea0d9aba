using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
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

    /// <summary>Longest wait for Chromium to start, and for one print; then its process tree is killed.</summary>
    [Range(1, 600)]
    public int PdfTimeoutSeconds { get; set; } = 60;
}

/// <summary>The PDF could not be made (Chromium missing, not starting, hung or crashed); the message says why.</summary>
public class PdfNotPrintedException(string message, Exception? inner = null) : Exception(message, inner);

public sealed class ChromiumMissingException(string message) : PdfNotPrintedException(message);

/// <summary>
/// Prints HTML to PDF with one warm headless Chromium shared by the process (started at the first
/// print, started again if it dies), at most <see cref="ReportsOptions.PdfConcurrency"/> pages at
/// once. We start the Chromium process ourselves and connect Playwright to it over CDP, so that a
/// print that exceeds <see cref="ReportsOptions.PdfTimeoutSeconds"/> or is cancelled can kill the
/// whole process tree (Playwright's own launch gives no handle on the process, and a hung
/// <c>page.PdfAsync</c> has no timeout). Pages are kept warm and reused: a new page costs a renderer
/// process start; SetContent replaces the whole previous document, and the report HTML is
/// self-contained (inline CSS and SVG, local fonts), so nothing carries over between prints.
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
    private ChromiumProcess? _chromium;

    private TimeSpan Timeout => TimeSpan.FromSeconds(options.Value.PdfTimeoutSeconds);

    /// <summary>
    /// Prints <paramref name="html"/>. Throws <see cref="PdfNotPrintedException"/> when Chromium is missing, does not
    /// start, crashes or exceeds the timeout (its process tree is killed then); <see cref="OperationCanceledException"/>
    /// when <paramref name="ct"/> is cancelled (also killing the tree, as nothing else would stop a hung print).
    /// </summary>
    public async Task<byte[]> PrintAsync(string html, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(Timeout);
        try
        {
            await _pages.WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new PdfNotPrintedException($"No printer page was free within {Timeout.TotalSeconds:0} s (Reports:PdfTimeoutSeconds).");
        }

        try
        {
            var chromium = await ChromiumAsync(deadline.Token, ct);
            var printing = PrintOnPageAsync(chromium, html);
            try
            {
                return await printing.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                logger.LogWarning("Chromium did not print within {Seconds} s or the print was cancelled; killing its process tree", Timeout.TotalSeconds);
                await KillAsync(chromium);
                await Observe(printing);
                ct.ThrowIfCancellationRequested();
                throw new PdfNotPrintedException($"Chromium did not print the PDF within {Timeout.TotalSeconds:0} s (Reports:PdfTimeoutSeconds); its process was killed.");
            }
            catch (PlaywrightException ex)
            {
                await KillAsync(chromium);
                throw new PdfNotPrintedException($"Chromium failed while printing: {FirstLine(ex.Message)}", ex);
            }
        }
        finally
        {
            _pages.Release();
        }
    }

    /// <summary>Starts the browser and opens one page now (benchmarks and start-up warm-up).</summary>
    public async Task WarmAsync(CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(Timeout);
        var chromium = await ChromiumAsync(deadline.Token, ct);
        _idle.Add(await PageAsync(chromium.Browser));
    }

    private async Task<byte[]> PrintOnPageAsync(ChromiumProcess chromium, string html)
    {
        var page = await PageAsync(chromium.Browser);
        var reusable = false;
        try
        {
            var timeout = (float)Timeout.TotalMilliseconds;
            // Load: the document and its (inline) resources are in; the HTML references nothing on the network.
            await page.SetContentAsync(html, new PageSetContentOptions { WaitUntil = WaitUntilState.Load, Timeout = timeout });
            var pdf = await page.PdfAsync(new PagePdfOptions { Format = "A4", PrintBackground = true, PreferCSSPageSize = true });
            reusable = true;
            return pdf;
        }
        finally
        {
            if (reusable && _chromium == chromium && chromium.Browser.IsConnected && !page.IsClosed)
            {
                _idle.Add(page);
            }
            else
            {
                await ClosePageAsync(page);
            }
        }
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

    private async Task<ChromiumProcess> ChromiumAsync(CancellationToken deadline, CancellationToken ct)
    {
        if (_chromium is { Browser.IsConnected: true } ready)
        {
            return ready;
        }

        await _launch.WaitAsync(deadline);
        try
        {
            if (_chromium is { Browser.IsConnected: true } raced)
            {
                return raced;
            }

            if (_chromium is not null)
            {
                await KillAsync(_chromium);
            }

            var path = options.Value.ChromiumPath;
            if (!File.Exists(path))
            {
                throw new ChromiumMissingException(
                    $"Chromium was not found at '{path}'. Install it (apt-get install chromium) or set Reports:ChromiumPath.");
            }

            _playwright ??= await Playwright.CreateAsync();
            _chromium = await ChromiumProcess.StartAsync(_playwright, path, Timeout, deadline, ct);
            logger.LogInformation("Chromium {Version} started for PDF printing from {Path}", _chromium.Browser.Version, path);
            return _chromium;
        }
        finally
        {
            _launch.Release();
        }
    }

    private async Task KillAsync(ChromiumProcess chromium)
    {
        if (_chromium == chromium)
        {
            _chromium = null;
        }

        await chromium.DisposeAsync();
    }

    /// <summary>Waits briefly for a print whose browser was killed to fail, so its exception is observed.</summary>
    private static async Task Observe(Task printing)
    {
        try
        {
            await printing.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
            // Failed as expected once its browser was gone.
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    public async ValueTask DisposeAsync()
    {
        if (_chromium is not null)
        {
            await _chromium.DisposeAsync();
        }

        _playwright?.Dispose();
        _launch.Dispose();
        _pages.Dispose();
    }

    /// <summary>One Chromium process we started (with its own profile directory) and Playwright's CDP connection to it.</summary>
    private sealed class ChromiumProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly string _profile;

        private ChromiumProcess(Process process, string profile, IBrowser browser)
        {
            _process = process;
            _profile = profile;
            Browser = browser;
        }

        public IBrowser Browser { get; }

        public static async Task<ChromiumProcess> StartAsync(IPlaywright playwright, string path, TimeSpan timeout, CancellationToken deadline, CancellationToken ct)
        {
            var profile = Directory.CreateTempSubdirectory("ih-chromium-").FullName;
            var start = new ProcessStartInfo(path)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (var arg in LaunchArgs.Concat(["--headless", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
                         $"--user-data-dir={profile}", "about:blank"]))
            {
                start.ArgumentList.Add(arg);
            }

            var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            var lastLines = new Queue<string>();
            var process = new Process { StartInfo = start, EnableRaisingEvents = true };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not { } line)
                {
                    listening.TrySetException(new PdfNotPrintedException(
                        $"Chromium at '{path}' exited before it was ready: {string.Join(" | ", Snapshot(lastLines))}"));
                    return;
                }

                const string marker = "DevTools listening on ";
                if (line.StartsWith(marker, StringComparison.Ordinal))
                {
                    listening.TrySetResult(line[marker.Length..].Trim());
                }

                Remember(lastLines, line);
            };
            process.OutputDataReceived += (_, _) => { };
            try
            {
                process.Start();
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                Directory.Delete(profile, recursive: true);
                throw new PdfNotPrintedException($"Chromium at '{path}' could not be started: {ex.Message}", ex);
            }

            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            try
            {
                var endpoint = await listening.Task.WaitAsync(deadline);
                var browser = await playwright.Chromium.ConnectOverCDPAsync(endpoint, new BrowserTypeConnectOverCDPOptions { Timeout = (float)timeout.TotalMilliseconds });
                return new ChromiumProcess(process, profile, browser);
            }
            catch (Exception ex)
            {
                Kill(process);
                process.Dispose();
                Directory.Delete(profile, recursive: true);
                ct.ThrowIfCancellationRequested();
                throw ex switch
                {
                    PdfNotPrintedException => ex,
                    OperationCanceledException => new PdfNotPrintedException(
                        $"Chromium at '{path}' did not start within {timeout.TotalSeconds:0} s (Reports:PdfTimeoutSeconds); its process was killed."),
                    _ => new PdfNotPrintedException($"Could not connect to Chromium at '{path}': {FirstLine(ex.Message)}", ex),
                };
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                // A hung browser never answers a close: the process tree is killed either way.
                await Browser.CloseAsync().WaitAsync(TimeSpan.FromSeconds(2));
            }
            catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
            {
                // Gone or hung; killed below.
            }

            Kill(_process);
            await _process.WaitForExitAsync();
            _process.Dispose();
            try
            {
                Directory.Delete(_profile, recursive: true);
            }
            catch (IOException)
            {
                // A renderer still writing its profile; the temp directory is cleaned by the system.
            }
        }

        private static void Kill(Process process)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Exited already.
            }
        }

        private static void Remember(Queue<string> lines, string line)
        {
            lock (lines)
            {
                lines.Enqueue(line);
                if (lines.Count > 5)
                {
                    lines.Dequeue();
                }
            }
        }

        private static string[] Snapshot(Queue<string> lines)
        {
            lock (lines)
            {
                return lines.ToArray();
            }
        }
    }
}
