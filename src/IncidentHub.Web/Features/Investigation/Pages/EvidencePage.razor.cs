using IncidentHub.Analysis.Diagnosis;
using Microsoft.AspNetCore.Components;

namespace IncidentHub.Web.Features.Investigation.Pages;

public partial class EvidencePage
{
    private static readonly System.Globalization.CultureInfo Inv = System.Globalization.CultureInfo.InvariantCulture;

    [Parameter]
    public int Number { get; set; }

    [Parameter]
    public string Id { get; set; } = "";

    private EvidenceDetail? _e;
    private string _raw = "{}";
    private bool _loaded;
    private List<MetricOnset> _onsets = [];
    private List<MetricSeries> _series = [];
    private List<(string? Sha, string Text)> _diffs = [];
    private List<string> _citedBy = [];

    protected override async Task OnParametersSetAsync()
    {
        var id = Observation.ParseEvidenceId(Id) ?? (long.TryParse(Id, out var plain) ? plain : null);
        _e = id is null ? null : await Diagnoses.GetEvidenceAsync(Number, id.Value);
        _raw = _e?.Data.GetRawText() ?? "{}";
        _onsets = [];
        _series = [];
        _diffs = [];
        switch (_e?.Kind)
        {
            case nameof(ObservationKind.MetricSeries):
                _onsets = (await Diagnoses.ListEvidenceAsync(Number, ObservationKind.MetricOnset)).SelectMany(o => ObservationFacts.ReadMany<MetricOnset>(o.Data)).ToList();
                break;
            case nameof(ObservationKind.MetricOnset):
                _series = (await Diagnoses.ListEvidenceAsync(Number, ObservationKind.MetricSeries)).SelectMany(o => ObservationFacts.ReadMany<MetricSeries>(o.Data)).ToList();
                break;
            case nameof(ObservationKind.Commit):
                _diffs = (await Diagnoses.ListEvidenceAsync(Number, ObservationKind.Diff))
                    .Select(o => (ObservationFacts.ReadString(o.Data, "sha", "commit"), ObservationFacts.ReadString(o.Data, "diff", "patch", "unified", "text")))
                    .Where(d => d.Item2 is not null)
                    .Select(d => (d.Item1, d.Item2!))
                    .ToList();
                // A commit observation may carry its own diff.
                if (ObservationFacts.ReadString(_raw, "diff", "patch") is { } own)
                {
                    _diffs.Add((ObservationFacts.ReadString(_raw, "sha"), own));
                }

                break;
        }

        _citedBy = _e is null ? [] : CitedBy(await Diagnoses.GetAsync(Number), _e.Id);
        _loaded = true;
    }

    /// <summary>Which claims of the current diagnosis rest on this evidence: why it is worth reading.</summary>
    private static List<string> CitedBy(DiagnosisView? view, string id)
    {
        if (view is null || view.Status != DiagnosisStatus.Ready)
        {
            return [];
        }

        var claims = new List<string>();
        if (view.Suspect is { } s && s.EvidenceIds.Contains(id))
        {
            claims.Add($"suspect change {s.Commit?[..Math.Min(7, s.Commit.Length)]} {s.File}{(s.Line is { } l ? $":{l}" : "")}: {s.Reason}");
        }

        if (view.Triage is { } t && t.EvidenceIds.Contains(id))
        {
            claims.Add($"triage {t.Severity}: {t.Reason}");
        }

        claims.AddRange(view.Hypotheses.Where(h => h.EvidenceIds.Contains(id))
            .Select(h => $"{(h.Discarded ? "discarded " : "")}hypothesis {h.Category} ({h.Score.ToString("0.00", Inv)}): {h.Statement}"));
        claims.AddRange(view.FlaggedInjections.Where(f => f.EvidenceId == id).Select(f => $"flagged as a possible injection, ignored: {f.Reason}"));
        return claims;
    }

    private IReadOnlyList<T> Many<T>()
        where T : class => ObservationFacts.ReadMany<T>(_raw);

    private static bool Same(string? a, string? b) =>
        a is not null && b is not null && (a.StartsWith(b, StringComparison.OrdinalIgnoreCase) || b.StartsWith(a, StringComparison.OrdinalIgnoreCase));

    private static string Short(string sha) => sha.Length > 10 ? sha[..10] : sha;

    private static string Pct(int value, int max) => $"{100.0 * value / max:0.#}%".Replace(',', '.');

    private static string Num(double v) => v.ToString(Math.Abs(v) >= 100 ? "0" : "0.####", Inv);
}
