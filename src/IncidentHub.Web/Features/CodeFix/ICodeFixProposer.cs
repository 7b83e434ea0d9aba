using IncidentHub.Analysis.CodeFix;

namespace IncidentHub.Web.Features.CodeFix;

/// <summary>What the code-analysis agent read, offered to a further proposer (the model-backed one in Features/Ai).</summary>
public sealed record CodeFixContext(
    Guid IncidentId,
    string? Service,
    string DiagnosisSummary,
    string SuspectCommit,
    string? SuspectSubject,
    string? SuspectDiff,
    IReadOnlyList<CodeFinding> Findings,
    IReadOnlyList<string> RepositoryFiles,
    string? TestCommand);

/// <summary>
/// More candidate patches beside the ones made without a model. What it returns is only text: each candidate goes through the
/// same <c>git apply --check</c> on a fresh worktree and the same sandboxed tests as every other, and is refused with the reason
/// otherwise. It never writes a file. Without a model, nothing is registered and nothing more is proposed.
/// </summary>
public interface ICodeFixProposer
{
    Task<IReadOnlyList<FixCandidate>> ProposeAsync(CodeFixContext context, CancellationToken ct);
}

internal sealed class NoCodeFixProposer : ICodeFixProposer
{
    public Task<IReadOnlyList<FixCandidate>> ProposeAsync(CodeFixContext context, CancellationToken ct) => Task.FromResult<IReadOnlyList<FixCandidate>>([]);
}
