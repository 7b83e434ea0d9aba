using System.Net;
using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Reports.Email;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace IncidentHub.Web.Tests.RealServers;

/// <summary>
/// kill -9 of the process while the SMTP server holds the DATA phase of a send (the message is on the wire, the
/// server has not answered): after a restart the message is marked Uncertain (it may have been delivered) and is
/// never sent a second time by itself (docs/decisions/011, Email:StuckSendingAfter).
/// </summary>
public sealed class KillDuringEmailSendTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string AdminToken = "ih_killmail_admin_token_0123456789abcdefgh";
    private TestDatabase _database = default!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task KillMidSmtpData_ThenRestart_MessageIsUncertain_AndNeverSentTwice()
    {
        await using var smtp = await HoldingSmtpServer.StartAsync();
        var settings = new Dictionary<string, string>
        {
            ["Seed:Admin:Email"] = "admin@killmail.local",
            ["Seed:Admin:Password"] = "Admin!pass-123",
            ["Seed:Admin:ApiToken"] = AdminToken,
            ["Email:Host"] = "127.0.0.1",
            ["Email:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Email:TlsMode"] = "None",
            ["Email:From"] = "IncidentHub <incidenthub@test.local>",
            ["Email:TimeoutSeconds"] = "600",
        };
        await AppProcess.MigrateAsync(_database.ConnectionString, settings);
        var subject = $"Held in DATA {Guid.NewGuid():N}";
        long id;
        await using (var db = NewDb())
        {
            var message = OutboxMessage.Create($"test:{subject}", null, ["oncall@test.local"], subject, "held", null, null, null, null, true, DateTimeOffset.UtcNow);
            db.Outbox.Add(message);
            await db.SaveChangesAsync();
            id = message.Id;
            // As after a failed attempt: an Admin's "send again" queues it through the real API and Hangfire.
            await db.Outbox.Where(m => m.Id == id).ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, OutboxStatus.Failed));
        }

        var app = await AppProcess.StartAsync(_database.ConnectionString, settings: settings);
        try
        {
            using (var http = new HttpClient { BaseAddress = app.Address })
            {
                http.DefaultRequestHeaders.Authorization = new("Bearer", AdminToken);
                Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync($"/api/outbox/{id}/send-again", null)).StatusCode);
            }

            await Eventually.HoldsAsync(() => Task.FromResult(smtp.HeldData), held => held == 1, TimeSpan.FromSeconds(60), "the SMTP server holding the message's DATA");
            Assert.Equal(OutboxStatus.Sending, await StatusAsync(id));
        }
        finally
        {
            output.WriteLine(app.Log);
        }

        await app.KillAsync();
        await app.DisposeAsync();

        // A short stuck-send threshold after the restart (before it, the sweep of the first process could have marked the
        // held send while the test still looked at it).
        settings["Email:StuckSendingAfter"] = "00:00:05";
        await using var restarted = await AppProcess.StartAsync(_database.ConnectionString, settings: settings);
        try
        {
            // The outbox sweep runs every minute.
            await Eventually.HoldsAsync(() => StatusAsync(id), s => s == OutboxStatus.Uncertain, TimeSpan.FromSeconds(150), "the killed send marked Uncertain");

            await using var db = NewDb();
            var row = await db.Outbox.AsNoTracking().SingleAsync(m => m.Id == id);
            Assert.Equal(1, row.Attempts);
            Assert.Contains("may have been delivered", row.LastError, StringComparison.Ordinal);
            Assert.Equal(1, smtp.HeldData);
            Assert.Equal(0, smtp.Delivered);
        }
        finally
        {
            output.WriteLine(restarted.Log);
        }
    }

    private async Task<OutboxStatus> StatusAsync(long id)
    {
        await using var db = NewDb();
        return await db.Outbox.Where(m => m.Id == id).Select(m => m.Status).SingleAsync();
    }

    private AppDbContext NewDb() => new(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(_database.ConnectionString).Options);
}

/// <summary>
/// A real SMTP server (aiosmtpd) that holds the first DATA it receives unanswered for good (the message is on the
/// wire, the server never says 250) and delivers any later one to a Maildir of its own, so a second send would be seen.
/// </summary>
public sealed class HoldingSmtpServer : IAsyncDisposable
{
    private const string Script = """
        import asyncio, sys
        from aiosmtpd.handlers import Mailbox
        from aiosmtpd.smtp import SMTP

        class Holding(Mailbox):
            held = 0
            async def handle_DATA(self, server, session, envelope):
                if Holding.held == 0:
                    Holding.held = 1
                    with open(sys.argv[3], 'a') as f:
                        f.write('held\n')
                    await asyncio.Event().wait()
                return await super().handle_DATA(server, session, envelope)

        async def main():
            handler = Holding(sys.argv[2])
            server = await asyncio.get_running_loop().create_server(lambda: SMTP(handler), '127.0.0.1', int(sys.argv[1]))
            await server.serve_forever()

        asyncio.run(main())
        """;

    private readonly RealProcess _process;
    private readonly string _directory;

    private HoldingSmtpServer(RealProcess process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    private string HeldFile => Path.Combine(_directory, "held");

    /// <summary>How many DATA phases the server holds unanswered.</summary>
    public int HeldData => File.Exists(HeldFile) ? File.ReadAllLines(HeldFile).Length : 0;

    public int Delivered => Directory.EnumerateFiles(Path.Combine(_directory, "maildir", "new")).Count();

    public static async Task<HoldingSmtpServer> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("ih-smtp-hold-").FullName;
        foreach (var sub in new[] { "new", "cur", "tmp" })
        {
            Directory.CreateDirectory(Path.Combine(directory, "maildir", sub));
        }

        var script = Path.Combine(directory, "holding_smtp.py");
        await File.WriteAllTextAsync(script, Script);
        var port = RealProcess.FreePort();
        var process = await RealProcess.StartListeningAsync("/usr/bin/python3",
            [script, port.ToString(System.Globalization.CultureInfo.InvariantCulture), Path.Combine(directory, "maildir"), Path.Combine(directory, "held")],
            port, TimeSpan.FromSeconds(20));
        return new HoldingSmtpServer(process, directory, port);
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
