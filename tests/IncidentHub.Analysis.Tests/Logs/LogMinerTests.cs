using IncidentHub.Analysis.Logs;

namespace IncidentHub.Analysis.Tests.Logs;

public sealed class LogMinerTests
{
    // Invented sample: a checkout service's log messages, ten shapes, numbers and ids varying.
    private static readonly string[] Sample =
    [
        "order 1001 placed by customer 77 total 19.99",
        "order 1002 placed by customer 78 total 5.00",
        "payment authorised for order 1001 in 120 ms",
        "payment authorised for order 1002 in 95 ms",
        "connected to db.internal.example.com port 5432",
        "cache miss for key sku-991a",
        "cache miss for key sku-17bc",
        "worker 3 started",
        "worker 4 started",
        "worker 3 stopped",
        "request 3f2b8c1e-9d4a-4e6f-8b7c-2a1d0e9f8c7b failed with status 502 after 3 retries",
        "request 9a1b8c1e-1d4a-4e6f-8b7c-2a1d0e9f8c00 failed with status 504 after 1 retries",
        "shutting down",
        "invalid token for user alice from 10.0.0.5",
        "invalid token for user bob from 10.0.0.6",
        "invalid token for user carol from 10.0.0.7",
        "invalid token for user dave from 10.0.0.8",
        "invalid token for user erin from 10.0.0.9",
    ];

    [Theory]
    [InlineData("order 1 placed by customer 2 total 3.50", "order 99 placed by customer 1234 total 0.10")]
    [InlineData("GET /api/orders/17 took 12 ms", "GET /api/orders/9/items took 340 ms")]
    [InlineData("lease 3f2b8c1e-9d4a-4e6f-8b7c-2a1d0e9f8c7b renewed by 10.0.0.1:80", "lease 00000000-1111-2222-3333-444444444444 renewed by 192.168.7.7:9090")]
    public void LinesOfOneTemplate_LandInOneCluster(string first, string second)
    {
        var miner = new LogMiner();

        Assert.Equal(miner.Add(first), miner.Add(second));
        Assert.Equal(1, miner.ClusterCount);
    }

    [Theory]
    [InlineData("worker 3 started", "worker 3 stopped")]
    [InlineData("VM Started (lifecycle event)", "VM Paused (lifecycle event)")]
    [InlineData("connection opened", "connection opened by peer")]
    public void DifferentEvents_StayApart(string first, string second)
    {
        var miner = new LogMiner();

        Assert.NotEqual(miner.Add(first), miner.Add(second));
        Assert.Equal(2, miner.ClusterCount);
    }

    [Fact]
    public void RepeatedInput_NeverGrowsTheClusters_AndEachLineKeepsItsCluster()
    {
        var miner = new LogMiner();
        var added = Sample.Select(miner.Add).ToList();
        var firstPass = added.Select(id => miner.Resolve(id).Id).ToList();
        var clusters = miner.ClusterCount;
        var templates = miner.Clusters.Select(c => c.Template).ToList();

        for (var pass = 0; pass < 50; pass++)
        {
            var again = Sample.Select(miner.Add).ToList();
            Assert.Equal(firstPass, again);
        }

        Assert.Equal(clusters, miner.ClusterCount);
        Assert.Equal(templates, miner.Clusters.Select(c => c.Template));
        Assert.Equal(51L * Sample.Length, miner.Clusters.Sum(c => c.Count));
    }

    [Fact]
    public void SameInput_GivesTheSameClusters_InAFreshMiner()
    {
        var a = new LogMiner();
        var b = new LogMiner();

        Assert.Equal(Sample.Select(a.Add).ToList(), Sample.Select(b.Add).ToList());
        Assert.Equal(a.Clusters, b.Clusters);
    }

    [Fact]
    public void AWordPositionWithManyValues_BecomesAVariable()
    {
        var miner = new LogMiner();
        var added = Sample.Where(l => l.StartsWith("invalid token", StringComparison.Ordinal)).Select(miner.Add).ToList();
        var ids = added.Select(id => miner.Resolve(id).Id).Distinct().ToList();

        var cluster = Assert.Single(ids);
        Assert.Equal("invalid token for user <*> from <IP>", miner.Resolve(cluster).Template);
        Assert.Equal(miner.Resolve(cluster).Id, miner.Resolve(miner.Add("invalid token for user frank from 10.9.9.9")).Id);
    }

    [Fact]
    public void TemplateTexts_AreUnique_OneClusterPerTemplate()
    {
        var miner = new LogMiner();
        foreach (var line in Sample)
        {
            miner.Add(line);
        }

        var templates = miner.Clusters.Select(c => c.Template).ToList();
        Assert.Equal(templates.Count, templates.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(miner.ClusterCount, templates.Count);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    public void TheCap_BoundsClusters_AndMergesIntoTheClosest(int cap)
    {
        var miner = new LogMiner(new LogMinerOptions { MaxClusters = cap });
        var ids = Sample.Select(miner.Add).ToList();

        Assert.True(miner.ClusterCount <= cap, $"{miner.ClusterCount} clusters for a cap of {cap}");
        Assert.All(ids, id => Assert.Contains(miner.Resolve(id), miner.Clusters));
        Assert.Equal(Sample.Length, miner.Clusters.Sum(c => c.Count));
    }

    [Fact]
    public void TheCap_MergesANewShapeIntoItsClosestCluster()
    {
        var miner = new LogMiner(new LogMinerOptions { MaxClusters = 2 });
        var orders = miner.Add("order 1 shipped to warehouse north");
        miner.Add("disk almost full");

        var merged = miner.Add("order 2 shipped to warehouse south");
        Assert.Equal(miner.Resolve(orders).Id, miner.Resolve(merged).Id);
        Assert.Equal("order <NUM> shipped to warehouse <*>", miner.Resolve(merged).Template);
    }

    [Fact]
    public void PreprocessPatterns_AreMaskedBeforeMining()
    {
        var miner = new LogMiner(new LogMinerOptions { Preprocess = [new System.Text.RegularExpressions.Regex("tenant-[a-z]+")] });

        Assert.Equal(miner.Add("quota exceeded for tenant-acme"), miner.Add("quota exceeded for tenant-globex"));
        Assert.Equal("quota exceeded for <*>", Assert.Single(miner.Clusters).Template);
    }

    [Fact]
    public void ZeroCap_IsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LogMiner(new LogMinerOptions { MaxClusters = 0 }));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \t  ")]
    [InlineData("<*> <*>")]
    [InlineData("[ ]: :: [::1 [::1]x")]
    [InlineData("a@ @b.c x@y. 0x 0xZZ 1.2.3.4.5 1.2.3 .5 -")]
    [InlineData("x= =1 := a:b:c ..... ...1 ()()")]
    [InlineData("\u00e9t\u00e9 \u6f22\u5b57 123 \ud83d\ude00")]
    [InlineData("/ // /a/../b C:\\ C:")]
    public void OddInput_IsMinedWithoutThrowing_AndTheSameEveryTime(string line)
    {
        var miner = new LogMiner();

        var first = miner.Add(line);

        Assert.Equal(first, miner.Add(line));
        Assert.Equal(1, miner.ClusterCount);
        Assert.Equal(miner.Mask(line), miner.Mask(line));
    }

    [Fact]
    public void AVeryLongLine_IsMined()
    {
        var line = string.Join(' ', Enumerable.Range(0, 20_000).Select(i => i % 3 == 0 ? "word" : i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var miner = new LogMiner();

        Assert.Equal(miner.Add(line), miner.Add(line.Replace("1", "7", StringComparison.Ordinal)));
    }
}
