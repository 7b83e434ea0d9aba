using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Logs;

namespace IncidentHub.Analysis.Tests.Logs;

public sealed class LogTemplateAnalysisTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>30 minutes of baseline and 10 minutes of incident for an invented orders service.</summary>
    private static List<LogLine> Lines()
    {
        var lines = new List<LogLine>();
        long n = 0;
        void Add(DateTimeOffset at, string text) => lines.Add(new LogLine("orders", ++n, at, text));

        for (var minute = -30; minute < 10; minute++)
        {
            var at = Start.AddMinutes(minute);
            Add(at, $"request {1000 + minute} served in {20 + (minute & 7)} ms");         // steady: 1 per minute throughout
            if (minute < 0 && minute % 10 == 0)
            {
                Add(at.AddSeconds(5), $"retrying call to inventory attempt {minute & 3}"); // baseline 3 in 30 min
            }

            if (minute >= 0)
            {
                for (var k = 0; k < 3; k++)
                {
                    Add(at.AddSeconds(10 + k), $"retrying call to inventory attempt {k}");  // surging: 3 per minute
                }

                Add(at.AddSeconds(20), $"ConnectionRefusedException: inventory at 10.0.0.{minute + 1}:5432 refused connection");
            }
        }

        Add(Start.AddMinutes(9).AddSeconds(30), "cache warmed");                               // new, once
        return lines;
    }

    [Fact]
    public void Compare_RanksNewAndSurgingTemplates_AndLeavesSteadyOnesOut()
    {
        var shifts = LogTemplateAnalysis.Compare(Lines(), Start, TimeSpan.FromMinutes(30), new TemplateShiftOptions { IncidentWindow = TimeSpan.FromMinutes(10) });

        Assert.Equal(3, shifts.Count);
        var refused = shifts[0];
        Assert.True(refused.IsNew);
        Assert.Equal(0, refused.BaselineCount);
        Assert.Equal(10, refused.IncidentCount);
        Assert.True(refused.LooksLikeError);
        Assert.Equal(Start.AddSeconds(20), refused.FirstSeen);
        Assert.StartsWith("ConnectionRefusedException: inventory at <IP> refused connection", refused.Template, StringComparison.Ordinal);
        Assert.Equal(3, refused.Examples.Count);

        var retry = shifts[1];
        Assert.False(retry.IsNew);
        Assert.Equal(3, retry.BaselineCount);
        Assert.Equal(30, retry.IncidentCount);
        Assert.Equal((31 / 10.0) / (4 / 30.0), retry.Surge, 3);
        Assert.False(retry.LooksLikeError);

        var warmed = shifts[2];
        Assert.True(warmed.IsNew);
        Assert.Equal("cache warmed", warmed.Template);
        Assert.DoesNotContain(shifts, s => s.Template.StartsWith("request", StringComparison.Ordinal));
    }

    [Fact]
    public void Compare_ReadsTimestampsFromTheLineAndCarriesThemToContinuationLines()
    {
        var lines = new List<LogLine>
        {
            new("api", 1, null, "2026-03-01T11:50:00Z INFO started"),
            new("api", 2, null, "2026-03-01T12:01:00Z ERROR unhandled exception in handler"),
            new("api", 3, null, "   at Orders.Checkout.Run()"),
        };

        var shifts = LogTemplateAnalysis.Compare(lines, Start, TimeSpan.FromMinutes(30));

        Assert.Equal(2, shifts.Count);
        Assert.All(shifts, s => Assert.True(s.IsNew));
        Assert.Contains(shifts, s => s.Template == "unhandled exception in handler" && s.LooksLikeError);
        Assert.Contains(shifts, s => s.Template == "at Orders.Checkout.Run()");
    }

    [Fact]
    public void Compare_KeepsSourcesApart()
    {
        var lines = new List<LogLine>
        {
            new("a", 1, Start.AddMinutes(-5), "queue depth 10"),
            new("b", 1, Start.AddMinutes(1), "queue depth 99"),
        };

        var shift = Assert.Single(LogTemplateAnalysis.Compare(lines, Start, TimeSpan.FromMinutes(30)));

        Assert.Equal("b", shift.Source);
        Assert.True(shift.IsNew);
    }

    [Theory]
    [InlineData("payment failed for order <NUM>", true)]
    [InlineData("java.lang.NullPointerException: <*>", true)]
    [InlineData("upstream timed out after <NUM> ms", true)]
    [InlineData("connect() to <IP> failed (111: Connection refused)", true)]
    [InlineData("could not obtain lock", true)]
    [InlineData("GET /orders HTTP/1.1\" 503 <NUM>", true)]
    [InlineData("status: 500 len: <NUM>", true)]
    [InlineData("request served in <NUM> ms", false)]
    [InlineData("errorless shutdown complete", false)]
    [InlineData("status: 200 len: <NUM>", false)]
    [InlineData("retrying call to inventory", false)]
    public void LooksLikeError_ReadsFailureWords(string template, bool expected)
    {
        Assert.Equal(expected, LogTemplateAnalysis.LooksLikeError(template));
    }
}
