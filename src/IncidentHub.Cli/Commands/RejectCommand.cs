namespace IncidentHub.Cli.Commands;

/// <summary>
/// `ih reject N ACTION --reason "..."`: rejects one action of the incident's current plan; the reason is required and
/// recorded, and the hub re-plans without the action. Exit codes as `ih approve`.
/// </summary>
internal static class RejectCommand
{
    public const string Usage = "ih reject N ACTION --reason \"...\" [--hash PREFIX] [--url URL] [--token TOKEN]";

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, HttpMessageHandler? handler = null) =>
        PlanDecision.RunAsync("reject", Usage, args, output, error, handler);
}
