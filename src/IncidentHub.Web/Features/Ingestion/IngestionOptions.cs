using System.ComponentModel.DataAnnotations;

namespace IncidentHub.Web.Features.Ingestion;

public sealed class IngestionOptions
{
    public const string SectionName = "Ingestion";

    /// <summary>Above this many alerts stored but not yet applied, webhooks answer 429 with Retry-After.</summary>
    [Range(100, 10_000_000)]
    public int MaxBacklogAlerts { get; set; } = 200_000;

    /// <summary>
    /// How long the applier waits for more stored events before applying a batch that is not full, during a flood only
    /// (never for the first batch after a quiet spell, nor when a sender waits for its incidents). A flood is applied in
    /// fewer, larger transactions (docs/decisions/016).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan ApplyLinger { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a `?wait=true` request waits for its alerts to reach incidents.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan WaitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often stored-but-unapplied events (another node crashed, a signal was lost) are picked up.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>An alert that changes state this many times within FlapWindow is flapping: it stops opening incidents.</summary>
    [Range(2, 20)]
    public int FlapChanges { get; set; } = 4;

    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan FlapWindow { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long the token lookup is cached; a rotated token keeps working this long on other nodes.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan TokenCacheTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A signed X-Signature-Timestamp older or newer than this is refused; a timestamped signature is accepted once within it.</summary>
    [Range(typeof(TimeSpan), "00:00:30", "01:00:00")]
    public TimeSpan SignatureTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>After an Admin rotates a signing secret, the previous one is still accepted this long (senders switch over), then refused.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan SigningSecretOverlap { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The grouping dry run replays at most this many stored payloads (the newest) ...</summary>
    [Range(1, 100_000)]
    public int DryRunMaxEvents { get; set; } = 5_000;

    /// <summary>... and at most this many bytes of them together, so one dry run cannot hold 20,000 x 1 MiB in memory.</summary>
    [Range(1024, long.MaxValue)]
    public long DryRunMaxBytes { get; set; } = 32L * 1024 * 1024;
}
