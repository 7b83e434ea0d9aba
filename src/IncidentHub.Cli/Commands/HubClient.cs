using System.Net.Http.Headers;
using System.Text.Json;

namespace IncidentHub.Cli.Commands;

/// <summary>The hub's address and an API token: --url/--token, else IH_URL/IH_TOKEN, else http://127.0.0.1:5080.</summary>
internal sealed class HubClient : IDisposable
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    private HubClient(Uri baseUrl, string? token, HttpMessageHandler? handler)
    {
        BaseUrl = baseUrl;
        Http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        Http.BaseAddress = baseUrl;
        Http.Timeout = TimeSpan.FromMinutes(10);
        if (!string.IsNullOrWhiteSpace(token))
        {
            Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public Uri BaseUrl { get; }
    public HttpClient Http { get; }

    /// <summary>Builds the client from the options, or returns an error message.</summary>
    public static (HubClient? Client, string? Error) Create(CliArgs args, Func<string, string?>? environment = null, HttpMessageHandler? handler = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var url = args.Option("url") ?? environment("IH_URL") ?? DefaultUrl;
        var token = args.Option("token") ?? environment("IH_TOKEN");
        if (!Uri.TryCreate(url.TrimEnd('/') + "/", UriKind.Absolute, out var baseUrl) || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
        {
            return (null, $"'{url}' is not an http(s) URL (--url or IH_URL)");
        }

        if (string.IsNullOrWhiteSpace(token))
        {
            return (null, "no API token: pass --token or set IH_TOKEN (an Admin token from the Account page, or ADMIN_API_TOKEN in .data/secrets.env)");
        }

        return (new HubClient(baseUrl, token, handler), null);
    }

    public string IncidentUrl(string reference) => new Uri(BaseUrl, $"incidents/{reference.Replace("INC-", "", StringComparison.Ordinal)}").ToString();

    /// <summary>"title: detail" of a ProblemDetails answer, or the status and the start of the body.</summary>
    public static async Task<string> DescribeFailureAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var body = await response.Content.ReadAsStringAsync(ct);
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            var title = root.TryGetProperty("title", out var t) ? t.GetString() : null;
            var detail = root.TryGetProperty("detail", out var d) ? d.GetString() : null;
            if (root.TryGetProperty("errors", out var errors))
            {
                detail = (detail is null ? "" : detail + " ") + errors.GetRawText();
            }

            if (title is not null || detail is not null)
            {
                return $"{(int)response.StatusCode} {title}: {detail}";
            }
        }
        catch (JsonException)
        {
        }

        return $"{(int)response.StatusCode} {response.ReasonPhrase}: {(body.Length > 300 ? body[..300] : body)}";
    }

    public void Dispose() => Http.Dispose();
}

/// <summary>Positional arguments and --name value / --name=value options.</summary>
internal sealed class CliArgs
{
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);

    public CliArgs(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var arg = list[i];
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Length > 2)
            {
                var eq = arg.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    _options[arg[2..eq]] = arg[(eq + 1)..];
                }
                else if (i + 1 < list.Count)
                {
                    _options[arg[2..]] = list[++i];
                }
                else
                {
                    _options[arg[2..]] = "";
                }
            }
            else
            {
                Positional.Add(arg);
            }
        }
    }

    public List<string> Positional { get; } = [];

    public string? Option(string name) => _options.TryGetValue(name, out var value) ? value : null;
}
