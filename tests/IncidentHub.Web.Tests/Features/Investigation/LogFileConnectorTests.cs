using System.IO.Compression;
using IncidentHub.Web.Features.Catalog;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Features.Investigation.Connectors;
using IncidentHub.Web.Infrastructure.Security;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Tests.Features.Investigation;

public sealed class LogFileConnectorTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("ih-logs-").FullName;
    private readonly LogFileConnector _logs;

    public LogFileConnectorTests() => _logs = Create(new InvestigationOptions(), _dir);

    private static LogFileConnector Create(InvestigationOptions options, params string[] roots) =>
        new(new CatalogFileRoots(Options.Create(new CatalogOptions { AllowedFileRoots = [.. roots] })), Options.Create(options));

    [Fact]
    public async Task Read_DevZero_EndsWithAClearError_AtTheConfiguredBound()
    {
        var logs = Create(new InvestigationOptions { MaxFileBytes = 4 * 1024 * 1024 }, "/dev");

        var error = await Assert.ThrowsAsync<ReadLimitExceededException>(() => logs.ReadAsync("/dev/zero", T0.AddHours(-1), T0, 1000, CancellationToken.None));

        Assert.Contains("/dev/zero is larger than 4194304 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("Investigation:MaxFileBytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_SymbolicLinkOutOfTheRoots_IsRefused()
    {
        File.CreateSymbolicLink(Path.Combine(_dir, "app.log"), "/etc/passwd");

        var error = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => _logs.ReadAsync(Path.Combine(_dir, "app.log"), T0.AddHours(-1), T0, 1000, CancellationToken.None));

        Assert.Contains("Catalog:AllowedFileRoots", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_AVeryLongLine_IsCutAtMaxLineChars()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "app.log"), "2024-05-01T11:50:00Z ERROR " + new string('x', 100_000) + "\n2024-05-01T11:51:00Z INFO next\n");
        var logs = Create(new InvestigationOptions { MaxLineChars = 1000 }, _dir);

        var read = await logs.ReadAsync(Path.Combine(_dir, "app.log"), T0.AddHours(-1), T0, 1000, CancellationToken.None);

        Assert.Equal([1000, 30], read.Lines.Select(l => l.Text.Length));
    }

    [Fact]
    public async Task Read_IncludesRotatedAndGzippedFiles_InTimeOrder_OnlyInsideTheWindow()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "app.log.2"), "2024-05-01T10:00:00Z INFO too old\n");
        await WriteGzAsync(Path.Combine(_dir, "app.log.1.gz"), "2024-05-01T11:30:00Z INFO from the gz rotation\n");
        await File.WriteAllTextAsync(Path.Combine(_dir, "app.log"), "2024-05-01 11:59:00,250 ERROR current file\n2024-05-01T12:30:00Z INFO after the window\n");
        await File.WriteAllTextAsync(Path.Combine(_dir, "other.txt"), "2024-05-01T11:45:00Z INFO not a log of this pattern\n");

        var read = await _logs.ReadAsync(Path.Combine(_dir, "app.log"), T0.AddHours(-1), T0.AddMinutes(15), 1000, CancellationToken.None);

        Assert.Equal(["2024-05-01T11:30:00Z INFO from the gz rotation", "2024-05-01 11:59:00,250 ERROR current file"], read.Lines.Select(l => l.Text));
        Assert.Equal(T0.AddMinutes(-1).AddMilliseconds(250), read.Lines[1].At);
        Assert.False(read.Capped);
        Assert.Equal(3, read.Files.Count);
    }

    [Fact]
    public async Task Read_Glob_MatchesEveryFileOfThePattern()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "web-1.log"), "2024-05-01T11:50:00Z INFO one\n");
        await File.WriteAllTextAsync(Path.Combine(_dir, "web-2.log"), "2024-05-01T11:51:00Z INFO two\n");
        await File.WriteAllTextAsync(Path.Combine(_dir, "worker.log"), "2024-05-01T11:52:00Z INFO worker\n");

        var read = await _logs.ReadAsync(Path.Combine(_dir, "web-*.log"), T0.AddHours(-1), T0, 1000, CancellationToken.None);

        Assert.Equal(["2024-05-01T11:50:00Z INFO one", "2024-05-01T11:51:00Z INFO two"], read.Lines.Select(l => l.Text));
    }

    [Fact]
    public async Task StackTraceContinuationLines_TakeThePreviousLinesTime()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "app.log"), """
            2024-05-01T11:40:00Z ERROR batch failed
            Traceback (most recent call last):
              File "/app/ingest/batches.py", line 21, in handle
            ZeroDivisionError: division by zero
            2024-05-01T11:41:00Z INFO next
            """);

        var read = await _logs.ReadAsync(Path.Combine(_dir, "app.log"), T0.AddHours(-1), T0, 1000, CancellationToken.None);

        Assert.Equal(5, read.Lines.Count);
        Assert.All(read.Lines.Take(4), l => Assert.Equal(T0.AddMinutes(-20), l.At));
        Assert.Equal([1L, 2, 3, 4, 5], read.Lines.Select(l => l.LineNumber));
    }

    [Fact]
    public async Task Read_StopsAtTheLineCap_AndSaysSo()
    {
        await File.WriteAllLinesAsync(Path.Combine(_dir, "big.log"), Enumerable.Range(0, 100).Select(i => $"2024-05-01T11:{i % 60:00}:00Z INFO line {i}"));

        var read = await _logs.ReadAsync(Path.Combine(_dir, "big.log"), T0.AddHours(-1), T0, 10, CancellationToken.None);

        Assert.Equal(10, read.Lines.Count);
        Assert.True(read.Capped);
    }

    [Fact]
    public async Task Read_NoMatchingFile_Throws_SoTheSourceIsUnavailable()
    {
        var result = await Connector.BoundedAsync("logs", TimeSpan.FromSeconds(5),
            c => _logs.ReadAsync(Path.Combine(_dir, "missing-*.log"), T0.AddHours(-1), T0, 10, c), CancellationToken.None);

        Assert.False(result.Ok);
        Assert.Contains("No log files match", result.Unavailable, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2024-05-01T11:59:00.5+02:00 x", "2024-05-01T09:59:00.5Z")]
    [InlineData("127.0.0.1 - - [01/May/2024:11:59:00 +0000] \"GET / HTTP/1.1\" 500", "2024-05-01T11:59:00Z")]
    [InlineData("May  1 11:59:00 host app[1]: boom", "2024-05-01T11:59:00Z")]
    [InlineData("{\"ts\":1714564740.25,\"msg\":\"boom\"}", "2024-05-01T11:59:00.25Z")]
    [InlineData("[2024-05-01 11:59:00] ERROR x", "2024-05-01T11:59:00Z")]
    public void Timestamps_InTheUsualFormats_AreParsed(string line, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), LogTimestamps.Parse(line, 2024));

    [Fact]
    public void LineWithoutTimestamp_HasNone() => Assert.Null(LogTimestamps.Parse("    at com.acme.Foo.bar(Foo.java:12)", 2024));

    private static async Task WriteGzAsync(string path, string text)
    {
        await using var file = File.Create(path);
        await using var gz = new GZipStream(file, CompressionLevel.Fastest);
        await using var writer = new StreamWriter(gz);
        await writer.WriteAsync(text);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
