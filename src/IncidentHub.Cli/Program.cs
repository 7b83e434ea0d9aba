// `ih`: the IncidentHub command line. Each command is one class in Commands/ with
// `static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)`, dispatched below.
var command = args.FirstOrDefault();
var rest = args.Skip(1).ToArray();
return command switch
{
    null or "help" or "--help" or "-h" => Usage(Console.Out, 0),
    "mine" => await IncidentHub.Cli.Commands.MineCommand.RunAsync(rest, Console.Out, Console.Error),
    "import" => await IncidentHub.Cli.Commands.ImportCommand.RunAsync(rest, Console.Out, Console.Error),
    "eval" => await IncidentHub.Cli.Commands.EvalCommand.RunAsync(rest, Console.Out, Console.Error),
    "plan" => await IncidentHub.Cli.Commands.PlanCommand.RunAsync(rest, Console.Out, Console.Error),
    "approve" => await IncidentHub.Cli.Commands.ApproveCommand.RunAsync(rest, Console.Out, Console.Error),
    "reject" => await IncidentHub.Cli.Commands.RejectCommand.RunAsync(rest, Console.Out, Console.Error),
    _ => Usage(Console.Error, 2, $"unknown command '{command}'"),
};

static int Usage(TextWriter output, int code, string? problem = null)
{
    if (problem is not null)
    {
        output.WriteLine($"ih: {problem}");
    }

    output.WriteLine("""
        usage: ih <command> [options]

        commands:
          help                      this text
          mine LOGFILE --out CSV    mine log templates; writes LineId,EventTemplate [--format F] [--max-clusters N]
          import BUNDLE_DIR         build the bundle's repo here (RUNS the bundle's repo/make_repo.sh on this machine,
                                    with PATH, HOME and LANG only: no IH_TOKEN), post deploys, upload the bundle;
                                    [--confirm SERVICE,...] accepts the changes to existing services the hub showed
          eval DIR                  import every bundle in DIR, wait for diagnoses, compare with truth.json [--json FILE]
          eval --compare A.json B.json   compare two --json runs: bundles fixed/broken, figure changes
          eval --compare DIR --ai-url URL   run DIR on the hub at --url (no model) and the one at --ai-url (a model),
                                    side by side; exits 1 when AI mode is worse on any check [--ai-token TOKEN]
          plan N                    print incident N's remediation plan: actions, tiers, states, hashes, what was left out
          approve N ACTION          approve action ACTION (its number in the plan, or its id) as the plan shows it [--hash PREFIX]
          reject N ACTION --reason "..."   reject it with a reason; the plan is rebuilt without it

        options: --url URL (or IH_URL, default http://127.0.0.1:5080), --token TOKEN (or IH_TOKEN)
        """);
    return code;
}
