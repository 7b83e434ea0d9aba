namespace IncidentHub.Cli.Commands;

/// <summary>
/// `ih approve N ACTION`: approves one action of the incident's current plan (ACTION = its number in the plan or its id),
/// bound to the hash the plan shows; `--hash PREFIX` (as `ih plan` printed it) refuses when the action is no longer
/// that one. Exit 0 approved, 1 refused (the hub's ProblemDetails printed: 403 Viewer, 409 stale hash or already
/// decided or expired), 2 usage, 3 unreachable.
/// </summary>
internal static class ApproveCommand
{
    public const string Usage = "ih approve N ACTION [--hash PREFIX] [--url URL] [--token TOKEN]";

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, HttpMessageHandler? handler = null) =>
        PlanDecision.RunAsync("approve", Usage, args, output, error, handler);
}
