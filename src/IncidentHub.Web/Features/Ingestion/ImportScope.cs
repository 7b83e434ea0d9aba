using IncidentHub.Analysis.Ingestion;

namespace IncidentHub.Web.Features.Ingestion;

/// <summary>
/// An imported bundle is a recording of one incident: its alerts deduplicate and group only among themselves, never
/// with an earlier import's still-open incident or another bundle's alerts that happen to share a fingerprint or group
/// key (docs/decisions/036). The importer marks its request with a scope; a webhook cannot, because the header is not
/// one the webhook keeps and <c>Remote-Address</c> is always the connection's own address there.
/// </summary>
public static class ImportScope
{
    public const string Header = "X-IncidentHub-Import";
    public const string RemoteAddress = "bundle-import";

    /// <summary>The import's scope from a request's stored headers, or null for anything a source sent.</summary>
    public static string? Of(IReadOnlyDictionary<string, string> headers) =>
        headers.TryGetValue("Remote-Address", out var from) && from == RemoteAddress
        && headers.TryGetValue(Header, out var scope) && scope.Length is > 0 and <= 100
            ? scope
            : null;

    /// <summary>The alert's identity and group within its import: the fingerprint hashed with the scope, the group key suffixed.</summary>
    public static NormalisedAlert Within(string? scope, NormalisedAlert alert)
    {
        if (scope is null)
        {
            return alert;
        }

        var key = alert.GroupKey.Length > 900 ? alert.GroupKey[..900] : alert.GroupKey;
        return alert with
        {
            Fingerprint = AlertSources.FingerprintOf([new("import", scope), new("fingerprint", alert.Fingerprint)]),
            GroupKey = $"{key} (import {scope})",
        };
    }
}
