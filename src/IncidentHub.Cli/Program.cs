// `ih`: the IncidentHub command line. Each command is one class in Commands/ with
// `static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)`, dispatched below.
var command = args.FirstOrDefault();
var rest = args.Skip(1).ToArray();
return command switch
{
    null or "help" or "--help" or "-h" => Usage(Console.Out, 0),
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
        """);
    return code;
}
