using IncidentHub.Analysis.Logs;

namespace IncidentHub.Analysis.Tests.Logs;

public sealed class TokenMaskerTests
{
    [Theory]
    [InlineData("42", "<NUM>")]
    [InlineData("-3.5", "<NUM>")]
    [InlineData("250ms", "<NUM>")]
    [InlineData("(42)", "(<NUM>)")]
    [InlineData("7,", "<NUM>,")]
    [InlineData("0x1F", "<HEX>")]
    [InlineData("deadbeef01", "<HEX>")]
    [InlineData("10.0.0.12", "<IP>")]
    [InlineData("10.0.0.12:8080", "<IP>")]
    [InlineData("/10.0.0.12:2181", "<IP>")]
    [InlineData("fe80::1", "<IP>")]
    [InlineData("[::1]:443", "<IP>")]
    [InlineData("2001:db8::8a2e:370:7334", "<IP>")]
    [InlineData("3f2b8c1e-9d4a-4e6f-8b7c-2a1d0e9f8c7b", "<UUID>")]
    [InlineData("/var/log/orders/app.log", "<PATH>")]
    [InlineData(@"C:\temp\orders.txt", "<PATH>")]
    [InlineData("https://orders.example.test/api/v1?id=9", "<URL>")]
    [InlineData("2026-03-01T10:11:12Z", "<TS>")]
    [InlineData("2026-03-01T10:11:12.345+01:00", "<TS>")]
    [InlineData("10:11:12.123", "<TS>")]
    [InlineData("2026-03-01", "<TS>")]
    [InlineData("retries=3", "retries=<NUM>")]
    [InlineData("peer=10.1.2.3:5432", "peer=<IP>")]
    [InlineData("elapsed:1.25", "elapsed:<NUM>")]
    [InlineData("ops-team@example.org", "<EMAIL>")]
    [InlineData("db.internal.example.com", "<HOST>")]
    [InlineData("cache.example.net", "<HOST>")]
    [InlineData("req-7f3a9", "<*>")]
    [InlineData("instruction.....0", "instruction.....<NUM>")]
    [InlineData("()", "(<*>)")]
    public void VariableTokens_AreMaskedByKind(string token, string expected)
    {
        Assert.Equal(expected, TokenMasker.MaskOf(token));
    }

    [Theory]
    [InlineData("connection")]
    [InlineData("done.")]
    [InlineData("user=alice")]
    [InlineData("OrderService.Checkout")]
    [InlineData("key=")]
    [InlineData("/")]
    public void ConstantTokens_StayAsTheyAre(string token)
    {
        Assert.Null(TokenMasker.MaskOf(token));
    }

    [Theory]
    [InlineData("at Fri Jun 17 07:07:00 2005", "at <TS> <TS> <NUM> <TS> <NUM>")]
    [InlineData("May I retry", "May I retry")]
    [InlineData("sent 12 KB in 250 ms", "sent <NUM> KB in <NUM> ms")]
    [InlineData("  spaced\tout   42  ", "spaced out <NUM>")]
    public void Mask_HandlesSpelledOutDatesUnitsAndWhitespace(string line, string expected)
    {
        Assert.Equal(expected, new LogMiner().Mask(line));
    }
}
