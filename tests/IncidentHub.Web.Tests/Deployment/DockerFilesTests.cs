using System.Text.RegularExpressions;
using IncidentHub.Tests.Shared;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace IncidentHub.Web.Tests.Deployment;

/// <summary>
/// No Docker engine runs here: docker/compose.yaml and docker/Dockerfile are checked for what the deployment relies on
/// (docs/deployment.md): the services, one published port, no secret written into the files, restart policies, web and
/// worker sharing bundles and the DataProtection certificate, the mail catcher wired in, a non-root image with Chromium
/// and a HEALTHCHECK on /health/live.
/// </summary>
public sealed partial class DockerFilesTests
{
    private static readonly string Docker = Path.Combine(IncidentHubFactory.RepositoryRoot(), "docker");
    private static readonly Dictionary<string, Dictionary<object, object?>> Services = LoadServices();

    [Fact]
    public void Compose_HasTheServicesTheDeploymentNeeds()
    {
        Assert.Subset(Services.Keys.ToHashSet(), new HashSet<string> { "postgres", "migrate", "web", "worker", "mail" });
        Assert.Equal("web", Environment("web")["IncidentHub__Role"]);
        Assert.Equal("worker", Environment("worker")["IncidentHub__Role"]);
        Assert.Equal(["migrate"], List(Services["migrate"], "command"));
    }

    [Fact]
    public void Compose_PublishesOnlyTheDashboard()
    {
        var published = Services.Where(s => s.Value.ContainsKey("ports")).ToList();

        var web = Assert.Single(published);
        Assert.Equal("web", web.Key);
        var port = Assert.Single(List(web.Value, "ports"));
        Assert.EndsWith(":8080", port, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_WritesNoSecret_EveryPasswordOrTokenComesFromTheEnvironment()
    {
        foreach (var (service, definition) in Services)
        {
            if (!definition.ContainsKey("environment"))
            {
                continue;
            }

            foreach (var (key, value) in Environment(service))
            {
                if (SecretName().IsMatch(key))
                {
                    Assert.True(value is null || FromEnvironment().IsMatch(value), $"{service}: {key} has a value written in the file: '{value}'");
                }

                if (value is not null && value.Contains("Password=", StringComparison.OrdinalIgnoreCase))
                {
                    Assert.Matches(@"Password=\$\{[A-Z_]+:\?[^}]*\}", value);
                }
            }
        }

        // Nothing that looks like one of our tokens anywhere in the docker files.
        foreach (var file in Directory.EnumerateFiles(Docker))
        {
            Assert.DoesNotMatch(@"\bih[t]?_[A-Za-z0-9_]{16,}", File.ReadAllText(file));
        }
    }

    [Fact]
    public void Compose_RestartsEveryService()
    {
        Assert.All(Services, s => Assert.True(Scalar(s.Value, "restart") is "unless-stopped" or "always" or "on-failure", $"{s.Key} has no restart policy"));
    }

    [Fact]
    public void Compose_WebAndWorker_ShareBundlesAndTheDataProtectionCertificate_AndMailGoesToTheCatcher()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Docker, "Dockerfile"));
        var bundles = Regex.Match(dockerfile, @"Bundles__DataDirectory=(\S+)").Groups[1].Value;
        var certificate = Regex.Match(dockerfile, @"DataProtection__CertificatePath=(\S+)").Groups[1].Value;
        Assert.NotEmpty(bundles);
        Assert.NotEmpty(certificate);

        foreach (var service in new[] { "web", "worker" })
        {
            var volumes = List(Services[service], "volumes");
            Assert.Contains(volumes, v => v.EndsWith(":" + bundles, StringComparison.Ordinal) && !v.StartsWith('.'));
            Assert.Contains(volumes, v => v.EndsWith(":" + Path.GetDirectoryName(certificate), StringComparison.Ordinal) && !v.StartsWith('.'));
            Assert.Equal("mail", Default(Environment(service)["Email__Host"]));
        }

        Assert.Equal(List(Services["web"], "volumes"), List(Services["worker"], "volumes"));
    }

    [Fact]
    public void Dockerfile_IsMultiStage_NonRoot_WithChromium_AndAHealthCheckOnLive()
    {
        var lines = File.ReadAllLines(Path.Combine(Docker, "Dockerfile")).Where(l => !l.TrimStart().StartsWith('#')).ToList();
        var text = string.Join('\n', lines);

        Assert.True(lines.Count(l => l.StartsWith("FROM ", StringComparison.Ordinal)) >= 2, "multi-stage");
        var user = lines.Last(l => l.StartsWith("USER ", StringComparison.Ordinal))["USER ".Length..].Trim();
        Assert.NotEqual("root", user);
        Assert.NotEqual("0", user);
        Assert.Matches(@"apt-get install[^\n]*(\\\n[^\n]*)*\bchromium\b", text);
        Assert.Matches(@"\bfonts-", text);
        Assert.Matches(@"HEALTHCHECK[^\n]*(\\\n[^\n]*)*/health/live", text);
        Assert.Equal("ENTRYPOINT [\"dotnet\", \"IncidentHub.Web.dll\"]", lines.Last(l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal)));
    }

    private static Dictionary<string, Dictionary<object, object?>> LoadServices()
    {
        using var reader = new StringReader(File.ReadAllText(Path.Combine(Docker, "compose.yaml")));
        // MergingParser resolves the `<<: *anchor` merges compose uses.
        var compose = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object?>>(new MergingParser(new Parser(reader)));
        return ((Dictionary<object, object?>)compose["services"]!).ToDictionary(s => (string)s.Key, s => (Dictionary<object, object?>)s.Value!);
    }

    private static Dictionary<string, string?> Environment(string service) =>
        ((Dictionary<object, object?>)Services[service]["environment"]!).ToDictionary(e => (string)e.Key, e => e.Value as string);

    private static List<string> List(Dictionary<object, object?> definition, string key) =>
        ((List<object?>)definition[key]!).Select(v => (string)v!).ToList();

    private static string? Scalar(Dictionary<object, object?> definition, string key) => definition.TryGetValue(key, out var value) ? value as string : null;

    /// <summary>The default of "${VAR:-default}", or the value itself.</summary>
    private static string? Default(string? value) => value is null ? null : DefaultValue().Match(value) is { Success: true } m ? m.Groups[1].Value : value;

    [GeneratedRegex("(?i)password|token|secret|apikey")]
    private static partial Regex SecretName();

    /// <summary>Only an interpolation: required (${VAR:?why}), or empty when unset (${VAR:-} / ${VAR}).</summary>
    [GeneratedRegex(@"^\$\{[A-Za-z_][A-Za-z0-9_]*(:\?[^}]*|:-|)\}$")]
    private static partial Regex FromEnvironment();

    [GeneratedRegex(@"^\$\{[A-Za-z_][A-Za-z0-9_]*:-([^}]*)\}$")]
    private static partial Regex DefaultValue();
}
