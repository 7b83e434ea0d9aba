using IncidentHub.Analysis.CodeFix;
using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IncidentHub.Web.Features.CodeFix;

/// <summary>What the code-analysis agent read at one failing line: the code at the deployed version and at the suspect commit, and who changed it.</summary>
public sealed record CodeFinding(
    string File,
    int Line,
    string? Function,
    string? BlamedCommit,
    string? BlamedSubject,
    bool IntroducedBySuspect,
    IReadOnlyList<string> SourceAtDeployed,
    int SourceStartLine,
    IReadOnlyList<string> CoveringTests);

/// <summary>One run of the repository's test command: on the base without the patch, or with it.</summary>
public sealed record TestResult(bool Ran, int Passed, int Failed, IReadOnlyList<string> FailingTests, string OutputTail, double Seconds, string? StoppedBy, string? Error)
{
    public string Describe() =>
        !Ran ? $"not run: {Error}"
        : StoppedBy is { } stopped ? $"stopped by the {stopped} after {Seconds:0.#} s ({Passed} passed, {Failed} failing before that)"
        : Failed == 0 ? $"0 failing, {Passed} passed ({Seconds:0.#} s)"
        : $"{Failed} failing ({string.Join(", ", FailingTests.Take(5))}{(FailingTests.Count > 5 ? ", …" : "")}), {Passed} passed ({Seconds:0.#} s)";
}

/// <summary>
/// The code-analysis agent's work for one final diagnosis: the repository and base it read, the suspect change, what
/// it found at each failing line, the base test run, and the candidate fixes it checked.
/// </summary>
public sealed class CodeAnalysis
{
    private CodeAnalysis()
    {
    }

    public Guid Id { get; private set; }
    public Guid IncidentId { get; private set; }
    public long DiagnosisId { get; private set; }
    public DateTimeOffset At { get; private set; }
    public string? Service { get; private set; }

    /// <summary>The local clone read (the catalog's path, or IncidentHub's clone of repository.github).</summary>
    public string RepositoryPath { get; private set; } = "";

    /// <summary>owner/name on GitHub, when the catalog names one: where the pull request goes.</summary>
    public string? GitHubRepository { get; private set; }

    public string BaseBranch { get; private set; } = "main";
    public string? BaseSha { get; private set; }
    public string? SuspectCommit { get; private set; }
    public string? SuspectSubject { get; private set; }

    /// <summary>The suspect commit's own diff (git show), cut to a readable size.</summary>
    public string? SuspectDiff { get; private set; }

    public List<CodeFinding> Findings { get; private set; } = [];
    public string? TestCommand { get; private set; }
    public TestResult? BaseTests { get; private set; }

    /// <summary>One line for the timeline and the panel: what was proposed or why nothing was.</summary>
    public string Summary { get; private set; } = "";

    public List<CodeFixCandidate> Candidates { get; private set; } = [];

    public static CodeAnalysis Create(Guid incidentId, long diagnosisId, DateTimeOffset at, string? service, string repositoryPath, string? gitHub,
        string baseBranch, string? testCommand) =>
        new()
        {
            Id = Guid.CreateVersion7(),
            IncidentId = incidentId,
            DiagnosisId = diagnosisId,
            At = at,
            Service = service,
            RepositoryPath = repositoryPath,
            GitHubRepository = gitHub,
            BaseBranch = baseBranch,
            TestCommand = testCommand,
        };

    public void Read(string? baseSha, string? suspectCommit, string? subject, string? diff, IEnumerable<CodeFinding> findings)
    {
        BaseSha = baseSha;
        SuspectCommit = suspectCommit;
        SuspectSubject = subject;
        SuspectDiff = diff;
        Findings = [.. findings];
    }

    public void TestedBase(TestResult result) => BaseTests = result;

    /// <summary>Kept within the column (2,000): each refused candidate adds its reason, and a model's patch is one more candidate.</summary>
    public void Conclude(string summary) => Summary = summary.Length <= MaxSummary ? summary : summary[..(MaxSummary - 1)] + "…";

    public const int MaxSummary = 2000;

    /// <summary>The candidate a plan proposes: the first one that applied and broke no test, the most targeted first.</summary>
    public CodeFixCandidate? Best() => Candidates.Where(c => c.Accepted).OrderBy(c => c.Order).FirstOrDefault();
}

/// <summary>A candidate patch: applied or refused (and why), tested or not, and, once approved, where it was published.</summary>
public sealed class CodeFixCandidate
{
    private CodeFixCandidate()
    {
    }

    public Guid Id { get; private set; }
    public Guid AnalysisId { get; private set; }
    public Guid IncidentId { get; private set; }

    /// <summary>Preference: 1 is proposed before 2 (a config value before a hunk revert before a whole revert).</summary>
    public int Order { get; private set; }

    public FixKind Kind { get; private set; }
    public string Title { get; private set; } = "";

    /// <summary>The patch as git apply takes it, made against <see cref="CodeAnalysis.BaseSha"/>.</summary>
    public string Patch { get; private set; } = "";

    /// <summary>SHA-256 of <see cref="Patch"/>: the plan action carries it, so an approval binds to these exact bytes.</summary>
    public string PatchHash { get; private set; } = "";

    public List<string> Files { get; private set; } = [];
    public string? ConfigKey { get; private set; }
    public string? ConfigValue { get; private set; }
    public bool Accepted { get; private set; }

    /// <summary>Why it is not proposed: it does not apply, or it breaks tests that pass on the base.</summary>
    public string? Refusal { get; private set; }

    public TestResult? PatchedTests { get; private set; }

    /// <summary>incident/INC-n-slug, once published.</summary>
    public string? Branch { get; private set; }

    public string? PublishedCommit { get; private set; }
    public int? PullRequestNumber { get; private set; }
    public string? PullRequestUrl { get; private set; }

    /// <summary>draft, open, merged or closed; "local" for a branch in the local clone only.</summary>
    public string? PullRequestState { get; private set; }

    /// <summary>Without GitHub: the command that pushes the local branch.</summary>
    public string? PushCommand { get; private set; }

    public DateTimeOffset? PublishedAt { get; private set; }
    public string? PublishedFor { get; private set; }

    public static CodeFixCandidate Create(CodeAnalysis analysis, int order, FixCandidate candidate, string patch) =>
        new()
        {
            Id = Guid.CreateVersion7(),
            AnalysisId = analysis.Id,
            IncidentId = analysis.IncidentId,
            Order = order,
            Kind = candidate.Kind,
            Title = candidate.Title,
            Patch = patch,
            PatchHash = FixCandidates.HashOf(patch),
            Files = [.. candidate.Files],
            ConfigKey = candidate.ConfigKey,
            ConfigValue = candidate.ConfigValue,
        };

    public void Rank(int order) => Order = order;

    public void Refuse(string why, TestResult? tests = null)
    {
        Accepted = false;
        Refusal = why;
        PatchedTests = tests;
    }

    public void Accept(TestResult? tests)
    {
        Accepted = true;
        Refusal = null;
        PatchedTests = tests;
    }

    /// <summary>True when the stored patch still hashes to what was approved.</summary>
    public bool Matches(string approvedHash) =>
        string.Equals(PatchHash, approvedHash, StringComparison.Ordinal) && string.Equals(FixCandidates.HashOf(Patch), approvedHash, StringComparison.Ordinal);

    public void PublishedLocally(string branch, string commit, string pushCommand, string forAction, DateTimeOffset at)
    {
        Branch = branch;
        PublishedCommit = commit;
        PushCommand = pushCommand;
        PullRequestState = "local";
        PublishedAt = at;
        PublishedFor = forAction;
    }

    public void PublishedPullRequest(string branch, string commit, int number, string url, DateTimeOffset at, string forAction)
    {
        Branch = branch;
        PublishedCommit = commit;
        PullRequestNumber = number;
        PullRequestUrl = url;
        PullRequestState = "draft";
        PublishedAt = at;
        PublishedFor = forAction;
    }

    /// <summary>Records a state GitHub reported; false when it is the state already known.</summary>
    public bool PullRequestBecame(string state)
    {
        if (string.Equals(PullRequestState, state, StringComparison.Ordinal))
        {
            return false;
        }

        PullRequestState = state;
        return true;
    }
}

internal sealed class CodeAnalysisConfiguration : IEntityTypeConfiguration<CodeAnalysis>
{
    public void Configure(EntityTypeBuilder<CodeAnalysis> builder)
    {
        builder.ToTable("code_analyses");
        builder.HasKey(a => a.Id);
        builder.HasOne<Incident>().WithMany().HasForeignKey(a => a.IncidentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(a => new { a.IncidentId, a.DiagnosisId }).IsUnique();
        builder.Property(a => a.Service).HasMaxLength(200);
        builder.Property(a => a.RepositoryPath).HasMaxLength(1000);
        builder.Property(a => a.GitHubRepository).HasMaxLength(200);
        builder.Property(a => a.BaseBranch).HasMaxLength(200);
        builder.Property(a => a.BaseSha).HasMaxLength(64);
        builder.Property(a => a.SuspectCommit).HasMaxLength(64);
        builder.Property(a => a.SuspectSubject).HasMaxLength(500);
        builder.Property(a => a.TestCommand).HasMaxLength(500);
        builder.Property(a => a.Summary).HasMaxLength(CodeAnalysis.MaxSummary);
        builder.Property(a => a.Findings).IsJsonRecord();
        builder.Property(a => a.BaseTests).HasColumnType("jsonb").HasConversion(
            v => System.Text.Json.JsonSerializer.Serialize(v!, System.Text.Json.JsonSerializerOptions.Default),
            v => System.Text.Json.JsonSerializer.Deserialize<TestResult>(v, System.Text.Json.JsonSerializerOptions.Default));
        builder.HasMany(a => a.Candidates).WithOne().HasForeignKey(c => c.AnalysisId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class CodeFixCandidateConfiguration : IEntityTypeConfiguration<CodeFixCandidate>
{
    public void Configure(EntityTypeBuilder<CodeFixCandidate> builder)
    {
        builder.ToTable("code_fix_candidates");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Kind).HasConversion<string>().HasMaxLength(40);
        builder.Property(c => c.Title).HasMaxLength(500);
        builder.Property(c => c.PatchHash).HasMaxLength(64);
        builder.Property(c => c.Files).IsJsonRecord();
        builder.Property(c => c.ConfigKey).HasMaxLength(300);
        builder.Property(c => c.ConfigValue).HasMaxLength(1000);
        builder.Property(c => c.Refusal).HasMaxLength(2000);
        builder.Property(c => c.PatchedTests).HasColumnType("jsonb").HasConversion(
            v => System.Text.Json.JsonSerializer.Serialize(v!, System.Text.Json.JsonSerializerOptions.Default),
            v => System.Text.Json.JsonSerializer.Deserialize<TestResult>(v, System.Text.Json.JsonSerializerOptions.Default));
        builder.Property(c => c.Branch).HasMaxLength(200);
        builder.Property(c => c.PublishedCommit).HasMaxLength(64);
        builder.Property(c => c.PullRequestUrl).HasMaxLength(500);
        builder.Property(c => c.PullRequestState).HasMaxLength(20);
        builder.Property(c => c.PushCommand).HasMaxLength(1000);
        builder.Property(c => c.PublishedFor).HasMaxLength(100);
        builder.HasIndex(c => new { c.IncidentId, c.PatchHash });
        builder.HasIndex(c => c.PullRequestUrl);
    }
}
