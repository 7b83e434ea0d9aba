using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Web.Features.Investigation;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using NpgsqlTypes;

namespace IncidentHub.Web.Features.Memory;

/// <summary>
/// Recall: the past incidents most like a given one. Candidates come from PostgreSQL full-text
/// search (the new incident's words OR-ed into a tsquery, ranked with ts_rank) and from shared
/// fingerprint features (same service, alert name, template, exception type, file); each is scored
/// by the Jaccard overlap of the fingerprints plus how much of the text matched.
/// </summary>
public sealed class MemoryRecall(IDbContextFactory<AppDbContext> dbFactory) : IIncidentMemoryRecall
{
    public const int DefaultTake = 5;

    /// <summary>Below this a match is noise, not "seen before".</summary>
    public const double MinimumSimilarity = 0.15;

    public Task<IReadOnlyList<MemoryMatch>> SeenBeforeAsync(Guid incidentId, CancellationToken ct) => RecallAsync(incidentId, DefaultTake, ct);

    /// <summary>
    /// Memory as the investigation asks for it: the fingerprint of what this attempt found (service, alert names,
    /// error templates, exception types, blamed files), handed to the engine as <see cref="PastIncident"/> facts.
    /// </summary>
    public async Task<IReadOnlyList<PastIncident>> RecallAsync(MemoryQuery query, CancellationToken ct)
    {
        var alertNames = query.AlertLabels.TryGetValue("alertname", out var name) && !string.IsNullOrWhiteSpace(name) ? new[] { name } : [];
        var fingerprint = new IncidentFingerprint(0, query.Title, query.Service, alertNames, query.ErrorTemplates, query.ExceptionTypes,
            query.Files, Category: null, RootCause: null);
        var matches = await RecallAsync(query.IncidentId, fingerprint, DefaultTake, ct);
        return matches.Select(m => m.ToPastIncident()).ToList();
    }

    public async Task<IReadOnlyList<MemoryMatch>> RecallAsync(Guid incidentId, int take = DefaultTake, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var fingerprint = await IncidentFingerprint.LoadAsync(db, incidentId, ct);
        if (fingerprint is null)
        {
            return [];
        }

        return await RecallAsync(db, incidentId, fingerprint, take, ct);
    }

    /// <summary>Recall for a fingerprint the caller assembled (the investigation, before its evidence is stored).</summary>
    public async Task<IReadOnlyList<MemoryMatch>> RecallAsync(Guid incidentId, IncidentFingerprint fingerprint, int take = DefaultTake, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await RecallAsync(db, incidentId, fingerprint, take, ct);
    }

    private static async Task<IReadOnlyList<MemoryMatch>> RecallAsync(AppDbContext db, Guid incidentId, IncidentFingerprint fingerprint, int take, CancellationToken ct)
    {
        var lexemes = await LexemesAsync(db, fingerprint.SearchText, ct);
        var query = OrQuery(lexemes);
        var service = fingerprint.Service;
        var alerts = fingerprint.AlertNames.ToList();
        var templates = fingerprint.Templates.ToList();
        var exceptions = fingerprint.ExceptionTypes.ToList();
        var files = fingerprint.Files.ToList();

        var candidates = db.MemoryEntries.AsNoTracking().Where(m => m.IncidentId != incidentId);
        candidates = query is null
            ? candidates.Where(m => (service != null && m.Service == service) || m.AlertNames.Any(a => alerts.Contains(a))
                || m.Templates.Any(t => templates.Contains(t)) || m.ExceptionTypes.Any(e => exceptions.Contains(e)) || m.Files.Any(f => files.Contains(f)))
            : candidates.Where(m => m.SearchVector.Matches(query) || (service != null && m.Service == service) || m.AlertNames.Any(a => alerts.Contains(a))
                || m.Templates.Any(t => templates.Contains(t)) || m.ExceptionTypes.Any(e => exceptions.Contains(e)) || m.Files.Any(f => files.Contains(f)));

        var rows = await candidates
            .Select(m => new { Entry = m, Rank = query == null ? 0f : m.SearchVector.Rank(query) })
            .OrderByDescending(r => r.Rank)
            .ThenByDescending(r => r.Entry.ResolvedAt)
            .Take(100)
            .ToListAsync(ct);

        var mine = fingerprint.Features();
        var myLexemes = lexemes.ToHashSet(StringComparer.Ordinal);
        return rows
            .Select(r =>
            {
                var theirs = new IncidentFingerprint(r.Entry.Number, r.Entry.Title, r.Entry.Service, r.Entry.AlertNames, r.Entry.Templates,
                    r.Entry.ExceptionTypes, r.Entry.Files, r.Entry.Category, r.Entry.RootCause).Features();
                var shared = mine.Keys.Where(theirs.ContainsKey).ToList();
                var union = mine.Keys.Union(theirs.Keys).Count();
                var overlap = union == 0 ? 0 : (double)shared.Count / union;
                var text = TextScore(r.Rank, myLexemes, r.Entry.SearchVector);
                var similarity = Math.Round((0.6 * overlap) + (0.4 * text), 2);
                var sharedWords = shared.Select(k => mine[k]).ToList();
                if (shared.Count == 0 && text > 0)
                {
                    sharedWords.Add("similar words");
                }

                return new MemoryMatch(r.Entry.IncidentId, r.Entry.Number, r.Entry.Reference, r.Entry.Title, r.Entry.Service, r.Entry.Category,
                    r.Entry.RootCause, r.Entry.Fix, r.Entry.FixVerified, r.Entry.ResolvedAt, similarity, r.Rank, Math.Round(overlap, 2), sharedWords);
            })
            .Where(m => m.Similarity >= MinimumSimilarity)
            .OrderByDescending(m => m.Similarity)
            .ThenByDescending(m => m.TextRank)
            .ThenByDescending(m => m.ResolvedAt)
            .Take(take)
            .ToList();
    }

    /// <summary>
    /// How much of the wording matches, 0..1: the share of lexemes the two incidents have in common
    /// (Jaccard), lifted by ts_rank (which weighs repeated and nearby matches) so that two texts
    /// with the same words in the same places score above ones that merely share a few.
    /// </summary>
    private static double TextScore(float rank, HashSet<string> mine, NpgsqlTsVector theirs)
    {
        if (mine.Count == 0)
        {
            return 0;
        }

        var their = theirs.Select(l => l.Text).ToHashSet(StringComparer.Ordinal);
        var common = mine.Count(their.Contains);
        var union = mine.Count + their.Count - common;
        var jaccard = union == 0 ? 0 : (double)common / union;
        var ranked = rank / (rank + 0.1);
        return Math.Clamp((0.7 * jaccard) + (0.3 * ranked), 0, 1);
    }

    private static async Task<List<string>> LexemesAsync(AppDbContext db, string text, CancellationToken ct) =>
        string.IsNullOrWhiteSpace(text)
            ? []
            : await db.Database
                .SqlQuery<string>($"SELECT unnest(tsvector_to_array(to_tsvector('english'::regconfig, {text}))) AS \"Value\"")
                .Take(200)
                .ToListAsync(ct);

    /// <summary>Any of the words (an OR query), built from lexemes, never parsed from user text.</summary>
    private static NpgsqlTsQuery? OrQuery(IReadOnlyList<string> lexemes)
    {
        NpgsqlTsQuery? query = null;
        foreach (var lexeme in lexemes)
        {
            NpgsqlTsQuery term = new NpgsqlTsQueryLexeme(lexeme);
            query = query is null ? term : new NpgsqlTsQueryOr(query, term);
        }

        return query;
    }
}
