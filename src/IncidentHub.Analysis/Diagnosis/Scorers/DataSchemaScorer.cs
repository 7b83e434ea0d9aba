using System.Globalization;
using static IncidentHub.Analysis.Diagnosis.Evidence;
using static IncidentHub.Analysis.Diagnosis.Vocabulary;

namespace IncidentHub.Analysis.Diagnosis.Scorers;

internal sealed class DataSchemaScorer : ICategoryScorer
{
    public HypothesisCategory Category => HypothesisCategory.DataSchema;

    public string Score(Facts f, List<Signal> s, ref string? discard)
    {
        var text = TextSignals(f, DataErrorRegex(), 0.9, "data/schema error");
        var atMax = f.AtMaximum.Where(m => SequenceNameRegex().IsMatch(m.Name))
            .Select(m => new Signal(EvidenceKind.Metrics, 1.0, m.EvidenceId, $"{m.Name} reached its maximum")).ToList();
        var migrations = f.Correlation.RecentDeploys
            .SelectMany(w => w.Commits.Where(c => c.Fact.Files.Any(p => MigrationFileRegex().IsMatch(p))).Select(c => (w, c)))
            .Select(x => new Signal(EvidenceKind.Changes, 0.8 * x.w.Proximity, x.c.EvidenceId, $"{ChangeCorrelator.Short(x.c.Fact.Sha)} changes a migration/schema file")).ToList();
        if (text.Count == 0 && atMax.Count == 0)
        {
            discard = "no overflow, constraint, migration or column errors";
            return "data or schema problem";
        }

        s.AddRange(text);
        s.AddRange(atMax);
        s.AddRange(migrations);
        s.AddRange(Coincident(f, text));
        return "data no longer fits the schema: " + FirstFeature(text.Count > 0 ? text : atMax);
    }
}
