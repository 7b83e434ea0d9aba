namespace IncidentHub.Web.Components.Shared;

/// <summary>Compact ages for dense tables: "42s", "17m", "3h 05m", "2d 4h".</summary>
public static class Ago
{
    public static string Format(DateTimeOffset since, DateTimeOffset now)
    {
        var span = now - since;
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }

        return span.TotalSeconds < 60 ? $"{(int)span.TotalSeconds}s"
            : span.TotalMinutes < 60 ? $"{(int)span.TotalMinutes}m"
            : span.TotalHours < 24 ? $"{(int)span.TotalHours}h {span.Minutes:00}m"
            : $"{(int)span.TotalDays}d {span.Hours}h";
    }

    public static string Duration(TimeSpan span) => Format(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch + span);
}
