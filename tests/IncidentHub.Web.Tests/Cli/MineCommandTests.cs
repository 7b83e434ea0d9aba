extern alias cli;

using cli::IncidentHub.Cli.Commands;

namespace IncidentHub.Web.Tests.Cli;

public sealed class MineCommandTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("ih-mine-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public async Task Mine_WritesOneQuotedTemplatePerLine()
    {
        var log = Path.Combine(dir, "orders.log");
        await File.WriteAllLinesAsync(log,
        [
            "2026-03-01T10:00:00Z INFO order 17 placed",
            "2026-03-01T10:00:01Z INFO order 18 placed",
            "2026-03-01T10:00:02Z ERROR parse error near \"total\", column 9",
            "2026-03-01T10:00:03Z INFO order 19 placed",
        ]);
        var csv = Path.Combine(dir, "out.csv");
        var output = new StringWriter();

        var code = await MineCommand.RunAsync([log, "--out", csv], output, new StringWriter());

        Assert.Equal(0, code);
        Assert.Equal(
            [
                "LineId,EventTemplate",
                "1,\"order <NUM> placed\"",
                "2,\"order <NUM> placed\"",
                "3,\"parse error near \"\"total\"\", column <NUM>\"",
                "4,\"order <NUM> placed\"",
            ],
            await File.ReadAllLinesAsync(csv));
        Assert.Contains("4 lines, 2 templates", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mine_UsesAGivenFormat()
    {
        var log = Path.Combine(dir, "custom.log");
        await File.WriteAllLinesAsync(log, ["0301|web-1|disk 91 percent full", "0301|web-2|disk 40 percent full"]);
        var csv = Path.Combine(dir, "out.csv");

        var code = await MineCommand.RunAsync([log, "--out", csv, "--format", @"<Day>\|<Host>\|<Content>"], new StringWriter(), new StringWriter());

        Assert.Equal(0, code);
        Assert.Equal("1,\"disk <NUM> percent full\"", (await File.ReadAllLinesAsync(csv))[1]);
    }

    [Theory]
    [InlineData(2, "--out")]
    [InlineData(2, "x.log", "--format", "xml", "--out", "o.csv")]
    [InlineData(1, "missing.log", "--out", "o.csv")]
    public async Task Mine_RejectsBadArguments(int expected, params string[] args)
    {
        var error = new StringWriter();

        var code = await MineCommand.RunAsync([.. args.Select(a => a.EndsWith(".log", StringComparison.Ordinal) || a.EndsWith(".csv", StringComparison.Ordinal) ? Path.Combine(dir, a) : a)], new StringWriter(), error);

        Assert.Equal(expected, code);
        Assert.StartsWith("ih mine:", error.ToString(), StringComparison.Ordinal);
    }
}
