namespace IncidentHub.Analysis.OnCall;

public enum RotationKind
{
    Daily,
    Weekly,
}

/// <summary>Someone else on call from <paramref name="StartsAt"/> until <paramref name="EndsAt"/> (a swap, a sick day).</summary>
public sealed record ScheduleOverride(string Person, DateTimeOffset StartsAt, DateTimeOffset EndsAt);

/// <summary>
/// A team's rotation: <paramref name="Rotation"/> take turns, each shift a day or a week long, handing off at
/// <paramref name="Handoff"/> local time in <paramref name="TimeZone"/> (IANA, e.g. Europe/Berlin); the first shift
/// starts on <paramref name="Start"/>. Overrides win over the rotation; the latest-starting one wins among them.
/// </summary>
public sealed record ScheduleSpec(RotationKind Kind, TimeOnly Handoff, string TimeZone, DateOnly Start, IReadOnlyList<string> Rotation,
    IReadOnlyList<ScheduleOverride> Overrides);

/// <summary>Who is on call over one stretch of time; <see cref="Override"/> when an override put them there.</summary>
public sealed record OnCallShift(string Person, DateTimeOffset From, DateTimeOffset Until, bool Override);

/// <summary>Who is on call at an instant and who is next: a pure function of the schedule and the time.</summary>
public static class OnCallSchedule
{
    /// <summary>The shift at <paramref name="at"/>, or null when nobody is in the rotation and no override covers it.</summary>
    public static OnCallShift? At(ScheduleSpec spec, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(spec.TimeZone);
        var covering = spec.Overrides.Where(o => o.StartsAt <= at && at < o.EndsAt).MaxBy(o => o.StartsAt);
        if (covering is not null)
        {
            // Until it ends or a later override starts inside it.
            var cut = spec.Overrides.Where(o => o.StartsAt > at && o.StartsAt < covering.EndsAt).Select(o => o.StartsAt).DefaultIfEmpty(covering.EndsAt).Min();
            return new OnCallShift(covering.Person, covering.StartsAt, cut, true);
        }

        if (spec.Rotation.Count == 0)
        {
            return null;
        }

        var (index, shiftStart, shiftEnd) = Shift(spec, zone, at);
        var person = spec.Rotation[(int)(((index % spec.Rotation.Count) + spec.Rotation.Count) % spec.Rotation.Count)];
        var from = spec.Overrides.Where(o => o.EndsAt > shiftStart && o.EndsAt <= at).Select(o => o.EndsAt).DefaultIfEmpty(shiftStart).Max();
        var until = spec.Overrides.Where(o => o.StartsAt > at && o.StartsAt < shiftEnd).Select(o => o.StartsAt).DefaultIfEmpty(shiftEnd).Min();
        return new OnCallShift(person, from, until, false);
    }

    /// <summary>The shift after the one at <paramref name="at"/> (a different stretch, possibly the same person).</summary>
    public static OnCallShift? Next(ScheduleSpec spec, DateTimeOffset at)
    {
        var now = At(spec, at);
        if (now is not null)
        {
            return At(spec, now.Until);
        }

        var nextOverride = spec.Overrides.Where(o => o.StartsAt > at).MinBy(o => o.StartsAt);
        return nextOverride is null ? null : At(spec, nextOverride.StartsAt);
    }

    /// <summary>The shifts from <paramref name="from"/> on, at most <paramref name="count"/> (the team page's "upcoming").</summary>
    public static IReadOnlyList<OnCallShift> Upcoming(ScheduleSpec spec, DateTimeOffset from, int count)
    {
        var shifts = new List<OnCallShift>();
        var at = from;
        while (shifts.Count < count && At(spec, at) is { } shift)
        {
            shifts.Add(shift);
            at = shift.Until;
        }

        return shifts;
    }

    /// <summary>The number of the rotation shift holding <paramref name="at"/> (0 = the first) and its bounds.</summary>
    private static (long Index, DateTimeOffset Start, DateTimeOffset End) Shift(ScheduleSpec spec, TimeZoneInfo zone, DateTimeOffset at)
    {
        var local = TimeZoneInfo.ConvertTime(at, zone);
        var day = DateOnly.FromDateTime(local.DateTime);
        // Before today's handoff the shift that began yesterday is still running.
        var handoffToday = ToInstant(zone, day, spec.Handoff);
        if (at < handoffToday)
        {
            day = day.AddDays(-1);
        }

        var days = day.DayNumber - spec.Start.DayNumber;
        var length = spec.Kind == RotationKind.Daily ? 1 : 7;
        var index = (long)Math.Floor(days / (double)length);
        var startDay = spec.Start.AddDays((int)(index * length));
        return (index, ToInstant(zone, startDay, spec.Handoff), ToInstant(zone, startDay.AddDays(length), spec.Handoff));
    }

    /// <summary>
    /// The instant of a local wall-clock time. A time the clocks skip (spring forward) hands off at the same offset
    /// as just before the gap (02:30 becomes 03:30 summer time); a time that happens twice (fall back) takes the first.
    /// </summary>
    public static DateTimeOffset ToInstant(TimeZoneInfo zone, DateOnly day, TimeOnly time)
    {
        var local = day.ToDateTime(time, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            var before = zone.GetUtcOffset(local.AddHours(-3));
            return new DateTimeOffset(local, before).ToUniversalTime();
        }

        if (zone.IsAmbiguousTime(local))
        {
            var offsets = zone.GetAmbiguousTimeOffsets(local);
            return new DateTimeOffset(local, offsets.Max()).ToUniversalTime();
        }

        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }

    /// <summary>Null when <paramref name="id"/> is a time zone this machine knows (IANA or Windows id), else why not.</summary>
    public static string? TimeZoneProblem(string? id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return "A time zone is required (IANA, e.g. Europe/Berlin).";
        }

        return TimeZoneInfo.TryFindSystemTimeZoneById(id, out _) ? null : $"'{id}' is not a known time zone (use an IANA name such as Europe/Berlin).";
    }
}
