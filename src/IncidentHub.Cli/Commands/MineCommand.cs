using System.Globalization;
using System.Text;
using IncidentHub.Analysis.Logs;

namespace IncidentHub.Cli.Commands;

/// <summary>
/// <c>ih mine LOGFILE --out CSV [--format FORMAT] [--max-clusters N]</c>: mines the file's message
/// templates and writes <c>LineId,EventTemplate</c> (LineId from 1, the template CSV-quoted), the
/// shape Loghub's evaluator and other parsers use, so the output can be compared line by line.
/// </summary>
internal static class MineCommand
{
    public const string Usage = "mine LOGFILE --out CSV [--format auto|raw|json|slog|spring|python|aspnet|syslog|iso|node|'<Date> <Time> <Level> <Content>'] [--max-clusters N]";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        string? file = null, outPath = null, format = null;
        var options = new LogMinerOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--out" when value is not null:
                    outPath = value;
                    i++;
                    break;
                case "--format" when value is not null:
                    format = value;
                    i++;
                    break;
                case "--max-clusters" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var max) && max > 0:
                    options = options with { MaxClusters = max };
                    i++;
                    break;
                case var arg when !arg.StartsWith("--", StringComparison.Ordinal) && file is null:
                    file = arg;
                    break;
                default:
                    return Fail(error, $"unexpected argument '{args[i]}'");
            }
        }

        if (file is null || outPath is null)
        {
            return Fail(error, "a LOGFILE and --out CSV are required");
        }

        if (!File.Exists(file))
        {
            await error.WriteLineAsync($"ih mine: no such file '{file}'");
            return 1;
        }

        LogHeaderParser parser;
        try
        {
            parser = LogHeaderParser.Create(format);
        }
        catch (ArgumentException e)
        {
            return Fail(error, e.Message);
        }

        var miner = new LogMiner(options);
        var ids = new List<int>();
        foreach (var line in File.ReadLines(file))
        {
            ids.Add(miner.Add(parser.Parse(line).Content));
        }

        // Templates are final only after the last line: write each line's surviving cluster template.
        var templates = new Dictionary<int, string>();
        await using (var writer = new StreamWriter(outPath, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
        {
            await writer.WriteLineAsync("LineId,EventTemplate");
            for (var i = 0; i < ids.Count; i++)
            {
                if (!templates.TryGetValue(ids[i], out var template))
                {
                    template = miner.Resolve(ids[i]).Template;
                    templates[ids[i]] = template;
                }

                await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{i + 1},{Quote(template)}"));
            }
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"ih mine: {ids.Count} lines, {miner.ClusterCount} templates -> {outPath}"));
        return 0;
    }

    public static string Quote(string field) => "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static int Fail(TextWriter error, string problem)
    {
        error.WriteLine($"ih mine: {problem}");
        error.WriteLine($"usage: ih {Usage}");
        return 2;
    }
}
