using IncidentHub.Benchmarks;

// Load tools for scripts/bench/ (run on demand, never by the test command).
//   latency --url <webhook url> --pg <connection string> [--rate 200] [--seconds 20]
//   reports --pg <connection string> [--repeats 20] [--renders 20] [--chromium /usr/bin/chromium]
return args switch
{
    ["latency", .. var rest] => await WebhookLatency.RunAsync(Options.Parse(rest)),
    ["reports", .. var rest] => await ReportsBenchmark.RunAsync(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: IncidentHub.Benchmarks latency --url URL --pg CONNECTION [--rate 200] [--seconds 20]");
    return 2;
}
