using IncidentHub.Benchmarks;

// Load tools for scripts/bench/ (run on demand, never by the test command).
//   latency --url <webhook url> --pg <connection string> [--rate 200] [--seconds 20] [--warmup 3]
//   logmine [--data <loghub-2k dir>] [--lines 1000000] [--speed HDFS,BGL] [--datasets A,B]
//   diagnosis (see scripts/bench/diagnosis.sh)
//   reports --pg <connection string> [--repeats 20] [--renders 20] [--chromium /usr/bin/chromium]
//   storm --hooks URL[,URL] [--alerts 50000] [--seconds 60] [--groups 50] [--pg CONNECTION]
//   wall --web URL[,URL] --hook URL --token T --email E --password P [--walls 50] [--incidents 20] [--pids P,P] [--label quiet]
return args switch
{
    ["latency", .. var rest] => await WebhookLatency.RunAsync(Options.Parse(rest)),
    ["logmine", .. var rest] => LogMineBench.Run(rest),
    ["diagnosis", .. var rest] => await DiagnosisLatency.MainAsync(rest),
    ["reports", .. var rest] => await ReportsBenchmark.RunAsync(rest),
    ["wall", .. var rest] => await WallBenchmark.RunAsync(rest),
    ["storm", .. var rest] => await StormSender.RunAsync(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: IncidentHub.Benchmarks latency --url URL --pg CONNECTION [--rate 200] [--seconds 20] [--warmup 3]");
    Console.Error.WriteLine("       IncidentHub.Benchmarks logmine [--data DIR] [--lines 1000000] [--speed HDFS,BGL] [--datasets A,B]");
    return 2;
}
