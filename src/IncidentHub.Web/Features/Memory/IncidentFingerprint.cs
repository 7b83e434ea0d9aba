using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Features.Memory;

/// <summary>
/// What an incident looks like, for remembering and for recall: the same extraction for a
/// resolved incident (stored) and for a new one (the query).
/// </summary>
public sealed record IncidentFingerprint(
    int Number,
    string Title,
    string? Service,
    IReadOnlyList<string> AlertNames,
    IReadOnlyList<string> Templates,
    IReadOnlyList<string> ExceptionTypes,
    IReadOnlyList<string> Files,
    string? Category,
    string? RootCause)
{
    /// <summary>The text full-text search looks at: title, service, templates, exceptions, root cause.</summary>
    public string SearchText =>
        string.Join('\n', new[] { Title, Service ?? "" }.Concat(AlertNames).Concat(Templates).Concat(ExceptionTypes).Append(RootCause ?? "")
            .Where(s => !string.IsNullOrWhiteSpace(s)));

    /// <summary>Loads the fingerprint of one incident from what is stored; null when there is no such incident.</summary>
    public static async Task<IncidentFingerprint?> LoadAsync(AppDbContext db, Guid incidentId, CancellationToken ct)
    {
        var incident = await db.Incidents.AsNoTracking()
            .Where(i => i.Id == incidentId)
            .Select(i => new { i.Number, i.Title, i.Service })
            .SingleOrDefaultAsync(ct);
        if (incident is null)
        {
            return null;
        }

        var labels = await db.Alerts.AsNoTracking().Where(a => a.IncidentId == incidentId).Select(a => new { a.Title, a.Labels }).Take(200).ToListAsync(ct);
        var alertNames = labels
            .Select(a => a.Labels.TryGetValue("alertname", out var name) && !string.IsNullOrWhiteSpace(name) ? name : a.Title)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();

        var observations = await db.Observations.AsNoTracking()
            .Where(o => o.IncidentId == incidentId && (o.Kind == ObservationKind.LogTemplates || o.Kind == ObservationKind.StackTrace))
            .OrderBy(o => o.Id)
            .Select(o => new { o.Kind, o.Data })
            .Take(500)
            .ToListAsync(ct);

        // The templates that describe the incident: errors first, then new ones, then the biggest surge.
        var templates = observations.Where(o => o.Kind == ObservationKind.LogTemplates)
            .SelectMany(o => ObservationFacts.ReadMany<TemplateShift>(o.Data))
            .Where(t => !string.IsNullOrWhiteSpace(t.Template))
            .OrderByDescending(t => t.LooksLikeError)
            .ThenByDescending(t => t.IsNew)
            .ThenByDescending(t => t.Surge)
            .ThenByDescending(t => t.IncidentCount)
            .Select(t => t.Template.Trim())
            .Distinct(StringComparer.Ordinal)
            .Take(5)
            .ToList();

        var traces = observations.Where(o => o.Kind == ObservationKind.StackTrace)
            .SelectMany(o => ObservationFacts.ReadMany<StackTrace>(o.Data))
            .Where(t => !string.IsNullOrWhiteSpace(t.ExceptionType))
            .ToList();
        var exceptions = traces.Select(t => t.ExceptionType.Trim()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Take(10).ToList();
        var files = traces
            .SelectMany(t => t.Frames ?? [])
            .Where(f => f.IsApplicationCode && !string.IsNullOrWhiteSpace(f.File))
            .Select(f => NormaliseFile(f.File!))
            .ToList();

        var diagnosis = await db.Diagnoses.AsNoTracking()
            .Where(d => d.IncidentId == incidentId)
            .OrderByDescending(d => d.Id)
            .FirstOrDefaultAsync(ct);
        string? category = null;
        string? rootCause = null;
        if (diagnosis is not null)
        {
            var read = diagnosis.Read();
            category = diagnosis.Category;
            rootCause = string.IsNullOrWhiteSpace(read.Summary) ? null : read.Summary;
            if (read.Suspect?.File is { Length: > 0 } suspectFile)
            {
                files.Insert(0, NormaliseFile(suspectFile));
            }
        }

        return new IncidentFingerprint(
            incident.Number,
            incident.Title,
            incident.Service,
            alertNames,
            templates,
            exceptions,
            files.Distinct(StringComparer.Ordinal).Take(20).ToList(),
            category,
            rootCause);
    }

    /// <summary>The features compared between incidents (Jaccard), each with the words shown to people.</summary>
    public IReadOnlyDictionary<string, string> Features()
    {
        var features = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!string.IsNullOrWhiteSpace(Service))
        {
            features[$"service:{Service.ToLowerInvariant()}"] = "same service";
        }

        foreach (var name in AlertNames)
        {
            features[$"alert:{name}"] = $"alert {name}";
        }

        foreach (var template in Templates)
        {
            features[$"template:{template}"] = $"log \"{Shorten(template, 60)}\"";
        }

        foreach (var exception in ExceptionTypes)
        {
            features[$"exception:{exception}"] = $"exception {exception}";
        }

        foreach (var file in Files)
        {
            // A frame says /srv/app/cart/views.py where the repository says cart/views.py: compare the tail.
            var tail = FileTail(file);
            features.TryAdd($"file:{tail}", $"file {tail}");
        }

        return features;
    }

    private static string FileTail(string file)
    {
        var parts = file.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return string.Join('/', parts.Skip(Math.Max(0, parts.Length - 2)));
    }

    private static string NormaliseFile(string file) => file.Replace('\\', '/').TrimStart('.', '/');

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
