using IncidentHub.Tests.Shared;

namespace IncidentHub.Web.Tests.Features.Investigation;

/// <summary>A real git repository built with the git CLI, commits at fixed dates.</summary>
public sealed class GitRepo : IDisposable
{
    public GitRepo()
    {
        Path = Directory.CreateTempSubdirectory("ih-git-").FullName;
        Git("init", "--quiet", "--initial-branch=main");
        Git("config", "user.email", "dev@test.local");
        Git("config", "user.name", "Dev One");
        Git("config", "commit.gpgsign", "false");
    }

    public string Path { get; }

    public void Write(string file, string content)
    {
        var full = System.IO.Path.Combine(Path, file);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }

    /// <summary>Commits everything written so far at <paramref name="at"/> (author and committer date); returns the sha.</summary>
    public string Commit(string message, DateTimeOffset at, string author = "Dev One")
    {
        Git("add", "-A");
        var date = at.ToString("yyyy-MM-ddTHH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture);
        Run(["commit", "--quiet", "--allow-empty", "-m", message, $"--author={author} <{author.Replace(' ', '.').ToLowerInvariant()}@test.local>"],
            new() { ["GIT_AUTHOR_DATE"] = date, ["GIT_COMMITTER_DATE"] = date });
        return Git("rev-parse", "HEAD").Trim();
    }

    public void Tag(string name, string message, DateTimeOffset at) =>
        Run(["tag", "-a", name, "-m", message], new() { ["GIT_COMMITTER_DATE"] = at.ToString("yyyy-MM-ddTHH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture) });

    public string Git(params string[] args) => Run(args, []);

    private string Run(string[] args, Dictionary<string, string> env) => RealProcess.Run("git", args, Path, env);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
