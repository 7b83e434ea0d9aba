using System.Diagnostics;
using System.Text;
using System.Text.Json;
using IncidentHub.Analysis.Ingestion;

namespace IncidentHub.Analysis.Tests.Ingestion;

/// <summary>The cases ParserFuzzTests found, one by one: what every parser's result must fit to be stored.</summary>
public sealed class AlertLimitsTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2026, 11, 23, 0, 41, 0, TimeSpan.Zero);

    private static ParseResult Parse(SourceKind kind, string json) => AlertSources.Parse(kind, Encoding.UTF8.GetBytes(json), ReceivedAt);

    private static ParseResult Parse(SourceKind kind, byte[] body) => AlertSources.Parse(kind, body, ReceivedAt);

    private static NormalisedAlert Single(ParseResult result)
    {
        Assert.Null(result.Error);
        return Assert.Single(result.Alerts);
    }

    /// <summary>A payload of each source whose fingerprint, group key and title come from the given strings.</summary>
    private static string Payload(SourceKind kind, string fingerprint, string groupKey, string title)
    {
        object body = kind switch
        {
            SourceKind.Alertmanager or SourceKind.Grafana => new { groupKey, alerts = new[] { new { fingerprint, labels = new { alertname = title } } } },
            SourceKind.PagerDuty => new { @event = new { event_type = "incident.triggered", resource_type = "incident", data = new { id = fingerprint, type = "incident", title } } },
            SourceKind.CloudWatch => new { AlarmName = title, NewStateValue = "ALARM", AlarmArn = fingerprint, AlarmDescription = groupKey },
            SourceKind.Datadog => new { title, aggreg_key = fingerprint, alert_id = groupKey },
            _ => new { title, fingerprint, service = groupKey },
        };
        return JsonSerializer.Serialize(body);
    }

    [Theory]
    [InlineData(SourceKind.Alertmanager)]
    [InlineData(SourceKind.Grafana)]
    [InlineData(SourceKind.PagerDuty)]
    [InlineData(SourceKind.CloudWatch)]
    [InlineData(SourceKind.Datadog)]
    [InlineData(SourceKind.Generic)]
    public void Parse_OversizeFingerprintGroupKeyAndTitle_AreHashedAndCutToTheColumns(SourceKind kind)
    {
        var fingerprint = new string('f', 1500);
        var groupKey = new string('g', 1500);
        var title = "Disk full " + new string('t', 1500);

        var alert = Single(Parse(kind, Payload(kind, fingerprint, groupKey, title)));
        var again = Single(Parse(kind, Payload(kind, fingerprint, groupKey, title)));
        var other = Single(Parse(kind, Payload(kind, fingerprint + "2", groupKey + "2", title)));

        Assert.InRange(alert.Fingerprint.Length, 1, AlertLimits.Fingerprint);
        Assert.InRange(alert.GroupKey.Length, 1, AlertLimits.GroupKey);
        Assert.Equal(AlertLimits.Title, alert.Title.Length);
        Assert.StartsWith("Disk full ttt", alert.Title, StringComparison.Ordinal);
        Assert.EndsWith("…", alert.Title, StringComparison.Ordinal);
        // Hashes, not cuts: the same long key always gives the same value, and two different ones stay different.
        Assert.Equal(alert.Fingerprint, again.Fingerprint);
        Assert.Equal(alert.GroupKey, again.GroupKey);
        Assert.NotEqual(alert.Fingerprint, other.Fingerprint);
    }

    [Fact]
    public void Parse_TitleCutAtASurrogatePair_DoesNotSplitIt()
    {
        var title = new string('a', AlertLimits.Title - 2) + "😀😀 and more";

        var alert = Single(Parse(SourceKind.Generic, JsonSerializer.Serialize(new { title })));

        Assert.Equal(new string('a', AlertLimits.Title - 2) + "…", alert.Title);
    }

    [Fact]
    public void Parse_InvalidUtf8InsideAString_IsRefusedWithWhere()
    {
        byte[] body = [.. """{"title":"Disk full","labels":{"host":"a"""u8, 0xFF, 0xC0, 0xAF, .. "\"}}"u8];

        var result = Parse(SourceKind.Generic, body);

        Assert.Equal("The body is not valid JSON text: the string at $.labels.host is not valid UTF-8.", result.Error);
    }

    [Theory]
    [InlineData("""{"title":"\ud800"}""", "the string at $.title has a \\u escape that is not valid UTF-16")]
    [InlineData("""{"title":"x","labels":{"\udc00\ud800":"v"}}""", "a property name in $.labels has a \\u escape")]
    [InlineData("""[{"title":"x"},{"title":"a\ud800\u0041"}]""", "the string at $[1].title has")]
    public void Parse_UnpairedSurrogateEscape_IsRefusedWithWhere(string json, string expected)
    {
        var result = Parse(SourceKind.Generic, json);

        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Alerts);
    }

    [Fact]
    public void Parse_CloudWatchMessageWithUnpairedSurrogate_IsRefused()
    {
        var body = JsonSerializer.Serialize(new { Type = "Notification", Message = """{"AlarmName":"\udfff","NewStateValue":"ALARM"}""" });

        var result = Parse(SourceKind.CloudWatch, body);

        Assert.StartsWith("The SNS Notification's Message is not valid JSON text: the string at $.AlarmName has", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NulCharacters_AreReplacedEverywhere()
    {
        var alert = Single(Parse(SourceKind.Generic, """{"title":"a\u0000b","fingerprint":"\u0000","url":"https://x/\u0000","labels":{"k\u0000":"v\u0000"},"note":"\u0000"}"""));

        Assert.Equal("a\uFFFDb", alert.Title);
        Assert.Equal("\uFFFD", alert.Fingerprint);
        Assert.Equal("https://x/\uFFFD", alert.SourceUrl);
        Assert.Equal("v\uFFFD", alert.Labels["k\uFFFD"]);
        Assert.Equal("\uFFFD", alert.Annotations["note"]);
    }

    [Fact]
    public void Parse_ErrorQuotingTheSender_IsExcerptedAndStorable()
    {
        var body = JsonSerializer.Serialize(new { Type = "Nope\0" + new string('x', 100_000) });

        var result = Parse(SourceKind.CloudWatch, body);

        Assert.StartsWith("The SNS message Type 'Nope\uFFFDxxx", result.Error, StringComparison.Ordinal);
        Assert.InRange(result.Error!.Length, 1, 300);
    }

    [Fact]
    public void Bound_LongError_IsCut()
    {
        var result = AlertLimits.Bound(ParseResult.Invalid(new string('e', 10_000)));

        Assert.Equal(AlertLimits.Error, result.Error!.Length);
    }

    [Fact]
    public void Parse_SourceUrlTooLongToStore_IsDropped()
    {
        var alert = Single(Parse(SourceKind.Generic, JsonSerializer.Serialize(new { title = "x", url = "https://example.com/" + new string('a', 3000) })));

        Assert.Null(alert.SourceUrl);
    }

    [Theory]
    [InlineData("1e400")]
    [InlineData("-1e400")]
    [InlineData("1e300")]
    [InlineData("-1e300")]
    [InlineData("1e17")]
    [InlineData("-99999999999999")]
    public void Parse_UnixTimeOutsideWhatDatesHold_FallsBackToReceivedAt(string number)
    {
        var alert = Single(Parse(SourceKind.Alertmanager, $$"""{"alerts":[{"labels":{"alertname":"A"},"startsAt":{{number}},"endsAt":{{number}}}]}"""));

        Assert.Equal(ReceivedAt, alert.StartsAt);
        Assert.Null(alert.EndsAt);
    }

    [Fact]
    public void Parse_Utf8ByteOrderMark_IsIgnored()
    {
        byte[] body = [0xEF, 0xBB, 0xBF, .. """{"title":"Disk full"}"""u8];

        Assert.Equal("Disk full", Single(Parse(SourceKind.Generic, body)).Title);
    }

    [Theory]
    [InlineData("""{"alertname":"","job":"api"}""", "Alert on api")]
    [InlineData("""{"alertname":" ","service":""}""", "Alert")]
    [InlineData("""{"alertname":"","service":" ","job":"api"}""", "Alert on api")]
    public void Parse_AlertmanagerEmptyAlertname_TitleStillSaysSomething(string labels, string title)
    {
        var alert = Single(Parse(SourceKind.Alertmanager, $$"""{"alerts":[{"labels":{{labels}}}]}"""));

        Assert.Equal(title, alert.Title);
    }

    [Fact]
    public void Parse_DatadogTitleWithALongBracket_IsFast()
    {
        // The transition pattern backtracks: on an unbounded bracket this took seconds (quadratic in its length).
        var title = "[a" + new string(' ', 100_000) + "x] CPU high";
        var clock = Stopwatch.StartNew();

        var alert = Single(Parse(SourceKind.Datadog, JsonSerializer.Serialize(new { title })));

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        Assert.StartsWith("[a   ", alert.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DatadogTitleOfManyPrefixes_IsLinear_AndReadsOnlyTheFirstFew()
    {
        // Each prefix used to copy the rest of the title: a megabyte of "[P1] " was quadratic (about
        // 200,000 copies of up to a megabyte). Counted in bytes allocated, not in time, so load cannot flake it.
        var title = string.Concat(Enumerable.Repeat("[P2] ", 200_000)) + "CPU high";
        var body = JsonSerializer.Serialize(new { title });
        var before = GC.GetAllocatedBytesForCurrentThread();

        var alert = Single(Parse(SourceKind.Datadog, body));

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.InRange(allocated, 0, 64L * 1024 * 1024);
        Assert.Equal("error", alert.Labels["severity"]);
        Assert.StartsWith("[P2] [P2]", alert.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Clean_ReplacesWhatPostgreSqlCannotStore()
    {
        // Not [InlineData]: an attribute cannot carry an unpaired surrogate.
        Assert.Same("plain", AlertLimits.Clean("plain"));
        Assert.Equal("a\uFFFDb", AlertLimits.Clean("a\0b"));
        Assert.Equal("\uFFFDx", AlertLimits.Clean("\ud800x"));
        Assert.Equal("x\uFFFD", AlertLimits.Clean("x\udc00"));
        Assert.Equal("\uFFFD\uFFFD", AlertLimits.Clean("\udc00\ud800"));
        Assert.Equal("😀", AlertLimits.Clean("😀"));
    }
}
