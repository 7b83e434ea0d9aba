using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using IncidentHub.Analysis.Ingestion;
using IncidentHub.Tests.Shared;
using Xunit.Abstractions;

namespace IncidentHub.Analysis.Tests.Ingestion;

/// <summary>
/// Every webhook fixture, mutated thousands of times (<see cref="JsonMutator"/>, a fixed seed per
/// fixture so a failure reproduces): the parser never throws, and says either what is wrong or
/// what the payload carried, in a form the database can store.
/// </summary>
public sealed class ParserFuzzTests(ITestOutputHelper output)
{
    private const int CasesPerFixture = 3_000;

    /// <summary>The raw row's Error column.</summary>
    private const int MaxError = 4000;

    private static readonly DateTimeOffset ReceivedAt = new(2026, 11, 23, 0, 41, 0, TimeSpan.Zero);

    private static readonly TimeSpan SlowCase = TimeSpan.FromSeconds(2);

    private static string FixtureRoot => Path.Combine(AppContext.BaseDirectory, "Fixtures", "webhooks");

    /// <summary>
    /// Every fixture file, plus the alarm inside each CloudWatch Notification's Message ("#Message"):
    /// mutated there and wrapped in its envelope again, so the alarm JSON is fuzzed and not only the string holding it.
    /// </summary>
    public static TheoryData<string> Fixtures() => [.. FixtureNames()];

    private static IEnumerable<string> FixtureNames()
    {
        foreach (var file in Directory.EnumerateFiles(FixtureRoot, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var name = Path.GetRelativePath(FixtureRoot, file).Replace('\\', '/');
            yield return name;
            if (name.StartsWith("cloudwatch/", StringComparison.Ordinal) && JsonNode.Parse(File.ReadAllBytes(file))?["Type"]?.GetValue<string>() == "Notification")
            {
                yield return name + "#Message";
            }
        }
    }

    [Fact]
    public void Fixtures_CoverEverySourceKind()
    {
        var kinds = FixtureNames().Select(KindOf).ToHashSet();

        Assert.Equal(Enum.GetValues<SourceKind>().ToHashSet(), kinds);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Parse_MutatedFixture_NeverThrows_AndEveryAlertFitsTheColumns(string fixture)
    {
        var kind = KindOf(fixture);
        var (original, wrap) = Load(fixture);
        var headers = HeadersFor(fixture);
        var seed = JsonMutator.SeedFor(fixture);
        var mutator = new JsonMutator(original);
        var failures = new List<string>();
        int errors = 0, alerts = 0, notices = 0, empty = 0;
        var clock = Stopwatch.StartNew();

        foreach (var mutation in mutator.Cases(seed, CasesPerFixture))
        {
            var body = wrap(mutation.Body);
            var one = Stopwatch.StartNew();
            ParseResult result;
            try
            {
                result = AlertSources.Parse(kind, body, ReceivedAt, headers);
            }
            catch (Exception ex)
            {
                failures.Add(Report(fixture, mutation, body, $"threw {ex}"));
                continue;
            }

            var problem = Check(result) ?? (one.Elapsed > SlowCase ? $"took {one.ElapsedMilliseconds} ms" : null);
            if (problem is not null)
            {
                failures.Add(Report(fixture, mutation, body, problem));
                continue;
            }

            if (result.Error is not null)
            {
                errors++;
            }
            else if (result.Notice is not null)
            {
                notices++;
            }
            else if (result.Alerts.Count > 0)
            {
                alerts++;
            }
            else
            {
                empty++;
            }
        }

        output.WriteLine($"{fixture} ({kind}, seed {seed}): {CasesPerFixture} cases in {clock.ElapsedMilliseconds} ms: " +
            $"{errors} refused, {alerts} with alerts, {notices} notices, {empty} accepted without an alert, {failures.Count} failures");
        Assert.True(failures.Count == 0,
            $"{failures.Count} of {CasesPerFixture} mutations of {fixture} (seed {seed}) broke the parser. The first:{Environment.NewLine}" +
            string.Join(Environment.NewLine + Environment.NewLine, failures.Take(5)));
    }

    /// <summary>What is wrong with a result, or null: exactly one of an error or what the payload carried, all of it storable.</summary>
    private static string? Check(ParseResult result)
    {
        if (result is null)
        {
            return "returned null";
        }

        if (result.Error is not null)
        {
            return string.IsNullOrWhiteSpace(result.Error) ? "an empty error"
                : result.Alerts.Count > 0 || result.Notice is not null ? "an error and alerts or a notice"
                : result.Error.Length > MaxError ? $"an error of {result.Error.Length} chars (the column holds {MaxError})"
                : Unstorable(result.Error) is { } e ? $"an error with {e}"
                : null;
        }

        if (result.Alerts is null)
        {
            return "no error and no alert list";
        }

        if (result.Notice is not null && result.Alerts.Count > 0)
        {
            return "a notice and alerts";
        }

        for (var i = 0; i < result.Alerts.Count; i++)
        {
            var a = result.Alerts[i];
            var problem =
                Field("Fingerprint", a.Fingerprint, 200) ?? Field("GroupKey", a.GroupKey, 1000) ?? Field("Title", a.Title, 500)
                ?? (a.SourceUrl is { Length: > 2000 } ? $"a SourceUrl of {a.SourceUrl.Length} chars" : null)
                ?? (a.SourceUrl is not null && Unstorable(a.SourceUrl) is { } u ? $"a SourceUrl with {u}" : null)
                ?? (a.Labels is null || a.Annotations is null ? "null labels or annotations" : null)
                ?? a.Labels!.Concat(a.Annotations!).SelectMany(p => new[] { p.Key, p.Value })
                    .Select(s => s is null ? "a null label or annotation" : Unstorable(s)).FirstOrDefault(s => s is not null)
                ?? (a.StartsAt.Offset != TimeSpan.Zero || a.EndsAt is { Offset.Ticks: not 0 } ? "a time that is not UTC (Npgsql refuses it)" : null);
            if (problem is not null)
            {
                return $"alert {i}: {problem}";
            }
        }

        return null;
    }

    private static string? Field(string name, string value, int max) =>
        string.IsNullOrWhiteSpace(value) ? $"an empty {name}"
        : value.Length > max ? $"a {name} of {value.Length} chars (the column holds {max})"
        : Unstorable(value) is { } problem ? $"a {name} with {problem}"
        : null;

    /// <summary>PostgreSQL text holds no NUL, and Npgsql refuses to encode an unpaired surrogate.</summary>
    private static string? Unstorable(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\0')
            {
                return $"a NUL character at {i}";
            }

            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return $"an unpaired surrogate at {i}";
            }
        }

        return null;
    }

    private string Report(string fixture, Mutation mutation, byte[] body, string problem)
    {
        // The whole body too, for a debugger: long and binary bodies do not fit a test message.
        var file = Path.Combine(Path.GetTempPath(), $"incidenthub-fuzz-{fixture.Replace('/', '-').Replace('#', '-')}-{mutation.Seed}-{mutation.Case}.json");
        File.WriteAllBytes(file, body);
        var text = $"{fixture}, {mutation} {Environment.NewLine}-> {problem}{Environment.NewLine}(body saved to {file})";
        output.WriteLine(text);
        return text;
    }

    private static SourceKind KindOf(string fixture)
    {
        var name = fixture.Split('#')[0];
        var source = name.Contains('/', StringComparison.Ordinal) ? name[..name.IndexOf('/', StringComparison.Ordinal)] : name.Split('-', '.')[0];
        return Enum.TryParse<SourceKind>(source, ignoreCase: true, out var kind)
            ? kind
            : throw new InvalidOperationException($"Fixture {fixture} is not under a source's folder (or named <source>-...): which parser reads it?");
    }

    private static Dictionary<string, string> HeadersFor(string fixture)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (fixture.StartsWith("cloudwatch/", StringComparison.Ordinal))
        {
            headers["x-amz-sns-message-type"] = fixture.Contains("subscription", StringComparison.Ordinal) ? "SubscriptionConfirmation" : "Notification";
        }

        return headers;
    }

    /// <summary>The bytes to mutate, and how a mutated copy becomes the body (as is, or as an SNS envelope's Message).</summary>
    private static (byte[] Original, Func<byte[], byte[]> Wrap) Load(string fixture)
    {
        var parts = fixture.Split('#');
        var bytes = File.ReadAllBytes(Path.Combine(FixtureRoot, parts[0]));
        if (parts.Length == 1)
        {
            return (bytes, body => body);
        }

        var envelope = JsonNode.Parse(bytes)!.AsObject();
        var message = Encoding.UTF8.GetBytes(envelope[parts[1]]!.GetValue<string>());
        return (message, body =>
        {
            // A JSON string holds text, not bytes: invalid UTF-8 arrives as U+FFFD.
            var copy = envelope.DeepClone().AsObject();
            copy[parts[1]] = Encoding.UTF8.GetString(body);
            return Encoding.UTF8.GetBytes(copy.ToJsonString());
        });
    }
}
