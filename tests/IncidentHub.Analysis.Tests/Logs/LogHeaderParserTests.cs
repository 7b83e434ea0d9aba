using IncidentHub.Analysis.Logs;

namespace IncidentHub.Analysis.Tests.Logs;

public sealed class LogHeaderParserTests
{
    [Theory]
    [InlineData("2026-03-01T10:11:12.345Z INFO payment accepted for order 17", "iso", "payment accepted for order 17", "INFO", "2026-03-01T10:11:12.3450000+00:00")]
    [InlineData("[2026-03-01 10:11:12] [error] [checkout] card declined", "iso", "card declined", "error", "2026-03-01T10:11:12.0000000+00:00")]
    [InlineData("2026/03/01 10:11:12 listening on :8080", "iso", "listening on :8080", null, "2026-03-01T10:11:12.0000000+00:00")]
    [InlineData("<34>Mar  1 10:11:12 web-1 nginx[812]: upstream timed out", "syslog", "upstream timed out", null, null)]
    [InlineData("Mar 11 10:11:12 web-1 sshd: session opened", "syslog", "session opened", null, null)]
    [InlineData("<165>1 2026-03-01T10:11:12.003Z web-1 orders 812 ID47 [exampleSDID@32473 iut=\"3\"] stock low for sku 9", "syslog", "stock low for sku 9", null, "2026-03-01T10:11:12.0030000+00:00")]
    [InlineData("2026-03-01 10:11:12,345 - orders.api - WARNING - slow query took 812 ms", "python", "slow query took 812 ms", "WARNING", "2026-03-01T10:11:12.3450000+00:00")]
    [InlineData("ERROR:orders.api:cannot reach inventory", "python", "cannot reach inventory", "ERROR", null)]
    [InlineData("2026-03-01T10:11:12.345Z  INFO 4711 --- [orders] [           main] c.e.orders.OrdersApplication             : Started OrdersApplication in 3.2 seconds", "spring", "Started OrdersApplication in 3.2 seconds", "INFO", "2026-03-01T10:11:12.3450000+00:00")]
    [InlineData("fail: Orders.Api.CheckoutEndpoint[0] Payment provider returned 503", "aspnet", "Payment provider returned 503", "fail", null)]
    [InlineData("info: Microsoft.Hosting.Lifetime[14] Now listening on: http://[::]:8080", "aspnet", "Now listening on: http://[::]:8080", "info", null)]
    [InlineData("{\"time\":\"2026-03-01T10:11:12.5Z\",\"level\":\"ERROR\",\"msg\":\"payment failed\",\"order\":17}", "json", "payment failed", "ERROR", "2026-03-01T10:11:12.5000000+00:00")]
    [InlineData("{\"level\":50,\"time\":1772359872000,\"pid\":1,\"msg\":\"db pool exhausted\"}", "json", "db pool exhausted", "error", "2026-03-01T10:11:12.0000000+00:00")]
    [InlineData("time=2026-03-01T10:11:12.000Z level=WARN msg=\"retrying call\" attempt=3", "slog", "retrying call attempt=3", "WARN", "2026-03-01T10:11:12.0000000+00:00")]
    [InlineData("warn: disk usage at 91%", "node", "disk usage at 91%", "warn", null)]
    [InlineData("just a plain message", "raw", "just a plain message", null, null)]
    public void Auto_RecognisesTheUsualFormats(string line, string format, string content, string? level, string? at)
    {
        var parsed = LogHeaderParser.Create("auto").Parse(line);

        Assert.Equal(format, parsed.Format);
        Assert.Equal(content, parsed.Content);
        Assert.Equal(level, parsed.Level);
        Assert.Equal(at, parsed.At?.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void AFormatString_SplitsTheFieldsItNames()
    {
        var parser = LogHeaderParser.Create("<Date> <Time> <Pid> <Level> <Component>: <Content>");

        var parsed = parser.Parse("2026-03-01 10:11:12 812 WARN orders.Checkout: stock low for sku 9: retry later");

        Assert.Equal("stock low for sku 9: retry later", parsed.Content);
        Assert.Equal("WARN", parsed.Level);
        Assert.Equal("orders.Checkout", parsed.Logger);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 10, 11, 12, TimeSpan.Zero), parsed.At);
    }

    [Fact]
    public void ANamedFormat_OnlyStripsThatFormat()
    {
        var parser = LogHeaderParser.Create("python");

        Assert.Equal("2026-03-01T10:11:12Z INFO hello", parser.Parse("2026-03-01T10:11:12Z INFO hello").Content);
        Assert.Equal("hello", parser.Parse("INFO:root:hello").Content);
    }

    [Fact]
    public void Raw_KeepsLinesWhole()
    {
        Assert.Equal("INFO:root:hello", LogHeaderParser.Create("raw").Parse("INFO:root:hello").Content);
    }

    [Theory]
    [InlineData("xml")]
    [InlineData("<Date> <Level>")]
    public void UnknownFormats_AreRejectedWithTheChoices(string format)
    {
        var error = Assert.Throws<ArgumentException>(() => LogHeaderParser.Create(format));
        Assert.Contains("<Content>", error.Message, StringComparison.Ordinal);
    }
}
