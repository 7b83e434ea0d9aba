using IncidentHub.Web.Features.OnCall;

namespace IncidentHub.Web.Tests.Features.OnCall;

/// <summary>The team's own rules, without the app: quiet hours in local time, and the members box of the team page.</summary>
public sealed class TeamRulesTests
{
    [Theory]
    [InlineData("2026-07-01T17:59:00Z", false)] // 19:59 in Berlin (summer time)
    [InlineData("2026-07-01T18:00:00Z", true)] // 20:00
    [InlineData("2026-07-02T02:00:00Z", true)] // 04:00, past midnight
    [InlineData("2026-07-02T06:00:00Z", false)] // 08:00
    public void QuietHours_SpanMidnight_InTheTeamsTimeZone(string at, bool quiet)
    {
        var team = new Team { TimeZone = "Europe/Berlin", QuietFrom = new TimeOnly(20, 0), QuietUntil = new TimeOnly(8, 0) };

        Assert.Equal(quiet, team.IsQuiet(DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void NoQuietHours_NeverQuiet()
    {
        Assert.False(new Team { TimeZone = "UTC" }.IsQuiet(DateTimeOffset.UtcNow));
    }

    [Fact]
    public void MemberLines_ReadNameEmailSlackLeadAndStandby_InRotationOrder()
    {
        var (members, error) = MemberLines.Parse("Ana Lima <ana@example.com> slack:U0ANA lead\n\n  Ben <ben@example.com>\nCleo standby");

        Assert.Null(error);
        Assert.Equal(
            [new MemberRequest("Ana Lima", "ana@example.com", "U0ANA", true, true), new MemberRequest("Ben", "ben@example.com", null, true, false),
             new MemberRequest("Cleo", null, null, false, false)],
            members);
        var round = MemberLines.Format(members.Select((m, i) => new MemberView(Guid.Empty, m.Name, m.Email, m.SlackUserId, m.InRotation ? i : null, m.IsLead, false)));
        Assert.Equal(members, MemberLines.Parse(round).Members);
    }

    [Fact]
    public void MemberLines_WithoutAName_SayWhichLine()
    {
        Assert.Equal("Line 2: a member needs a name before <email>.", MemberLines.Parse("Ana\n<x@example.com>").Error);
    }
}
