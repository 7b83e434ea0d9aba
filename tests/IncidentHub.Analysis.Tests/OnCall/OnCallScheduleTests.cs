using IncidentHub.Analysis.OnCall;

namespace IncidentHub.Analysis.Tests.OnCall;

public sealed class OnCallScheduleTests
{
    private static readonly string[] Three = ["ana", "ben", "chi"];

    private static ScheduleSpec Daily(string zone = "UTC", string handoff = "09:00", params ScheduleOverride[] overrides) =>
        new(RotationKind.Daily, TimeOnly.Parse(handoff), zone, new DateOnly(2026, 3, 1), Three, overrides);

    private static DateTimeOffset Utc(string s) => DateTimeOffset.Parse(s + "Z", System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("2026-03-01T09:00:00", "ana")] // the first shift starts at the first handoff
    [InlineData("2026-03-02T08:59:59", "ana")] // still ana's day until the next handoff
    [InlineData("2026-03-02T09:00:00", "ben")]
    [InlineData("2026-03-03T12:00:00", "chi")]
    [InlineData("2026-03-04T12:00:00", "ana")] // round again
    [InlineData("2026-02-28T12:00:00", "chi")] // before the start the rotation runs backwards
    public void Daily_RotatesAtTheHandoff(string at, string expected)
    {
        Assert.Equal(expected, OnCallSchedule.At(Daily(), Utc(at))!.Person);
    }

    [Fact]
    public void Weekly_HandsOffEverySeventhDay()
    {
        var spec = Daily() with { Kind = RotationKind.Weekly };

        Assert.Equal("ana", OnCallSchedule.At(spec, Utc("2026-03-08T08:00:00"))!.Person);
        var ben = OnCallSchedule.At(spec, Utc("2026-03-08T09:00:00"))!;
        Assert.Equal("ben", ben.Person);
        Assert.Equal(Utc("2026-03-15T09:00:00"), ben.Until);
        Assert.Equal("chi", OnCallSchedule.Next(spec, Utc("2026-03-10T00:00:00"))!.Person);
    }

    [Fact]
    public void Handoff_IsLocalTime_AcrossTheSpringDstChange()
    {
        // New York moves to summer time on 2026-03-08: the 09:00 handoff is 14:00 UTC before and 13:00 UTC after.
        var spec = Daily("America/New_York");

        var saturday = OnCallSchedule.At(spec, Utc("2026-03-07T15:00:00"))!;
        Assert.Equal(Utc("2026-03-07T14:00:00"), saturday.From);
        Assert.Equal(Utc("2026-03-08T13:00:00"), saturday.Until);
        Assert.Equal(TimeSpan.FromHours(23), saturday.Until - saturday.From);
        Assert.Equal("ben", OnCallSchedule.At(spec, Utc("2026-03-08T13:00:00"))!.Person);
    }

    [Fact]
    public void Handoff_InTheSkippedHour_HappensAfterTheGap_AndInTheRepeatedHour_TheFirstTime()
    {
        var spring = Daily("America/New_York", "02:30");
        var autumn = Daily("America/New_York", "01:30");

        // 02:30 does not exist on 2026-03-08: hand off at 03:30 EDT (07:30 UTC).
        Assert.Equal(Utc("2026-03-08T07:30:00"), OnCallSchedule.At(spring, Utc("2026-03-08T12:00:00"))!.From);
        // 01:30 happens twice on 2026-11-01: the first (EDT, 05:30 UTC).
        Assert.Equal(Utc("2026-11-01T05:30:00"), OnCallSchedule.At(autumn, Utc("2026-11-01T12:00:00"))!.From);
    }

    [Fact]
    public void Override_TakesTheShift_ThenTheRotationResumes()
    {
        var cover = new ScheduleOverride("dee", Utc("2026-03-02T12:00:00"), Utc("2026-03-02T18:00:00"));
        var spec = Daily(overrides: cover);

        var before = OnCallSchedule.At(spec, Utc("2026-03-02T10:00:00"))!;
        Assert.Equal(("ben", Utc("2026-03-02T12:00:00"), false), (before.Person, before.Until, before.Override));
        var during = OnCallSchedule.At(spec, Utc("2026-03-02T13:00:00"))!;
        Assert.Equal(("dee", true), (during.Person, during.Override));
        Assert.Equal("dee", OnCallSchedule.Next(spec, Utc("2026-03-02T10:00:00"))!.Person);
        var after = OnCallSchedule.At(spec, Utc("2026-03-02T18:00:00"))!;
        Assert.Equal(("ben", Utc("2026-03-02T18:00:00"), Utc("2026-03-03T09:00:00")), (after.Person, after.From, after.Until));
    }

    [Fact]
    public void LaterOverride_WinsWhereTwoOverlap()
    {
        var spec = Daily(overrides: [new("dee", Utc("2026-03-02T10:00:00"), Utc("2026-03-02T20:00:00")), new("eve", Utc("2026-03-02T12:00:00"), Utc("2026-03-02T14:00:00"))]);

        Assert.Equal("dee", OnCallSchedule.At(spec, Utc("2026-03-02T11:00:00"))!.Person);
        Assert.Equal(Utc("2026-03-02T12:00:00"), OnCallSchedule.At(spec, Utc("2026-03-02T11:00:00"))!.Until);
        Assert.Equal("eve", OnCallSchedule.At(spec, Utc("2026-03-02T13:00:00"))!.Person);
    }

    [Fact]
    public void EmptyRotation_HasNobody_ExceptUnderAnOverride()
    {
        var spec = Daily() with { Rotation = [] };

        Assert.Null(OnCallSchedule.At(spec, Utc("2026-03-02T10:00:00")));
        Assert.Equal("dee", OnCallSchedule.At(spec with { Overrides = [new("dee", Utc("2026-03-02T00:00:00"), Utc("2026-03-03T00:00:00"))] }, Utc("2026-03-02T10:00:00"))!.Person);
    }

    [Fact]
    public void Upcoming_ListsConsecutiveShifts()
    {
        var shifts = OnCallSchedule.Upcoming(Daily(), Utc("2026-03-01T10:00:00"), 4);

        Assert.Equal(["ana", "ben", "chi", "ana"], shifts.Select(s => s.Person));
        Assert.All(shifts.Zip(shifts.Skip(1)), p => Assert.Equal(p.First.Until, p.Second.From));
    }

    [Theory]
    [InlineData("Europe/Berlin", true)]
    [InlineData("Mars/Olympus", false)]
    [InlineData("", false)]
    public void TimeZoneProblem_NamesUnknownZones(string zone, bool known)
    {
        Assert.Equal(known, OnCallSchedule.TimeZoneProblem(zone) is null);
    }
}
