using System.Formats.Tar;
using System.IO.Compression;
using IncidentHub.Web.Features.Bundles;

namespace IncidentHub.Web.Tests.Features.Bundles;

/// <summary>Issue 17: a .tar.gz is read within a decompressed size and an entry count, each with a clear error.</summary>
public sealed class BundleArchiveTests
{
    private static MemoryStream TarGz(params (string Name, byte[] Content)[] entries)
    {
        var archive = new MemoryStream();
        using (var gzip = new GZipStream(archive, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip))
        {
            foreach (var (name, content) in entries)
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });
            }
        }

        archive.Position = 0;
        return archive;
    }

    [Fact]
    public async Task ReadTarGz_DecompressedBeyondMaxArchiveBytes_IsRefused()
    {
        // 8 MiB of zeros compress to a few KiB: a small upload, a large read.
        using var archive = TarGz(("bundle/logs/app.log", new byte[8 * 1024 * 1024]));

        var error = await Assert.ThrowsAsync<BundleRejectedException>(() =>
            BundleArchive.ReadTarGzAsync(archive, new BundleOptions { MaxArchiveBytes = 1024 * 1024 }, CancellationToken.None));

        Assert.Contains("Bundles:MaxArchiveBytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadTarGz_MoreEntriesThanMaxArchiveEntries_IsRefused()
    {
        using var archive = TarGz([.. Enumerable.Range(0, 20).Select(i => ($"bundle/junk-{i}.txt", new byte[1]))]);

        var error = await Assert.ThrowsAsync<BundleRejectedException>(() =>
            BundleArchive.ReadTarGzAsync(archive, new BundleOptions { MaxArchiveEntries = 10 }, CancellationToken.None));

        Assert.Contains("more than 10 entries", error.Message, StringComparison.Ordinal);
        Assert.Contains("Bundles:MaxArchiveEntries", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadTarGz_TraversalNames_KeepOnlyThePlainFileName()
    {
        using var archive = TarGz(("../../etc/cron.d/app.log", "x"u8.ToArray()));

        var (files, _) = await BundleArchive.ReadTarGzAsync(archive, new BundleOptions(), CancellationToken.None);

        Assert.Equal("app.log", Assert.Single(files).FileName);
    }
}
