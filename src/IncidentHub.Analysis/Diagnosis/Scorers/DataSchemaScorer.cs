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
        // A migration holding a lock: lock waits, deadlocks, a statement timeout while altering a table.
        var locks = f.LockWaits.Select(t => new Signal(t.Kind, 0.9 * t.Weight, t.EvidenceId, $"waiting on a lock: {Clip(t.Display)}")).ToList();
        // A poison message: the same message id/offset failing the same consumer again and again.
        var poison = f.Poison.Select(p => new Signal(p.Kind, 0.9, p.EvidenceId, $"one message ({p.Id}) fails again and again ({p.Count}x): {Clip(p.Display)}")).ToList();
        // Read replicas fell behind their primary (a heavy data rewrite): reads routed to them miss fresh rows.
        var lag = f.ReplicaLag.Select(x => new Signal(EvidenceKind.Metrics, 0.9, x.EvidenceId, $"read replicas fell behind: {x.Fact.SeriesName} went up from {x.Fact.Before:0.##} to {x.Fact.After:0.##}"))
            .Take(1).ToList();
        // A query lost its index: full scans rose or index scans fell (a dropped index, a plan change).
        var plan = f.PlanChange.Select(x => new Signal(EvidenceKind.Metrics, 0.8, x.EvidenceId,
            $"a query lost its index: {x.Fact.SeriesName} went {x.Fact.Direction} from {x.Fact.Before:0.##} to {x.Fact.After:0.##}")).Take(1).ToList();
        lag.AddRange(plan);

        // Migration files changed in the window; stronger when something waits on a lock or the replicas fell behind.
        var migrations = f.Migrations
            .Select(m => new Signal(EvidenceKind.Changes, (locks.Count > 0 || lag.Count > 0 ? 1.0 : 0.8) * m.Proximity, m.Commit.EvidenceId,
                $"{ChangeCorrelator.Short(m.Commit.Fact.Sha)} \"{Clip(m.Commit.Fact.Subject, 60)}\" changes {m.File}")).ToList();
        if (text.Count == 0 && atMax.Count == 0 && locks.Count == 0 && poison.Count == 0 && lag.Count == 0)
        {
            discard = "no overflow, constraint, column, lock-wait or poison-message errors and no replica lag";
            return "data or schema problem";
        }

        s.AddRange(text);
        s.AddRange(atMax);
        s.AddRange(locks);
        s.AddRange(poison);
        s.AddRange(lag);
        s.AddRange(migrations);
        s.AddRange(Coincident(f, [.. text, .. locks, .. poison]));

        // The consumer stopped making progress while the one message failed: its lag or backlog grew, or its
        // consumed/processed rate fell (a metric of failed work, independent of the log lines).
        if (poison.Count > 0 && f.ImpactOnsets.FirstOrDefault(x => x.Fact.Role is not (MetricRole.ErrorRatio or MetricRole.Latency)) is { } stuck)
        {
            s.Add(new Signal(EvidenceKind.Metrics, 0.8, stuck.EvidenceId, $"the consumer stopped making progress: {stuck.Fact.SeriesName} went {stuck.Fact.Direction}"));
        }
        // The code change of the window touched the failing code and nothing else changed the data: the data errors are
        // what the new code writes (duplicate ids, overflowing values), the deploy is the cause to name.
        if (f.DataWrittenByCode)
        {
            Scale(s, 0.5);
        }

        if (text.Count == 0 && atMax.Count == 0 && locks.Count == 0 && poison.Count == 0)
        {
            return f.ReplicaLag.Count == 0
                ? (migrations.Count > 0 ? "a migration left a query without its index: " : "a query lost its index: ") + FirstFeature(lag)
                : (migrations.Count > 0 ? "a data migration made the read replicas fall behind: " : "the read replicas fell behind: ") + FirstFeature(lag);
        }

        if (text.Count == 0 && atMax.Count == 0)
        {
            return poison.Count > 0 && locks.Count == 0
                ? "a poison message fails the consumer again and again: " + FirstFeature(poison)
                : (migrations.Count > 0 ? "a schema migration holds a lock: " : "queries wait on a database lock: ") + FirstFeature(locks.Count > 0 ? locks : poison);
        }

        return "data no longer fits the schema: " + FirstFeature(text.Count > 0 ? text : atMax);
    }
}
