using IncidentHub.Cli.Commands;

// `ih`: the IncidentHub command line. Each command is one class in Commands/ with
// `static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)`.
return args.FirstOrDefault() switch
{
    "help" or "--help" or "-h" or null => Usage(Console.Out, 0),
    var name => await (name switch
    {
        _ => Task.FromResult(Usage(Console.Error, 2, $"unknown command '{name}'")),
    }),
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
        """);
    return code;
}
