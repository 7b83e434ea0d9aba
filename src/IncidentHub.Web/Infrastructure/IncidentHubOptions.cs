using System.ComponentModel.DataAnnotations;

namespace IncidentHub.Web.Infrastructure;

/// <summary>Which parts of IncidentHub this process runs. Any number of each share one database.</summary>
public enum ProcessRole
{
    /// <summary>UI, JSON API and webhooks; listens for events published by workers.</summary>
    Web,

    /// <summary>Hangfire server: runs the agent jobs.</summary>
    Worker,

    /// <summary>Both, in one process: the default for a local run.</summary>
    All,
}

public sealed class IncidentHubOptions
{
    public const string SectionName = "IncidentHub";

    public ProcessRole Role { get; set; } = ProcessRole.All;

    /// <summary>The address people and senders use to reach this hub; webhook URLs are shown with it.</summary>
    [Required, Url]
    public string PublicBaseUrl { get; set; } = "http://127.0.0.1:5080";

    /// <summary>Hangfire workers in a worker process.</summary>
    [Range(1, 64)]
    public int WorkerCount { get; set; } = 4;

    /// <summary>Webhook requests per second above which background jobs wait for the storm to pass (<see cref="Jobs.StormGate"/>).</summary>
    [Range(1, 1_000_000)]
    public double StormRequestsPerSecond { get; set; } = 50;

    /// <summary>The longest a job waits for a storm to pass before it runs anyway (checked at start: a negative wait would fail every held job).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "IncidentHub:StormMaxDelay must be between 00:00:00 and 1.00:00:00 (one day).")]
    public TimeSpan StormMaxDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long a stop may take in all. Hangfire gets <see cref="JobShutdownTimeout"/> of it to let running jobs see
    /// their cancellation (a job still running then is abandoned and retried by the next worker, decision 004).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "00:10:00", ErrorMessage = "IncidentHub:ShutdownTimeout must be between 00:00:05 and 00:10:00.")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>How long running jobs get to stop at shutdown; less than <see cref="ShutdownTimeout"/> (checked at start).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "IncidentHub:JobShutdownTimeout must be between 00:00:01 and 00:10:00.")]
    public TimeSpan JobShutdownTimeout { get; set; } = TimeSpan.FromSeconds(15);

    public bool RunsWeb => Role is ProcessRole.Web or ProcessRole.All;

    public bool RunsWorker => Role is ProcessRole.Worker or ProcessRole.All;

    public static ProcessRole ReadRole(IConfiguration configuration) =>
        Enum.TryParse<ProcessRole>(configuration[$"{SectionName}:Role"], ignoreCase: true, out var role) ? role : ProcessRole.All;
}
