using IncidentHub.Tests.Shared;

namespace IncidentHub.Web.Tests.Features.Reports;

/// <summary>
/// A real SMTP server (aiosmtpd, as scripts/test.sh runs) that answers RCPT for any address under
/// <see cref="RejectedDomain"/> with "550 5.1.1 User unknown", as a real mail server does for a mailbox that
/// does not exist, and delivers everything else to a Maildir of its own.
/// </summary>
public sealed class RejectingSmtpServer : IAsyncDisposable
{
    public const string RejectedDomain = "rejected.test.local";

    private const string Script = """
        import asyncio, sys
        from aiosmtpd.handlers import Mailbox
        from aiosmtpd.smtp import SMTP

        class Rejecting(Mailbox):
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address.lower().endswith('@rejected.test.local'):
                    return '550 5.1.1 <%s>: Recipient address rejected: User unknown' % address
                envelope.rcpt_tos.append(address)
                return '250 OK'

        async def main():
            handler = Rejecting(sys.argv[2])
            server = await asyncio.get_running_loop().create_server(lambda: SMTP(handler), '127.0.0.1', int(sys.argv[1]))
            await server.serve_forever()

        asyncio.run(main())
        """;

    private readonly RealProcess _process;
    private readonly string _directory;

    private RejectingSmtpServer(RealProcess process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string MaildirPath => Path.Combine(_directory, "maildir");

    public static async Task<RejectingSmtpServer> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("ih-smtp-").FullName;
        foreach (var sub in new[] { "new", "cur", "tmp" })
        {
            Directory.CreateDirectory(Path.Combine(directory, "maildir", sub));
        }

        var script = Path.Combine(directory, "rejecting_smtp.py");
        await File.WriteAllTextAsync(script, Script);
        var port = RealProcess.FreePort();
        var process = await RealProcess.StartListeningAsync("/usr/bin/python3", [script, port.ToString(System.Globalization.CultureInfo.InvariantCulture), Path.Combine(directory, "maildir")],
            port, TimeSpan.FromSeconds(20));
        return new RejectingSmtpServer(process, directory, port);
    }

    public int Delivered => Directory.EnumerateFiles(Path.Combine(MaildirPath, "new")).Count();

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
