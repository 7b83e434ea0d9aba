using System.Text.Json;
using System.Text.Json.Serialization;

namespace IncidentHub.Analysis.Ai;

// What the agents ask a model to return (the JSON schema in each prompt is written from these records).
// Every field is optional on the wire: a model that leaves one out gets a checked default, never an exception.

/// <summary>The triage agent's answer: a second opinion on severity, service and blast radius.</summary>
public sealed record TriageAnswer(
    string? Severity,
    string? Service,
    string? BlastRadius,
    string? Reason,
    double? Confidence);

/// <summary>One cause the investigation agent proposes, citing stored evidence by id ("obs-12").</summary>
public sealed record AiHypothesis(
    string? Category,
    string? Statement,
    IReadOnlyList<string>? EvidenceIds,
    double? Confidence,
    string? NewCause = null);

/// <summary>
/// The investigation agent's answer. <see cref="Actions"/>, <see cref="Tier"/> and <see cref="Approve"/> are read
/// only to be refused and reported: the model has no say over plans, tiers or approvals.
/// </summary>
public sealed record InvestigationAnswer(
    IReadOnlyList<AiHypothesis>? Hypotheses,
    string? Summary,
    IReadOnlyList<string>? Actions = null,
    string? Tier = null,
    bool? Approve = null);

/// <summary>A model's answer turned into a record, or why it could not be.</summary>
public sealed record Parsed<T>(T? Value, string? Error)
    where T : class
{
    public bool Ok => Value is not null;
}

public static class AiJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        MaxDepth = 16,
    };

    /// <summary>Longest answer read; a model that writes more is not worth parsing.</summary>
    public const int MaxAnswerChars = 64 * 1024;

    /// <summary>
    /// The JSON object in a model's answer: the whole text, or the one inside a ```json fence (models add
    /// prose or fences despite being told not to). Anything else is an error naming what was wrong.
    /// </summary>
    public static Parsed<T> Parse<T>(string? answer)
        where T : class
    {
        if (string.IsNullOrWhiteSpace(answer))
        {
            return new(null, "the answer was empty");
        }

        if (answer.Length > MaxAnswerChars)
        {
            return new(null, $"the answer was longer than {MaxAnswerChars} characters");
        }

        var text = answer.Trim();
        var fence = text.IndexOf("```", StringComparison.Ordinal);
        if (fence >= 0)
        {
            var start = text.IndexOf('\n', fence);
            var end = start < 0 ? -1 : text.IndexOf("```", start, StringComparison.Ordinal);
            if (start >= 0 && end > start)
            {
                text = text[(start + 1)..end].Trim();
            }
        }

        if (!text.StartsWith('{'))
        {
            var open = text.IndexOf('{', StringComparison.Ordinal);
            var close = text.LastIndexOf('}');
            if (open < 0 || close <= open)
            {
                return new(null, "the answer held no JSON object");
            }

            text = text[open..(close + 1)];
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(text, Options);
            return value is null ? new(null, "the answer was JSON null") : new(value, null);
        }
        catch (JsonException e)
        {
            return new(null, $"the answer was not valid JSON for the schema ({e.Message.Split('.')[0]})");
        }
    }
}

/// <summary>
/// The code agent's answer: a unified diff for the failing lines (with a test where the repository has tests). <see cref="Tier"/>
/// and <see cref="Approve"/> are read only to be refused: a patch's tier comes from the registry and a person approves it.
/// </summary>
public sealed record CodeFixAnswer(
    string? Title,
    string? Patch,
    string? Explanation,
    string? Tier = null,
    bool? Approve = null);

/// <summary>The post-mortem writer's answer: each section a list of sentences, each citing the evidence or timeline ids it rests on.</summary>
public sealed record NarrativeAnswer(
    IReadOnlyList<NarrativeSentence>? Summary,
    IReadOnlyList<NarrativeSentence>? Impact,
    IReadOnlyList<NarrativeSentence>? WhatHappened,
    IReadOnlyList<NarrativeSentence>? Lessons);

public sealed record NarrativeSentence(string? Text, IReadOnlyList<string>? Cites);
