using System.Text.RegularExpressions;

namespace IncidentHub.Web.Features.OnCall;

/// <summary>
/// The team page's members box: one person a line, in rotation order:
/// <c>Ana Lima &lt;ana@example.com&gt; slack:U0123 lead</c>; <c>standby</c> keeps someone out of the rotation.
/// </summary>
public static partial class MemberLines
{
    public static (IReadOnlyList<MemberRequest> Members, string? Error) Parse(string? text)
    {
        var members = new List<MemberRequest>();
        var number = 0;
        foreach (var raw in (text ?? "").Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var email = Email().Match(line) is { Success: true } e ? e.Groups[1].Value.Trim() : null;
            var slack = Slack().Match(line) is { Success: true } s ? s.Groups[1].Value : null;
            var words = Email().Replace(Slack().Replace(line, " "), " ").Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
            var lead = words.RemoveAll(w => w.Equals("lead", StringComparison.OrdinalIgnoreCase)) > 0;
            var standby = words.RemoveAll(w => w.Equals("standby", StringComparison.OrdinalIgnoreCase)) > 0;
            var name = string.Join(' ', words);
            if (name.Length == 0)
            {
                return ([], $"Line {number}: a member needs a name before <email>.");
            }

            members.Add(new MemberRequest(name, email, slack, !standby, lead));
        }

        return (members, null);
    }

    public static string Format(IEnumerable<MemberView> members) =>
        string.Join('\n', members.Select(m => string.Join(' ', new[]
        {
            m.Name, m.Email is null ? null : $"<{m.Email}>", m.SlackUserId is null ? null : $"slack:{m.SlackUserId}", m.IsLead ? "lead" : null,
            m.RotationOrder is null ? "standby" : null,
        }.OfType<string>())));

    [GeneratedRegex(@"<([^>]*)>")]
    private static partial Regex Email();

    [GeneratedRegex(@"\bslack:([A-Z0-9]{2,40})\b", RegexOptions.IgnoreCase)]
    private static partial Regex Slack();
}
