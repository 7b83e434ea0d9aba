namespace IncidentHub.Benchmarks;

/// <param name="Warmup">Seconds sent at the same rate before the measured ones and not counted: the client's own JIT and connections.</param>
public sealed record Options(string Url, string Postgres, int Rate, int Seconds, int Warmup)
{
    public static Options Parse(string[] args)
    {
        string Get(string name, string? fallback = null)
        {
            var i = Array.IndexOf(args, "--" + name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback ?? throw new ArgumentException($"--{name} is required");
        }

        return new Options(Get("url"), Get("pg"), int.Parse(Get("rate", "200"), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(Get("seconds", "20"), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(Get("warmup", "3"), System.Globalization.CultureInfo.InvariantCulture));
    }
}
