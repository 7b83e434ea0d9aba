// `ih`: the IncidentHub command line. Each command is one class in Commands/ with
// `static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)`, dispatched below.
var command = args.FirstOrDefault();
var rest = args.Skip(1).ToArray();
return command switch
{
    null or "help" or "--help" or "-h" => Usage(Console.Out, 0),
    "mine" => await IncidentHub.Cli.Commands.MineCommand.RunAsync(rest, Console.Out, Console.Error),
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
        """);
    return code;
}
