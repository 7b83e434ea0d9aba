using IncidentHub.Web.Infrastructure.Live;
using Npgsql;

namespace IncidentHub.Web.Features.Catalog;

/// <summary>
/// Keeps this process's <see cref="ServiceCatalog"/> current: LISTENs on <see cref="CatalogStore.Channel"/>
/// and reloads on every notification, and reloads after each (re)connect so a change made while the
/// connection was down is not missed. Runs in every role (workers read the catalog in their jobs).
/// </summary>
public sealed class CatalogChangeListener(NpgsqlDataSource dataSource, ServiceCatalog catalog, ILogger<CatalogChangeListener> logger)
    : PostgresListener(dataSource, logger)
{
    protected override string Channel => CatalogStore.Channel;

    protected override Task OnListeningAsync(CancellationToken ct) => catalog.ReloadAsync(ct);

    /// <summary>Any number of changes at once need one reload.</summary>
    protected override Task OnNotificationsAsync(IReadOnlyList<string> payloads, CancellationToken ct) => catalog.ReloadAsync(ct);
}
