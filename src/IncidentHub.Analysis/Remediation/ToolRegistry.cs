namespace IncidentHub.Analysis.Remediation;

/// <summary>The tools a plan may use, each with the tier it has before its arguments are looked at.</summary>
public sealed class ToolRegistry(IEnumerable<ToolSpec> tools)
{
    public const string Silence = "alertmanager.silence";
    public const string Rollback = "runbook.rollback";
    public const string Restart = "runbook.restart";
    public const string Scale = "runbook.scale";
    public const string RevertCommit = "code.revert";
    public const string ChangeConfig = "config.change";
    public const string PageOwner = "page.owner";
    public const string QueryMetric = "metric.query";
    public const string CheckHealth = "health.check";

    /// <summary>Runbook tools: a signed webhook to the URL the catalog or configuration names for the tool.</summary>
    public static readonly IReadOnlySet<string> RunbookTools = new HashSet<string>([Rollback, Restart, Scale], StringComparer.Ordinal);

    private readonly Dictionary<string, ToolSpec> _tools = tools.ToDictionary(t => t.Name, StringComparer.Ordinal);

    public static ToolRegistry Default { get; } = new([
        new(QueryMetric, ActionTier.Read, "Query a metric in Prometheus and record the result", true, ["query"]),
        new(CheckHealth, ActionTier.Read, "Call a health URL and record the answer", true, ["url"]),
        // Paging tells a person and changes no system, so it needs nobody's approval.
        new(PageOwner, ActionTier.Read, "Page the service's owner", true, ["owner"]),
        new(Silence, ActionTier.Reversible, "Silence the alert in Alertmanager (rollback: expire the silence)", true, ["matchers", "duration_minutes"]),
        new(Rollback, ActionTier.Reversible, "Roll the service back to its previous version (runbook webhook)", true, ["service", "to_version"]),
        new(Restart, ActionTier.Reversible, "Restart the service (runbook webhook)", true, ["service"]),
        new(Scale, ActionTier.Reversible, "Scale the service to a number of replicas (runbook webhook)", true, ["service", "replicas"]),
        new(RevertCommit, ActionTier.Reversible, "Revert the suspect commit, or its failing hunks (a code change: a draft pull request of the tested patch)", true, ["commit", "patch_sha256"]),
        new(ChangeConfig, ActionTier.Reversible, "Set a configuration value back (a code change: a draft pull request of the tested patch)", true, ["key", "value", "patch_sha256"]),
    ]);

    public IEnumerable<ToolSpec> All => _tools.Values;

    public ToolSpec? Find(string tool) => _tools.GetValueOrDefault(tool);
}
