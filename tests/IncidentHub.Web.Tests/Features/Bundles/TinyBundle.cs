using System.Net.Http.Headers;
using IncidentHub.Tests.Shared;

namespace IncidentHub.Web.Tests.Features.Bundles;

/// <summary>
/// A small but complete bundle directory built for one test: scenario.yaml, alert.json, one log,
/// an OpenMetrics file, and a real repository made with the git CLI (packed as repo.bundle, or
/// left as repo/make_repo.sh for the client to run).
/// </summary>
public sealed class TinyBundle : IDisposable
{
    private TinyBundle(string dir, string service, string title)
    {
        Directory = dir;
        Service = service;
        Title = title;
    }

    public string Directory { get; }
    public string Service { get; }
    public string Title { get; }
    public string? RepoBundle { get; private set; }

    public static TinyBundle Create(bool withMakeRepoScript = false, string? parent = null)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var service = $"tiny-{id}";
        var dir = parent is null
            ? System.IO.Directory.CreateTempSubdirectory("ih-tiny-bundle-").FullName
            : System.IO.Directory.CreateDirectory(Path.Combine(parent, $"900-tiny-{id}")).FullName;
        var bundle = new TinyBundle(dir, service, $"Tiny API 500s {id}");
        System.IO.Directory.CreateDirectory(Path.Combine(dir, "logs"));
        File.WriteAllText(Path.Combine(dir, "scenario.yaml"), $"""
            id: 900-tiny-{id}
            title: '{bundle.Title}'
            started_at: '2025-03-01T10:00:00Z'
            source: generic
            services:
            - {service}
            - vendor (third party)
            primary_service: {service}
            repo:
              script: repo/make_repo.sh
              name: {service}
              path_in_stack_traces: /app/
            """);
        File.WriteAllText(Path.Combine(dir, "alert.json"), $$"""
            {"title": "{{bundle.Title}}", "timestamp": "2025-03-01T10:00:00Z", "service": "{{service}}", "severity": "critical"}
            """);
        File.WriteAllText(Path.Combine(dir, "logs", service + ".log"), """
            2025-03-01 09:59:58,101 INFO app: GET /items 200
            2025-03-01 10:00:01,202 ERROR app: Exception in handler
            Traceback (most recent call last):
              File "/app/tiny/handler.py", line 3, in handle
                return items[10]
            IndexError: list index out of range
            """);
        File.WriteAllText(Path.Combine(dir, "metrics.om"), $$"""
            # TYPE http_requests counter
            http_requests_total{service="{{service}}",code="200"} 100 1740823200
            http_requests_total{service="{{service}}",code="500"} 7 1740823200
            http_requests_total{service="other",code="500"} 1 1740823200
            # TYPE http_request_duration_p99_seconds gauge
            http_request_duration_p99_seconds{service="{{service}}"} 0.25 1740823200
            # TYPE container_cpu_usage_cores gauge
            container_cpu_usage_cores{pod="{{service}}-1",container="{{service}}"} 0.4 1740823200
            # EOF
            """);

        var script = $"""
            #!/usr/bin/env bash
            set -euo pipefail
            dir="$1"
            mkdir -p "$dir/tiny" && cd "$dir"
            git init -q -b main .
            export GIT_AUTHOR_NAME=Dev GIT_AUTHOR_EMAIL=dev@example.com GIT_COMMITTER_NAME=Dev GIT_COMMITTER_EMAIL=dev@example.com
            export GIT_AUTHOR_DATE=2025-02-28T10:00:00Z GIT_COMMITTER_DATE=2025-02-28T10:00:00Z
            printf 'def handle(items):\n    # first version\n    return items[0]\n' > tiny/handler.py
            git add -A && git commit -qm "Add handler"
            printf 'def handle(items):\n    # batch change\n    return items[10]\n' > tiny/handler.py
            git commit -qam "Read the tenth item"
            git tag v1.0.0
            """;
        System.IO.Directory.CreateDirectory(Path.Combine(dir, "repo"));
        File.WriteAllText(Path.Combine(dir, "repo", "make_repo.sh"), script.Replace("\r\n", "\n", StringComparison.Ordinal));
        if (!withMakeRepoScript)
        {
            var build = System.IO.Directory.CreateTempSubdirectory("ih-tiny-repo-").FullName;
            RealProcess.Run("bash", [Path.Combine(dir, "repo", "make_repo.sh"), Path.Combine(build, "r")], dir);
            bundle.RepoBundle = Path.Combine(build, "repo.bundle");
            RealProcess.Run("git", ["-C", Path.Combine(build, "r"), "bundle", "create", bundle.RepoBundle, "--all"], dir);
            System.IO.Directory.Delete(Path.Combine(dir, "repo"), recursive: true);
        }

        return bundle;
    }

    /// <summary>The upload as ih import makes it; parts can be left out, renamed or replaced.</summary>
    public MultipartFormDataContent Form(Action<List<(string Field, string FileName, byte[] Content)>>? change = null)
    {
        var parts = new List<(string Field, string FileName, byte[] Content)>
        {
            ("scenario", "scenario.yaml", File.ReadAllBytes(Path.Combine(Directory, "scenario.yaml"))),
            ("alert", "alert.json", File.ReadAllBytes(Path.Combine(Directory, "alert.json"))),
            ("logs", Service + ".log", File.ReadAllBytes(Path.Combine(Directory, "logs", Service + ".log"))),
            ("metrics", "metrics.om", File.ReadAllBytes(Path.Combine(Directory, "metrics.om"))),
        };
        if (RepoBundle is not null)
        {
            parts.Add(("repository", "repo.bundle", File.ReadAllBytes(RepoBundle)));
        }

        change?.Invoke(parts);
        var form = new MultipartFormDataContent();
        foreach (var (field, fileName, content) in parts)
        {
            var part = new ByteArrayContent(content);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(part, field, fileName);
        }

        return form;
    }

    public void Dispose()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        if (RepoBundle is not null)
        {
            System.IO.Directory.Delete(Path.GetDirectoryName(RepoBundle)!, recursive: true);
        }
    }
}
