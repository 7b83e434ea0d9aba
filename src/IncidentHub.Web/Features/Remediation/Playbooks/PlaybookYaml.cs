using IncidentHub.Analysis.Diagnosis;
using IncidentHub.Analysis.Remediation;
using IncidentHub.Web.Infrastructure.Errors;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace IncidentHub.Web.Features.Remediation.Playbooks;

/// <summary>
/// Playbooks as Admins write them (seed-data/playbooks.yaml, or the playbook API): snake_case YAML or JSON,
/// checked here so a typo in a placeholder or a tool is refused with its place, not found at 3 a.m.
/// </summary>
public static class PlaybookYaml
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance).Build();

    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull | DefaultValuesHandling.OmitEmptyCollections | DefaultValuesHandling.OmitDefaults)
        .Build();

    private static readonly string[] Kinds = Enum.GetNames<Investigation.ObservationKind>();

    /// <summary>One playbook as YAML, in the format <see cref="Parse"/> reads (for the editor).</summary>
    public static string Serialize(Playbook playbook) => Serializer.Serialize(new PlaybookDoc
    {
        Name = playbook.Name,
        Categories = [.. playbook.Categories],
        Services = [.. playbook.Services],
        Evidence = [.. playbook.EvidenceKinds],
        Unknown = playbook.Unknown,
        Actions = playbook.Actions.Select(a => new ActionDoc
        {
            Tool = a.Tool,
            Title = a.Title,
            Target = a.Target,
            Arguments = new Dictionary<string, string>(a.Arguments),
            Rollback = a.Rollback,
            Precondition = a.Precondition,
            Postcondition = a.Postcondition is { } p
                ? new PostconditionDoc { Kind = p.Kind.ToString().ToLowerInvariant(), Query = p.Query, Comparison = p.Comparison, Threshold = p.Threshold, WindowMinutes = p.WindowMinutes }
                : null,
            Why = [.. a.WhyKinds],
        }).ToList(),
    });

    /// <summary>A file with <c>playbooks:</c>, or one playbook.</summary>
    public static IReadOnlyList<Playbook> Parse(string yaml)
    {
        try
        {
            var root = Deserializer.Deserialize<Dictionary<string, object>?>(yaml) ?? [];
            var docs = root.ContainsKey("playbooks")
                ? Deserializer.Deserialize<PlaybookFile>(yaml).Playbooks
                : [Deserializer.Deserialize<PlaybookDoc>(yaml)];
            return docs.Select(ToPlaybook).ToList();
        }
        catch (YamlException ex)
        {
            throw new InvalidPlaybookException($"The playbook is not valid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {ex.InnerException?.Message ?? ex.Message}");
        }
    }

    private static Playbook ToPlaybook(PlaybookDoc doc)
    {
        if (string.IsNullOrWhiteSpace(doc.Name))
        {
            throw new InvalidPlaybookException("A playbook needs a name.");
        }

        var name = doc.Name.Trim();
        if (doc.Categories.FirstOrDefault(c => CategoryNames.Parse(c) is null) is { } category)
        {
            throw new InvalidPlaybookException($"Playbook '{name}': '{category}' is not a category (use {string.Join(", ", Enum.GetValues<HypothesisCategory>().Select(c => c.ToName()))}).");
        }

        if (doc.Evidence.FirstOrDefault(k => !Kinds.Contains(k, StringComparer.OrdinalIgnoreCase)) is { } kind)
        {
            throw new InvalidPlaybookException($"Playbook '{name}': '{kind}' is not an evidence kind (use {string.Join(", ", Kinds)}).");
        }

        if (doc.Actions.Count == 0)
        {
            throw new InvalidPlaybookException($"Playbook '{name}' has no actions.");
        }

        var actions = doc.Actions.Select((a, i) => ToTemplate(name, i + 1, a)).ToList();
        return new Playbook(name, doc.Categories, doc.Services, doc.Evidence, doc.Unknown, actions);
    }

    private static ActionTemplate ToTemplate(string playbook, int number, ActionDoc a)
    {
        var where = $"Playbook '{playbook}', action {number}";
        if (string.IsNullOrWhiteSpace(a.Tool) || string.IsNullOrWhiteSpace(a.Title) || string.IsNullOrWhiteSpace(a.Target) || string.IsNullOrWhiteSpace(a.Rollback))
        {
            throw new InvalidPlaybookException($"{where}: tool, title, target and rollback are required.");
        }

        if (ToolRegistry.Default.Find(a.Tool) is null)
        {
            throw new InvalidPlaybookException($"{where}: '{a.Tool}' is not a registered tool (use {string.Join(", ", ToolRegistry.Default.All.Select(t => t.Name))}).");
        }

        var texts = new[] { a.Title, a.Target, a.Rollback, a.Precondition ?? "", a.Postcondition?.Query ?? "" }.Concat(a.Arguments.Values);
        if (texts.SelectMany(PlanBuilder.Placeholders).FirstOrDefault(v => !PlanContextReader.ValueNames.Contains(v)) is { } unknown)
        {
            throw new InvalidPlaybookException($"{where}: {{{unknown}}} is not a plan value (use {string.Join(", ", PlanContextReader.ValueNames.Select(v => $"{{{v}}}"))}).");
        }

        PostconditionTemplate? post = null;
        if (a.Postcondition is { } p)
        {
            var kind = p.Kind.Equals("health", StringComparison.OrdinalIgnoreCase) ? PostconditionKind.Health
                : p.Kind.Equals("metric", StringComparison.OrdinalIgnoreCase) ? PostconditionKind.Metric
                : throw new InvalidPlaybookException($"{where}: a postcondition is kind metric or health, not '{p.Kind}'.");
            if (kind == PostconditionKind.Metric && p.Comparison is not ("<" or "<=" or ">" or ">="))
            {
                throw new InvalidPlaybookException($"{where}: a metric postcondition compares with <, <=, > or >=, not '{p.Comparison}'.");
            }

            if (p.WindowMinutes is < 1 or > 240)
            {
                throw new InvalidPlaybookException($"{where}: the postcondition window is 1 to 240 minutes.");
            }

            post = new PostconditionTemplate(kind, p.Query, p.Comparison, p.Threshold, p.WindowMinutes);
        }

        return new ActionTemplate(a.Tool, a.Title, a.Target, a.Arguments, a.Rollback, a.Precondition, post, a.Why);
    }

    private sealed class PlaybookFile
    {
        public List<PlaybookDoc> Playbooks { get; set; } = [];
    }

    private sealed class PlaybookDoc
    {
        public string Name { get; set; } = "";
        public List<string> Categories { get; set; } = [];
        public List<string> Services { get; set; } = [];
        public List<string> Evidence { get; set; } = [];
        public bool Unknown { get; set; }
        public List<ActionDoc> Actions { get; set; } = [];
    }

    private sealed class ActionDoc
    {
        public string Tool { get; set; } = "";
        public string Title { get; set; } = "";
        public string Target { get; set; } = "";
        public Dictionary<string, string> Arguments { get; set; } = [];
        public string Rollback { get; set; } = "";
        public string? Precondition { get; set; }
        public PostconditionDoc? Postcondition { get; set; }
        public List<string> Why { get; set; } = [];
    }

    private sealed class PostconditionDoc
    {
        public string Kind { get; set; } = "metric";
        public string Query { get; set; } = "";
        public string Comparison { get; set; } = "<";
        public double Threshold { get; set; }
        public int WindowMinutes { get; set; } = 5;
    }
}

public sealed class InvalidPlaybookException(string message) : InvalidInputException(message, "Invalid playbook");
