using System.Text.RegularExpressions;

namespace IncidentHub.Analysis.Diagnosis;

/// <summary>
/// Flags log lines that read like instructions to an operator or a model (prompt injection, commands
/// to run). Flagged lines stay data: the engine lists them and never lets them change a category,
/// a suspect or a plan. URL-encoded text is decoded before matching, so an injected query string is caught too.
/// </summary>
public static partial class InjectionDetector
{
    private static readonly (Regex Pattern, string Reason)[] Rules =
    [
        (IgnoreInstructionsRegex(), "asks to ignore or override previous instructions"),
        (RoleRegex(), "tries to assign a role to the reader (\"you are now ...\")"),
        (ModelTalkRegex(), "addresses a language model (system prompt, chat roles, \"as an AI\")"),
        (RunCommandRegex(), "tells the reader to run or execute a command"),
        (DestructiveRegex(), "contains a destructive command (data deletion, flush, scale to zero)"),
        (PipeToShellRegex(), "pipes a download into a shell"),
        (AuthorityRegex(), "claims authority or urgency to get an action taken"),
    ];

    /// <summary>The reason a line is suspicious, or null.</summary>
    public static string? Check(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var decoded = Decode(text);
        var reasons = Rules.Where(r => r.Pattern.IsMatch(decoded)).Select(r => r.Reason).ToList();
        return reasons.Count == 0 ? null : string.Join("; ", reasons);
    }

    public static IReadOnlyList<SuspiciousLine> Scan(IEnumerable<LogLine> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var result = new List<SuspiciousLine>();
        foreach (var line in lines)
        {
            if (!MayMatch(line.Text))
            {
                continue;
            }

            if (Check(line.Text) is { } reason)
            {
                result.Add(new SuspiciousLine(line.Source, line.LineNumber, line.Text, reason));
            }
        }

        return result;
    }

    // Every rule needs one of these words; a vectorised search rules out almost every line at once.
    private static readonly System.Buffers.SearchValues<string> Keywords = System.Buffers.SearchValues.Create(
    [
        "ignore", "disregard", "forget", "override", "instruction", "you are", "you're", "act as", "pretend",
        "system prompt", "as an ai", "as an a.i", "language model", "llm", "assistant", "system:", "im_start", "[inst]", "<system>", "###",
        "run `", "run '", "run \"", "run the", "run this", "run these", "execute", "exec ",
        "flush", "rm -", "drop ", "truncate", "kubectl", "scale ", "replicas", "delete from", "mkfs", "dd if=", ":(){", "shutdown", "reboot",
        "chmod", "sudo", "curl", "wget", "helm ", "terraform", "psql", "redis-cli", "rollback", "roll back",
        "authori", "approved by", "do not ", "urgent", "important", "immediately",
    ], StringComparison.OrdinalIgnoreCase);

    private static bool MayMatch(string text) =>
        text.AsSpan().ContainsAny(Keywords) || (text.Contains('%', StringComparison.Ordinal) && Decode(text).AsSpan().ContainsAny(Keywords));

    private static string Decode(string text)
    {
        if (text.IndexOf('%', StringComparison.Ordinal) < 0 && text.IndexOf('+', StringComparison.Ordinal) < 0)
        {
            return text;
        }

        try
        {
            return Uri.UnescapeDataString(text.Replace('+', ' '));
        }
        catch (UriFormatException)
        {
            return text;
        }
    }

    [GeneratedRegex(@"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+|these\s+)*(?:previous|prior|above|earlier|preceding|existing|original)?\s*(?:instructions?|prompts?|rules|guidelines|directions|messages|context)\b", RegexOptions.IgnoreCase)]
    private static partial Regex IgnoreInstructionsRegex();

    [GeneratedRegex(@"\byou\s+are\s+now\b|\byou\s+are\s+(?:the|an?)\s+(?:incident\s+commander|assistant|admin(?:istrator)?|operator|root|sre|ai|agent|model)\b|\bact\s+as\s+(?:an?\s+|the\s+)?(?:admin|root|operator|assistant|sre|incident)|\bpretend\s+(?:to\s+be|you\s+are)\b|\bnew\s+instructions?\s*:", RegexOptions.IgnoreCase)]
    private static partial Regex RoleRegex();

    [GeneratedRegex(@"\bsystem\s+prompt\b|\bas\s+an\s+(?:ai|a\.i\.|language\s+model|llm)\b|(?:^|[\s""'>\]|])(?:assistant|system)\s*:\s|<\|im_start\|>|\[/?INST\]|<\/?system>|###\s*(?:instruction|system)", RegexOptions.IgnoreCase)]
    private static partial Regex ModelTalkRegex();

    [GeneratedRegex(@"\b(?:please\s+)?(?:run|execute|exec)\s+(?:the\s+following|this|these|`[^`]+`|'[^']+'|""[^""]+""|(?:flush_?all|flushdb|rm\s|kubectl|drop\s|truncate|delete|shutdown|reboot|sudo|curl|wget|bash|sh\s|helm|terraform|psql|redis-cli|DROP|the\s+rollback|rollback))", RegexOptions.IgnoreCase)]
    private static partial Regex RunCommandRegex();

    [GeneratedRegex(@"\brm\s+-[a-z]*r[a-z]*f?[a-z]*\s+(?:/|~|\*|--no-preserve-root)|\b(?:drop|truncate)\s+(?:table|database|schema)\b|\bflush_?all\b|\bflushdb\b|\bkubectl\s+(?:delete|drain|scale|cordon|exec)\b|\bscale\s+[\w.-]+\s+to\s+0\b|\bto\s+0\s+replicas\b|\bDELETE\s+FROM\s+\w+\s*;?\s*$|\bmkfs(?:\.\w+)?\s|\bdd\s+if=.*\bof=/dev/|:\(\)\s*\{\s*:\|:&\s*\};:|\bshutdown\s+-h\b|\bchmod\s+-R\s+777\s+/", RegexOptions.IgnoreCase)]
    private static partial Regex DestructiveRegex();

    [GeneratedRegex(@"\b(?:curl|wget)\b[^|\n]*\|\s*(?:sudo\s+)?(?:ba|z|k)?sh\b", RegexOptions.IgnoreCase)]
    private static partial Regex PipeToShellRegex();

    [GeneratedRegex(@"\b(?:this\s+is\s+)?(?:authori[sz]ed|approved)\s+by\s+(?:sre|the\s+sre|security|management|the\s+on-?call|admin)|\bdo\s+not\s+(?:tell|alert|page|escalate|notify)\b|\b(?:urgent|important|immediately)\b[^.]{0,40}\b(?:must|should|need to)\s+(?:run|execute|delete|restart|roll\s*back|flush|scale)", RegexOptions.IgnoreCase)]
    private static partial Regex AuthorityRegex();
}
