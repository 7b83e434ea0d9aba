using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Reports;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Tests.Features.Reports;

/// <summary>The printer against real programs: Chromium, a missing file, a program that hangs, a page that never loads.</summary>
public sealed class PdfPrinterTests
{
    private const string Html = "<!doctype html><html><body><h1>Post-mortem</h1></body></html>";

    private static string Chromium => Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    [Fact]
    public async Task Print_WithChromium_ReturnsAPdf()
    {
        await using var printer = Printer(Chromium, timeoutSeconds: 60);

        var pdf = await printer.PrintAsync(Html, CancellationToken.None);

        Assert.Equal("%PDF"u8.ToArray(), pdf[..4]);
    }

    [Fact]
    public async Task Print_WithChromiumMissing_FailsAtOnce_NamingThePathAndTheSetting()
    {
        await using var printer = Printer("/nonexistent/chromium", timeoutSeconds: 60);

        var error = await Assert.ThrowsAsync<ChromiumMissingException>(() => printer.PrintAsync(Html, CancellationToken.None));

        Assert.Contains("'/nonexistent/chromium'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Reports:ChromiumPath", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Print_WithAChromiumThatHangs_FailsAfterTheTimeout_AndKillsItsProcessTree()
    {
        using var hung = new HungChromium();
        await using var printer = Printer(hung.Path, timeoutSeconds: 2);

        var error = await Assert.ThrowsAsync<PdfNotPrintedException>(() => printer.PrintAsync(Html, CancellationToken.None));

        Assert.Contains("did not start within 2 s (Reports:PdfTimeoutSeconds)", error.Message, StringComparison.Ordinal);
        Assert.NotNull(hung.ChildPid);
        await Eventually.HoldsAsync(() => Task.FromResult(hung.ChildRuns), runs => !runs, TimeSpan.FromSeconds(5), "the hung program's child to be killed");
    }

    [Fact]
    public async Task Print_Cancelled_WhileChromiumHangs_StopsAtOnce_AndKillsItsProcessTree()
    {
        using var hung = new HungChromium();
        await using var printer = Printer(hung.Path, timeoutSeconds: 600);
        using var cancel = new CancellationTokenSource();

        var printing = printer.PrintAsync(Html, cancel.Token);
        await Eventually.HoldsAsync(() => Task.FromResult(hung.ChildRuns), runs => runs, TimeSpan.FromSeconds(10), "the hung program to start");
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => printing.WaitAsync(TimeSpan.FromSeconds(10)));
        await Eventually.HoldsAsync(() => Task.FromResult(hung.ChildRuns), runs => !runs, TimeSpan.FromSeconds(5), "the hung program's child to be killed");
    }

    [Fact]
    public async Task Print_OfAPageThatNeverLoads_FailsAfterTheTimeout_AndTheNextPrintWorks()
    {
        await using var printer = Printer(Chromium, timeoutSeconds: 5);
        await printer.WarmAsync(CancellationToken.None);

        var error = await Assert.ThrowsAsync<PdfNotPrintedException>(() =>
            printer.PrintAsync("<!doctype html><html><body><script>for(;;){}</script></body></html>", CancellationToken.None));
        var pdf = await printer.PrintAsync(Html, CancellationToken.None);

        Assert.Contains("Chromium", error.Message, StringComparison.Ordinal);
        Assert.Equal("%PDF"u8.ToArray(), pdf[..4]);
    }

    private static PdfPrinter Printer(string chromium, int timeoutSeconds) =>
        new(Options.Create(new ReportsOptions { ChromiumPath = chromium, PdfTimeoutSeconds = timeoutSeconds }), NullLogger<PdfPrinter>.Instance);
}
