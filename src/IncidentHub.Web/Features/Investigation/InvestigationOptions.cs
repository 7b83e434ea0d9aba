using System.ComponentModel.DataAnnotations;

namespace IncidentHub.Web.Features.Investigation;

/// <summary>Bounds of an investigation: time window, connector timeouts, attempt and time budgets, allowed hosts.</summary>
public sealed class InvestigationOptions
{
    public const string SectionName = "Investigation";

    /// <summary>Evidence window before the anchor (the earliest alert's start).</summary>
    [Range(1, 24 * 60)]
    public int WindowBeforeMinutes { get; set; } = 60;

    /// <summary>Evidence window after the anchor.</summary>
    [Range(0, 24 * 60)]
    public int WindowAfterMinutes { get; set; } = 15;

    /// <summary>Each connector call (one query, one file set, one git command) gets at most this long.</summary>
    [Range(0.1, 300)]
    public double ConnectorTimeoutSeconds { get; set; } = 10;

    /// <summary>Investigation attempts (each widens the window x2) while the diagnosis stays Unknown (<c>Diagnosis:ConfidenceThreshold</c>).</summary>
    [Range(1, 10)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Wall-clock budget for all attempts together.</summary>
    [Range(1, 3600)]
    public double TimeBudgetSeconds { get; set; } = 120;

    /// <summary>At most this many log lines per source and attempt.</summary>
    [Range(100, 5_000_000)]
    public int LogLineCap { get; set; } = 200_000;

    /// <summary>At most this many commits read from a repository per attempt.</summary>
    [Range(10, 100_000)]
    public int CommitCap { get; set; } = 2000;

    /// <summary>How many days before the log window commits are read (what recent deploys shipped).</summary>
    [Range(0, 365)]
    public int CommitLookbackDays { get; set; } = 30;

    /// <summary>Hosts health checks may call (exact host names, case-insensitive). Anything else is refused.</summary>
    public List<string> HealthCheckAllowedHosts { get; set; } = [];

    /// <summary>Where repositories named only by <c>github: owner/repo</c> are cloned.</summary>
    public string DataDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "incidenthub", "repos");

    /// <summary>The Git host clones come from (a test or an Enterprise server may point elsewhere).</summary>
    public string GitHubBaseUrl { get; set; } = "https://github.com";

    /// <summary>At most this many bytes are read from one log file or OpenMetrics file (after decompression); more ends the read with an error.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>A log line longer than this many characters is cut (the rest of it is skipped, not held in memory).</summary>
    [Range(80, 10_000_000)]
    public int MaxLineChars { get; set; } = 64 * 1024;

    /// <summary>
    /// Development only (offline evaluation of the diagnosis engine): when set, every attempt's <c>DiagnosisInput</c> is
    /// written as JSON to <c>{DumpInputsTo}/{incident number}-{attempt}.json</c>. Off (null) by default.
    /// </summary>
    public string? DumpInputsTo { get; set; }

    public TimeSpan ConnectorTimeout => TimeSpan.FromSeconds(ConnectorTimeoutSeconds);
}
