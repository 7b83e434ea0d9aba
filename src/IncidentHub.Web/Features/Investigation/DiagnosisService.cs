using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Features.Investigation;

/// <summary>Reads the current diagnosis and the evidence of an incident (what InvestigateJob stored).</summary>
public sealed class DiagnosisService(IDbContextFactory<AppDbContext> dbFactory, IIncidentMemoryRecall memory)
{
    private const int MaxEvidence = 500;

    /// <summary>The newest diagnosis, or status pending when none is stored yet; null for an unknown incident.</summary>
    public async Task<DiagnosisView?> GetAsync(int number, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var incident = await db.Incidents.AsNoTracking().Where(i => i.Number == number).Select(i => new { i.Id, i.Number }).SingleOrDefaultAsync(ct);
        if (incident is null)
        {
            return null;
        }

        var reference = $"INC-{incident.Number}";
        var record = await db.Diagnoses.AsNoTracking().Where(d => d.IncidentId == incident.Id).OrderByDescending(d => d.Id).FirstOrDefaultAsync(ct);

        // The evidence of the attempt the current diagnosis came from (each attempt collects afresh), plus
        // the memory recalled along the way; earlier attempts stay on the evidence pages.
        var attempt = record?.Attempt;
        var evidence = await db.Observations.AsNoTracking()
            .Where(o => o.IncidentId == incident.Id && (attempt == null || o.Attempt == attempt || o.Kind == ObservationKind.Memory))
            .OrderBy(o => o.Id)
            .Take(MaxEvidence)
            .Select(o => new { o.Id, o.Kind, o.Source, o.Summary, o.Data })
            .ToListAsync(ct);
        var refs = evidence.Select(o => new EvidenceRef($"obs-{o.Id}", o.Kind.ToString(), o.Source, o.Summary)).ToList();
        var seenBefore = await memory.SeenBeforeAsync(incident.Id, ct);

        if (record is null)
        {
            return new DiagnosisView(reference, DiagnosisStatus.Pending, null, null, null, null, null, null, null, null, [], null, null, null, [], refs, seenBefore);
        }

        var d = record.Read();

        // How long the first cited diagnosis took (later attempts refine it; this one is what on-call saw first).
        var firstSeconds = await db.Diagnoses.AsNoTracking().Where(x => x.IncidentId == incident.Id).OrderBy(x => x.Id).Select(x => (double?)x.SecondsSinceAlert).FirstOrDefaultAsync(ct);
        var byId = evidence.ToDictionary(o => $"obs-{o.Id}");
        var flagged = d.FlaggedInjectionEvidenceIds
            .Select(id =>
            {
                if (!byId.TryGetValue(id, out var o))
                {
                    return new FlaggedInjectionView(id, "", null, "(observation not found)", "");
                }

                var line = ObservationFacts.ReadMany<SuspiciousLine>(o.Data).FirstOrDefault();
                return line is null
                    ? new FlaggedInjectionView(id, o.Source, null, o.Summary, "flagged by the injection detector")
                    : new FlaggedInjectionView(id, line.Source ?? o.Source, line.LineNumber, line.Text ?? "", line.Reason ?? "");
            })
            .ToList();

        return new DiagnosisView(
            reference,
            DiagnosisStatus.Ready,
            record.At,
            record.Attempt,
            record.SecondsSinceAlert,
            new TriageView(d.Triage.Severity.ToString(), d.Triage.Service, d.Triage.Confidence, d.Triage.BlastRadius, d.Triage.Reason, d.Triage.EvidenceIds),
            d.Category?.ToName(),
            d.Unknown,
            d.Confidence,
            d.Summary,
            d.Hypotheses
                .OrderBy(h => h.Discarded)
                .ThenByDescending(h => h.Score)
                .Select(h => new HypothesisView(h.Category.ToName(), h.Score, h.Statement, h.EvidenceIds, h.Features, h.Discarded, h.DiscardReason))
                .ToList(),
            d.Suspect is { } s ? new SuspectView(s.Commit, s.File, s.Line, s.Version, s.Reason, s.EvidenceIds) : null,
            d.WouldPage,
            d.PageReason,
            flagged,
            refs,
            seenBefore,
            record.IsFinal,
            firstSeconds);
    }

    /// <summary>One observation of the incident; null when the incident or the observation (of that incident) does not exist.</summary>
    public async Task<EvidenceDetail?> GetEvidenceAsync(int number, long observationId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.Observations.AsNoTracking()
            .Where(o => o.Id == observationId)
            .Join(db.Incidents.Where(i => i.Number == number), o => o.IncidentId, i => i.Id, (o, i) => o)
            .SingleOrDefaultAsync(ct);
        if (row is null)
        {
            return null;
        }

        using var doc = System.Text.Json.JsonDocument.Parse(row.Data);
        return new EvidenceDetail(row.EvidenceId, $"INC-{number}", row.Kind.ToString(), row.Source, row.Summary, row.At, row.Attempt, doc.RootElement.Clone());
    }

    /// <summary>Observations of the incident of one kind (the evidence page looks up a series' onset or a commit's diff).</summary>
    public async Task<IReadOnlyList<Observation>> ListEvidenceAsync(int number, ObservationKind kind, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Observations.AsNoTracking()
            .Where(o => o.Kind == kind)
            .Join(db.Incidents.Where(i => i.Number == number), o => o.IncidentId, i => i.Id, (o, i) => o)
            .OrderBy(o => o.Id)
            .Take(100)
            .ToListAsync(ct);
    }
}
