using System.Globalization;
using IncidentHub.Analysis.Incidents;
using IncidentHub.Analysis.OnCall;
using IncidentHub.Web.Features.Identity;
using IncidentHub.Web.Features.Notifications;
using IncidentHub.Web.Infrastructure.Audit;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using Severity = IncidentHub.Analysis.Incidents.Severity;

namespace IncidentHub.Web.Features.OnCall.Pages;

public partial class TeamPage
{
    [Parameter]
    public string Slug { get; set; } = "";

    [SupplyParameterFromQuery(Name = "edit")]
    public int? EditQuery { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthState { get; set; } = default!;

    [Inject]
    private TeamService Teams { get; set; } = default!;

    [Inject]
    private ChannelService Channels { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    private TeamView? _team;
    private IReadOnlyList<ChannelView> _channels = [];
    private bool _loaded;
    private AuditActor _user = AuditActor.Person("unknown");
    private string? _error;
    private string? _overridePerson;
    private string _overrideFrom = "";
    private string _overrideUntil = "";
    private TeamForm _form = new();

    private bool Edit => EditQuery == 1;

    private bool IsAdmin => Permissions.Allows(_user.Roles.ToArray(), Policies.Admin);

    protected override async Task OnParametersSetAsync()
    {
        _user = AuditActor.Of((await AuthState).User);
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        _team = await Teams.GetAsync(Slug);
        _channels = IsAdmin ? await Channels.ListAsync() : [];
        _form = TeamForm.From(_team, Slug);
        var now = DateTime.UtcNow;
        _overrideFrom = now.ToString("yyyy-MM-dd HH:00", CultureInfo.InvariantCulture);
        _overrideUntil = now.AddHours(12).ToString("yyyy-MM-dd HH:00", CultureInfo.InvariantCulture);
        _loaded = true;
    }

    private string Zoned(DateTimeOffset at)
    {
        var zone = TimeZoneInfo.TryFindSystemTimeZoneById(_team?.TimeZone ?? "UTC", out var z) ? z : TimeZoneInfo.Utc;
        return TimeZoneInfo.ConvertTime(at, zone).ToString("ddd dd MMM HH:mm", CultureInfo.InvariantCulture);
    }

    private string ChannelName(Guid id) => _channels.FirstOrDefault(c => c.Id == id) is { } c ? $"{c.Name} ({c.Kind})" : "a channel";

    private async Task SaveAsync()
    {
        _error = null;
        var (request, problem) = _form.ToRequest();
        if (problem is not null || request is null)
        {
            _error = problem;
            return;
        }

        var errors = TeamService.Validate(Slug, request);
        if (errors.Count > 0)
        {
            _error = string.Join(" ", errors.Values.SelectMany(e => e));
            return;
        }

        try
        {
            await Teams.SaveAsync(Slug, request, _user);
            Snackbar.Add("Team saved.", MudBlazor.Severity.Success);
            await LoadAsync();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or UnauthorizedAccessException)
        {
            _error = ex.Message;
        }
    }

    private async Task AddOverrideAsync()
    {
        if (!DateTimeOffset.TryParse(_overrideFrom + "Z", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var from)
            || !DateTimeOffset.TryParse(_overrideUntil + "Z", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var until)
            || _overridePerson is null)
        {
            Snackbar.Add("Pick a person and write both times as yyyy-MM-dd HH:mm (UTC).", MudBlazor.Severity.Warning);
            return;
        }

        try
        {
            await Teams.AddOverrideAsync(Slug, new OverrideRequest(_overridePerson, from, until), _user);
            await LoadAsync();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or UnauthorizedAccessException or KeyNotFoundException)
        {
            Snackbar.Add(ex.Message, MudBlazor.Severity.Warning);
        }
    }

    private async Task RemoveOverrideAsync(Guid id)
    {
        await Teams.RemoveOverrideAsync(Slug, id, _user);
        await LoadAsync();
    }

    /// <summary>The editor's fields as text, turned into a <see cref="TeamRequest"/> on save.</summary>
    private sealed class TeamForm
    {
        public string Name { get; set; } = "";
        public string Aliases { get; set; } = "";
        public string TimeZone { get; set; } = "UTC";
        public RotationKind Rotation { get; set; } = RotationKind.Weekly;
        public string Handoff { get; set; } = "09:00";
        public string Start { get; set; } = "2026-01-05";
        public string Members { get; set; } = "";
        public EscalationTarget Level2 { get; set; } = EscalationTarget.Secondary;
        public int Level2After { get; set; } = 10;
        public string Contact { get; set; } = "";
        public int Level3After { get; set; } = 15;
        public int RepeatAfter { get; set; } = 15;
        public int Rounds { get; set; } = 3;
        public Severity PageUpTo { get; set; } = Severity.P1;
        public string QuietFrom { get; set; } = "";
        public string QuietUntil { get; set; } = "";
        public Dictionary<Guid, string> Routes { get; } = [];

        public static TeamForm From(TeamView? t, string slug)
        {
            var form = new TeamForm { Name = t?.Name ?? slug };
            if (t is null)
            {
                return form;
            }

            form.Aliases = string.Join(", ", t.OwnerAliases);
            form.TimeZone = t.TimeZone;
            form.Rotation = t.Rotation;
            form.Handoff = t.Handoff.ToString("HH:mm", CultureInfo.InvariantCulture);
            form.Start = t.RotationStart.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            form.Members = MemberLines.Format(t.Members);
            form.Level2 = t.Level2;
            form.Level2After = t.Level2AfterMinutes;
            form.Contact = t.EscalationContact ?? "";
            form.Level3After = t.Level3AfterMinutes;
            form.RepeatAfter = t.RepeatAfterMinutes;
            form.Rounds = t.Rounds;
            form.PageUpTo = t.PageUpTo;
            form.QuietFrom = t.QuietFrom?.ToString("HH:mm", CultureInfo.InvariantCulture) ?? "";
            form.QuietUntil = t.QuietUntil?.ToString("HH:mm", CultureInfo.InvariantCulture) ?? "";
            foreach (var r in t.Routes)
            {
                form.Routes[r.ChannelId] = r.UpTo.ToString();
            }

            return form;
        }

        public (TeamRequest? Request, string? Problem) ToRequest()
        {
            var (members, error) = MemberLines.Parse(Members);
            if (error is not null)
            {
                return (null, error);
            }

            if (!TimeOnly.TryParse(Handoff, CultureInfo.InvariantCulture, out var handoff) || !DateOnly.TryParse(Start, CultureInfo.InvariantCulture, out var start))
            {
                return (null, "Write the handoff as HH:mm and the first shift as yyyy-MM-dd.");
            }

            TimeOnly? quietFrom = TimeOnly.TryParse(QuietFrom, CultureInfo.InvariantCulture, out var qf) ? qf : null;
            TimeOnly? quietUntil = TimeOnly.TryParse(QuietUntil, CultureInfo.InvariantCulture, out var qu) ? qu : null;
            var routes = Routes.Where(r => r.Value != "off").Select(r => new RouteRequest(r.Key, Enum.Parse<Severity>(r.Value))).ToList();
            return (new TeamRequest(Name, Aliases.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), TimeZone.Trim(), Rotation,
                handoff, start, members, Level2, Level2After, Level3After, string.IsNullOrWhiteSpace(Contact) ? null : Contact.Trim(), RepeatAfter, Rounds, PageUpTo,
                quietFrom, quietUntil, routes), null);
        }
    }
}
