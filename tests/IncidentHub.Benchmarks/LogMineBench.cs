using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using IncidentHub.Analysis.Logs;

namespace IncidentHub.Benchmarks;

/// <summary>
/// Accuracy and speed of <see cref="LogMiner"/> on the 16 Loghub-2k samples (read in place, never
/// copied into the repository):
/// <list type="bullet">
/// <item>grouping accuracy (GA, Zhu et al. ICSE-SEIP 2019, as logparser's evaluator computes it: a line
/// counts as correct when the set of lines in its predicted group is exactly the set in its
/// ground-truth group), with the miner's defaults and with the per-dataset regexes below;</item>
/// <item>throughput in lines per CPU-second (<see cref="Process.TotalProcessorTime"/>) on a file made
/// in memory by repeating a dataset's 2k messages up to <c>--lines</c>, and the cluster count on it
/// against the count on the 2k sample alone.</item>
/// </list>
/// </summary>
public static class LogMineBench
{
    /// <summary>
    /// The per-dataset preprocessing regexes that logparser's Drain benchmark uses
    /// (logpai/logparser logparser/Drain/benchmark.py @ db27223, Apache-2.0), unchanged: each match
    /// becomes <c>&lt;*&gt;</c> before mining. Only the "tuned" column uses them; the similarity
    /// threshold stays at the miner's default for every dataset (Drain also tunes it per dataset).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> DatasetRegexes = new Dictionary<string, string[]>
    {
        ["HDFS"] = [@"blk_-?\d+", @"(\d+\.){3}\d+(:\d+)?"],
        ["Hadoop"] = [@"(\d+\.){3}\d+"],
        ["Spark"] = [@"(\d+\.){3}\d+", @"\b[KGTM]?B\b", @"([\w-]+\.){2,}[\w-]+"],
        ["Zookeeper"] = [@"(/|)(\d+\.){3}\d+(:\d+)?"],
        ["BGL"] = [@"core\.\d+"],
        ["HPC"] = [@"=\d+"],
        ["Thunderbird"] = [@"(\d+\.){3}\d+"],
        ["Windows"] = [@"0x.*?\s"],
        ["Linux"] = [@"(\d+\.){3}\d+", @"\d{2}:\d{2}:\d{2}"],
        ["Android"] = [@"(/[\w-]+)+", @"([\w-]+\.){2,}[\w-]+", @"\b(\-?\+?\d+)\b|\b0[Xx][a-fA-F\d]+\b|\b[a-fA-F\d]{4,}\b"],
        ["HealthApp"] = [],
        ["Apache"] = [@"(\d+\.){3}\d+"],
        ["Proxifier"] = [@"<\d+\ssec", @"([\w-]+\.)+[\w-]+(:\d+)?", @"\d{2}:\d{2}(:\d{2})*", @"[KGTM]B"],
        ["OpenSSH"] = [@"(\d+\.){3}\d+", @"([\w-]+\.){2,}[\w-]+"],
        ["OpenStack"] = [@"((\d+\.){3}\d+,?)+", @"/.+?\s", @"\d+"],
        ["Mac"] = [@"([\w-]+\.){2,}[\w-]+"],
    };

    private static double? threshold;

    private static int? distinct;

    private static LogMinerOptions Defaults()
    {
        var options = new LogMinerOptions();
        options = threshold is { } st ? options with { SimilarityThreshold = st } : options;
        return distinct is { } k ? options with { DistinctValuesForVariable = k } : options;
    }

    public static int Run(string[] args)
    {
        string Get(string name, string fallback)
        {
            var i = Array.IndexOf(args, "--" + name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }

        threshold = Get("st", "") is { Length: > 0 } st ? double.Parse(st, CultureInfo.InvariantCulture) : null;
        distinct = Get("k", "") is { Length: > 0 } k ? int.Parse(k, CultureInfo.InvariantCulture) : null;
        var dir = Get("data", Environment.GetEnvironmentVariable("LOGHUB_2K_DIR") ?? "../shared/datasets/loghub-2k");
        var lines = int.Parse(Get("lines", "1000000"), CultureInfo.InvariantCulture);
        var speedSets = Get("speed", "HDFS,BGL").Replace("none", "", StringComparison.Ordinal).Split(',', StringSplitOptions.RemoveEmptyEntries);
        var only = Get("datasets", string.Join(',', DatasetRegexes.Keys)).Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (!Directory.Exists(dir))
        {
            Console.Error.WriteLine($"logmine: no Loghub-2k directory at '{Path.GetFullPath(dir)}' (pass --data DIR or set LOGHUB_2K_DIR)");
            return 2;
        }

        if (Get("explain", "") is { Length: > 0 } explain)
        {
            Explain(dir, explain, args.Contains("--tuned"));
            return 0;
        }

        Console.WriteLine("dataset       lines  truth  clusters  GA(default)  clusters  GA(tuned)");
        double sumDefault = 0, sumTuned = 0;
        var count = 0;
        foreach (var name in only)
        {
            var (contents, truth) = Load(dir, name);
            var plain = Mine(contents, Defaults());
            var tuned = Mine(contents, Defaults() with { Preprocess = [.. DatasetRegexes[name].Select(r => new Regex(r, RegexOptions.Compiled))] });
            var gaPlain = GroupingAccuracy(truth, plain.Assigned);
            var gaTuned = GroupingAccuracy(truth, tuned.Assigned);
            sumDefault += gaPlain;
            sumTuned += gaTuned;
            count++;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-12} {contents.Count,6} {truth.Distinct().Count(),6} {plain.Clusters,9} {gaPlain,12:0.000} {tuned.Clusters,9} {gaTuned,10:0.000}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT ga_default_avg={sumDefault / count:0.0000} ga_tuned_avg={sumTuned / count:0.0000} datasets={count}"));

        foreach (var name in speedSets)
        {
            var (contents, _) = Load(dir, name);
            var sample = Mine(contents, Defaults()).Clusters;
            var big = new string[lines];
            for (var i = 0; i < lines; i++)
            {
                // Fresh string objects, as a reader would hand them over.
                big[i] = new string(contents[i % contents.Count].AsSpan());
            }

            // Warm up the JIT on the sample, then measure a fresh miner on the whole file.
            Mine(contents, Defaults());
            var process = Process.GetCurrentProcess();
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            var miner = new LogMiner(Defaults());
            foreach (var line in big)
            {
                miner.Add(line);
            }

            wall.Stop();
            process.Refresh();
            var seconds = (process.TotalProcessorTime - cpu).TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"RESULT speed dataset={name} lines={lines} cpu_s={seconds:0.000} wall_s={wall.Elapsed.TotalSeconds:0.000} " +
                $"lines_per_cpu_s={lines / seconds:0} clusters={miner.ClusterCount} clusters_2k={sample}"));
        }

        return 0;
    }

    /// <summary>Prints the ground-truth groups the miner got wrong, with the templates it gave them.</summary>
    private static void Explain(string dir, string name, bool tuned)
    {
        var (contents, truth) = Load(dir, name);
        var miner = new LogMiner(tuned ? Defaults() with { Preprocess = [.. DatasetRegexes[name].Select(r => new Regex(r))] } : Defaults());
        var ids = contents.Select(miner.Add).ToList();
        var predicted = ids.Select(id => miner.Resolve(id).Id).ToList();
        var predictedSizes = predicted.CountBy(p => p).ToDictionary();
        foreach (var group in Enumerable.Range(0, truth.Count).GroupBy(i => truth[i]).OrderByDescending(g => g.Count()))
        {
            var preds = group.Select(i => predicted[i]).Distinct().ToList();
            if (preds.Count == 1 && predictedSizes[preds[0]] == group.Count())
            {
                continue;
            }

            Console.WriteLine($"TRUTH {group.Key} x{group.Count()}: {contents[group.First()]}");
            foreach (var p in preds)
            {
                var example = contents[group.First(i => predicted[i] == p)];
                Console.WriteLine($"   -> #{p} (size {predictedSizes[p]}, mine {group.Count(i => predicted[i] == p)}) {miner.Resolve(p).Template}   e.g. {example}");
            }
        }
    }

    private static (IReadOnlyList<int> Assigned, int Clusters) Mine(IReadOnlyList<string> contents, LogMinerOptions options)
    {
        var miner = new LogMiner(options);
        var ids = new int[contents.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = miner.Add(contents[i]);
        }

        // Final grouping: ids merged later follow their surviving cluster.
        return ([.. ids.Select(id => miner.Resolve(id).Id)], miner.ClusterCount);
    }

    /// <summary>logparser's evaluator.get_accuracy: lines whose predicted group equals their true group.</summary>
    public static double GroupingAccuracy<TTruth, TPredicted>(IReadOnlyList<TTruth> truth, IReadOnlyList<TPredicted> predicted)
        where TTruth : notnull
        where TPredicted : notnull
    {
        var truthSizes = truth.CountBy(t => t).ToDictionary();
        var correct = 0;
        foreach (var group in Enumerable.Range(0, predicted.Count).GroupBy(i => predicted[i]))
        {
            var truths = group.Select(i => truth[i]).Distinct().ToList();
            if (truths.Count == 1 && truthSizes[truths[0]] == group.Count())
            {
                correct += group.Count();
            }
        }

        return (double)correct / truth.Count;
    }

    private static (List<string> Contents, List<string> Truth) Load(string dir, string name)
    {
        var path = Path.Combine(dir, name, $"{name}_2k.log_structured.csv");
        using var reader = new StreamReader(path, Encoding.UTF8);
        var header = ParseCsvLine(reader.ReadLine() ?? throw new InvalidDataException($"{path} is empty"));
        var content = header.IndexOf("Content");
        var eventId = header.IndexOf("EventId");
        var contents = new List<string>();
        var truth = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            var fields = ParseCsvLine(line);
            contents.Add(fields[content]);
            truth.Add(fields[eventId]);
        }

        return (contents, truth);
    }

    private static List<string> ParseCsvLine(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }
}
