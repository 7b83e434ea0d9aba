using System.Text.RegularExpressions;
using IncidentHub.Analysis.Ingestion;
using IncidentHub.Web.Infrastructure.Errors;
using IncidentHub.Web.Infrastructure.Security;

namespace IncidentHub.Web.Features.Catalog;

/// <summary>A catalog entry that cannot be saved; each error names the field and what is wrong.</summary>
public sealed class CatalogValidationException(IReadOnlyList<string> errors)
    : InvalidInputException(string.Join(" ", errors), "Invalid catalog entry")
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>The rules a catalog entry must meet before it is stored (the UI shows the same messages).</summary>
public static partial class CatalogValidation
{
    public static readonly string[] LogKinds = ["file", "loki"];
    public static readonly string[] MetricRoles = ["error_ratio", "latency", "saturation", "traffic", "other"];
    public static readonly string[] MetricSources = ["prometheus", "openmetrics"];

    /// <summary>Lower-case letters, digits, dot, dash and underscore; starts with a letter or digit; at most 100.</summary>
    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,99}$")]
    public static partial Regex ServiceName();

    public static IReadOnlyList<string> Validate(ServiceDefinition service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var errors = new List<string>();
        if (!ServiceName().IsMatch(service.Name ?? ""))
        {
            errors.Add($"name: '{service.Name}' is not a service name (lower-case letters, digits, '.', '-', '_'; at most 100 characters).");
        }

        if (service.Tier is < 1 or > 3)
        {
            errors.Add($"tier: {service.Tier} is not 1, 2 or 3.");
        }

        if (!string.IsNullOrWhiteSpace(service.EscalationEmail) && !service.EscalationEmail.Contains('@', StringComparison.Ordinal))
        {
            errors.Add($"escalation_email: '{service.EscalationEmail}' is not an email address.");
        }

        if (!string.IsNullOrWhiteSpace(service.OwnerEmail) && !service.OwnerEmail.Contains('@', StringComparison.Ordinal))
        {
            errors.Add($"owner_email: '{service.OwnerEmail}' is not an email address.");
        }

        foreach (var dependency in service.DependsOn)
        {
            if (!ServiceName().IsMatch(dependency.Trim()))
            {
                errors.Add($"depends_on: '{dependency}' is not a service name.");
            }
        }

        foreach (var (key, value) in service.Match)
        {
            if (string.IsNullOrWhiteSpace(key) || string.IsNullOrWhiteSpace(value))
            {
                errors.Add("match: every matcher needs a label name and a value.");
            }
        }

        if (service.Repository is { } repo)
        {
            if (string.IsNullOrWhiteSpace(repo.Path) && string.IsNullOrWhiteSpace(repo.GitHub))
            {
                errors.Add("repository: give a local path, a github owner/name, or both.");
            }

            if (!string.IsNullOrWhiteSpace(repo.GitHub) && !GitHubName().IsMatch(repo.GitHub.Trim()))
            {
                errors.Add($"repository.github: '{repo.GitHub}' is not owner/name.");
            }

            if (string.IsNullOrWhiteSpace(repo.Branch) || repo.Branch.StartsWith('-') || repo.Branch.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '~' or '^' or ':' or '?' or '*' or '[' or '\\')
                || repo.Branch.Contains("..", StringComparison.Ordinal))
            {
                errors.Add($"repository.base_branch: '{repo.Branch}' is not a branch name.");
            }

            if (repo.TestCommand is { } command && (command.Length > 500 || command.Any(c => c is '\n' or '\r' or '\0')))
            {
                errors.Add("repository.test_command: one line of at most 500 characters.");
            }
        }

        for (var i = 0; i < service.Logs.Count; i++)
        {
            var log = service.Logs[i];
            if (!LogKinds.Contains(log.Kind))
            {
                errors.Add($"logs[{i}].kind: '{log.Kind}' is not file or loki.");
            }
            else if (log.Kind == "file" && string.IsNullOrWhiteSpace(log.Path))
            {
                errors.Add($"logs[{i}]: a file source needs a path (a glob is allowed).");
            }
            else if (log.Kind == "loki" && (!IsHttpUrl(log.Url) || string.IsNullOrWhiteSpace(log.Query)))
            {
                errors.Add($"logs[{i}]: a loki source needs an http(s) url and a LogQL query.");
            }
        }

        for (var i = 0; i < service.Metrics.Count; i++)
        {
            var metric = service.Metrics[i];
            if (!MetricRoles.Contains(metric.Role))
            {
                errors.Add($"metrics[{i}].role: '{metric.Role}' is not one of {string.Join(", ", MetricRoles)}.");
            }

            if (!MetricSources.Contains(metric.Source))
            {
                errors.Add($"metrics[{i}].source: '{metric.Source}' is not prometheus or openmetrics.");
            }
            else if (metric.Source == "prometheus" && !IsHttpUrl(metric.Url))
            {
                errors.Add($"metrics[{i}]: a prometheus source needs an http(s) url.");
            }
            else if (metric.Source == "openmetrics" && string.IsNullOrWhiteSpace(metric.Path))
            {
                errors.Add($"metrics[{i}]: an openmetrics source needs the path of the file.");
            }

            if (string.IsNullOrWhiteSpace(metric.Query))
            {
                errors.Add($"metrics[{i}].query: a query (PromQL, or a series selector for openmetrics) is required.");
            }
        }

        foreach (var url in service.HealthUrls)
        {
            if (!IsHttpUrl(url))
            {
                errors.Add($"health_urls: '{url}' is not an http(s) URL.");
            }
        }

        return errors;
    }

    /// <summary>
    /// Where the entry sends the hub: files only under <see cref="CatalogOptions.AllowedFileRoots"/>, URLs only to hosts the
    /// <see cref="OutboundPolicy"/> allows, runbooks only as http(s) links (people click them). Each error names the field.
    /// </summary>
    public static IReadOnlyList<string> ValidateSources(ServiceDefinition service, CatalogFileRoots roots, OutboundPolicy outbound)
    {
        ArgumentNullException.ThrowIfNull(service);
        var errors = new List<string>();
        void Url(string field, string? value)
        {
            if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && outbound.Refusal(uri) is { } refused)
            {
                errors.Add($"{field}: {refused}");
            }
        }

        void File(string? refused)
        {
            if (refused is not null)
            {
                errors.Add(refused);
            }
        }

        for (var i = 0; i < service.Logs.Count; i++)
        {
            var log = service.Logs[i];
            if (log.Kind == "file")
            {
                File(roots.Refusal(log.Path, $"logs[{i}].path"));
            }
            else
            {
                Url($"logs[{i}].url", log.Url);
            }
        }

        for (var i = 0; i < service.Metrics.Count; i++)
        {
            var metric = service.Metrics[i];
            if (metric.Source == "openmetrics")
            {
                File(roots.Refusal(metric.Path, $"metrics[{i}].path"));
            }
            else
            {
                Url($"metrics[{i}].url", metric.Url);
            }
        }

        foreach (var url in service.HealthUrls)
        {
            Url("health_urls", url);
        }

        foreach (var runbook in service.Runbooks)
        {
            if (!WebLinks.IsHttp(runbook))
            {
                errors.Add($"runbooks: '{runbook}' is not an http(s) link.");
            }
        }

        return errors;
    }

    public static void ThrowIfInvalid(ServiceDefinition service)
    {
        var errors = Validate(service);
        if (errors.Count > 0)
        {
            throw new CatalogValidationException(errors);
        }
    }

    private static bool IsHttpUrl(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    [GeneratedRegex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")]
    private static partial Regex GitHubName();
}
