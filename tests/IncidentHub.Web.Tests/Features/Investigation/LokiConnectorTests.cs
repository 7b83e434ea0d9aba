using IncidentHub.Web.Infrastructure.Security;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using IncidentHub.Web.Features.Investigation.Connectors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace IncidentHub.Web.Tests.Features.Investigation;

/// <summary>Loki cannot run here: a loopback fake answers in the documented query_range format.</summary>
public sealed class LokiConnectorTests
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task QueryRange_SendsTheQueryAndWindow_AndReturnsLinesFromAllStreamsInTimeOrder()
    {
        string? seenQuery = null, seenStart = null, seenEnd = null;
        var ns = (T0.ToUnixTimeMilliseconds() * 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var loki = await LoopbackServer.StartAsync(app => app.MapGet("/loki/api/v1/query_range", (HttpRequest r) =>
        {
            seenQuery = r.Query["query"];
            seenStart = r.Query["start"];
            seenEnd = r.Query["end"];
            var t1 = (T0.AddMinutes(-5).ToUnixTimeMilliseconds() * 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var t2 = (T0.AddMinutes(-3).ToUnixTimeMilliseconds() * 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Text($$"""
                {"status":"success","data":{"resultType":"streams","result":[
                  {"stream":{"app":"ingest","pod":"b"},"values":[["{{t2}}","ERROR second"]]},
                  {"stream":{"app":"ingest","pod":"a"},"values":[["{{t1}}","INFO first"]]}
                ],"stats":{} } }
                """, "application/json");
        }));
        using var http = new HttpClient();

        var read = await new LokiConnector(http, Options.Create(new OutboundOptions()), NullLogger<LokiConnector>.Instance).QueryRangeAsync(loki.Address, "{app=\"ingest\"}", T0.AddHours(-1), T0, 1000, CancellationToken.None);

        Assert.Equal("{app=\"ingest\"}", seenQuery);
        Assert.Equal(ns, seenEnd);
        Assert.Equal(((T0.AddHours(-1).ToUnixTimeMilliseconds()) * 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture), seenStart);
        Assert.Equal(["INFO first", "ERROR second"], read.Lines.Select(l => l.Text));
        Assert.Equal(T0.AddMinutes(-5), read.Lines[0].At);
        Assert.Contains("pod=\"a\"", read.Lines[0].Source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueryRange_ErrorAnswer_BecomesUnavailable()
    {
        await using var loki = await LoopbackServer.StartAsync(app => app.MapGet("/loki/api/v1/query_range", () => Results.Text("parse error at line 1", statusCode: 400)));
        using var http = new HttpClient();

        var result = await Connector.BoundedAsync("loki", TimeSpan.FromSeconds(5),
            c => new LokiConnector(http, Options.Create(new OutboundOptions()), NullLogger<LokiConnector>.Instance).QueryRangeAsync(loki.Address, "{app=", T0.AddHours(-1), T0, 10, c), CancellationToken.None);

        Assert.False(result.Ok);
        Assert.Contains("Loki answered 400", result.Unavailable, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueryRange_AnswerLargerThanMaxResponseBytes_EndsWithAClearError_AndErrorBodiesAreNotEchoed()
    {
        var huge = "{\"status\":\"success\",\"data\":{\"resultType\":\"streams\",\"result\":[{\"stream\":{},\"values\":[" +
            string.Join(",", Enumerable.Repeat("[\"1714557600000000000\",\"" + new string('x', 1000) + "\"]", 5000)) + "]}]}}";
        await using var loki = await LoopbackServer.StartAsync(app =>
        {
            app.MapGet("/loki/api/v1/query_range", () => Results.Text(huge, "application/json"));
            app.MapGet("/bad/loki/api/v1/query_range", () => Results.Text("secret internal detail", statusCode: 500));
        });
        using var http = new HttpClient();
        var connector = new LokiConnector(http, Options.Create(new OutboundOptions { MaxResponseBytes = 64 * 1024 }), NullLogger<LokiConnector>.Instance);

        var large = await Connector.BoundedAsync("loki", TimeSpan.FromSeconds(5),
            c => connector.QueryRangeAsync(loki.Address, "{app=\"x\"}", T0.AddHours(-1), T0, 10, c), CancellationToken.None);
        var failed = await Connector.BoundedAsync("loki", TimeSpan.FromSeconds(5),
            c => connector.QueryRangeAsync(new Uri(loki.Address, "bad/"), "{app=\"x\"}", T0.AddHours(-1), T0, 10, c), CancellationToken.None);

        Assert.Contains("Outbound:MaxResponseBytes", large.Unavailable, StringComparison.Ordinal);
        Assert.Contains("Loki answered 500", failed.Unavailable, StringComparison.Ordinal);
        Assert.DoesNotContain("secret internal detail", failed.Unavailable, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueryRange_SlowServer_TimesOutAsUnavailable()
    {
        await using var loki = await LoopbackServer.StartAsync(app => app.MapGet("/loki/api/v1/query_range", async (CancellationToken ct) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), ct);
            return Results.Ok();
        }));
        using var http = new HttpClient();

        var result = await Connector.BoundedAsync("loki", TimeSpan.FromMilliseconds(300),
            c => new LokiConnector(http, Options.Create(new OutboundOptions()), NullLogger<LokiConnector>.Instance).QueryRangeAsync(loki.Address, "{app=\"x\"}", T0.AddHours(-1), T0, 10, c), CancellationToken.None);

        Assert.False(result.Ok);
        Assert.StartsWith("timed out", result.Unavailable, StringComparison.Ordinal);
    }
}
