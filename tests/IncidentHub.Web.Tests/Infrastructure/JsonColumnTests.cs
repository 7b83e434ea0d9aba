using IncidentHub.Web.Features.Incidents;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace IncidentHub.Web.Tests.Infrastructure;

/// <summary>How change detection compares an alert's labels: by content, whatever the order; a changed value is a change.</summary>
public sealed class JsonColumnTests
{
    [Fact]
    public void Labels_AreEqualByContent_InAnyOrder_AndDifferWhenAValueChanges()
    {
        using var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql("Host=127.0.0.1;Database=unused").Options);
        var comparer = db.Model.FindEntityType(typeof(Alert))!.FindProperty(nameof(Alert.Labels))!.GetValueComparer();
        var a = new Dictionary<string, string> { ["service"] = "checkout", ["alertname"] = "HighErrorRate" };
        var sameOtherOrder = new Dictionary<string, string> { ["alertname"] = "HighErrorRate", ["service"] = "checkout" };
        var changed = new Dictionary<string, string> { ["alertname"] = "HighErrorRate", ["service"] = "payments" };
        var more = new Dictionary<string, string>(a) { ["team"] = "payments-team" };

        Assert.True(comparer.Equals(a, sameOtherOrder));
        Assert.Equal(comparer.GetHashCode(a), comparer.GetHashCode(sameOtherOrder));
        Assert.False(comparer.Equals(a, changed));
        Assert.False(comparer.Equals(a, more));
        var snapshot = (Dictionary<string, string>)comparer.Snapshot(a)!;
        Assert.NotSame(a, snapshot);
        Assert.True(comparer.Equals(a, snapshot));
    }
}
