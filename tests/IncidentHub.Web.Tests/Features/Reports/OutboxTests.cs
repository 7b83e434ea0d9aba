using IncidentHub.Tests.Shared;
using IncidentHub.Web.Features.Reports.Email;
using IncidentHub.Web.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Tests.Features.Reports;

/// <summary>The outbox against the real database and the real SMTP server: waiting without SMTP, at most once with it.</summary>
[Collection(AppCollection.Name)]
public sealed class OutboxTests(IncidentHubFactory app)
{
    [Fact]
    public async Task WithoutSmtp_MessagesWait_AndAreSentOnceSmtpIsConfigured()
    {
        var subject = $"Waiting test {Guid.NewGuid():N}";
        var id = await EnqueueAsync(subject, Options(host: null));
        await RunSendAsync(id, Options(host: null));

        Assert.Equal(OutboxStatus.Waiting, await StatusAsync(id));
        Assert.Empty(Maildir.Find(subject));

        // The app's sweep, with the app's (configured) SMTP settings, queues it; Hangfire sends it.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await ActivatorUtilities.CreateInstance<OutboxSweepJob>(scope.ServiceProvider).RunAsync(CancellationToken.None);
        }

        await Eventually.HoldsAsync(() => StatusAsync(id), s => s == OutboxStatus.Sent, TimeSpan.FromSeconds(30), "the waiting message to be sent");
        Assert.Single(Maildir.Find(subject));
    }

    [Fact]
    public async Task Retry_AfterAFailedConnect_SendsOnce_AndAClaimedMessageIsNeverSentAgain()
    {
        var subject = $"Retry test {Guid.NewGuid():N}";
        var id = await EnqueueAsync(subject, Options(host: null));

        // Nothing listens on port 1: the connect fails before anything was sent.
        await Assert.ThrowsAsync<MailNotSentException>(() => RunSendAsync(id, Options("127.0.0.1", port: 1)));
        Assert.Equal(OutboxStatus.Failed, await StatusAsync(id));

        await RunSendAsync(id, Options("127.0.0.1", Maildir.Port));
        await RunSendAsync(id, Options("127.0.0.1", Maildir.Port));

        Assert.Equal(OutboxStatus.Sent, await StatusAsync(id));
        var mail = Assert.Single(Maildir.Find(subject));
        await using var scope = app.Services.CreateAsyncScope();
        var row = await scope.ServiceProvider.GetRequiredService<AppDbContext>().Outbox.AsNoTracking().SingleAsync(m => m.Id == id);
        Assert.Equal(2, row.Attempts);
        Assert.Equal(row.MessageId, mail.MessageId);
    }

    [Fact]
    public async Task MessageLeftInSending_ByADeadSender_IsNotSentAgain()
    {
        var subject = $"Sending test {Guid.NewGuid():N}";
        var id = await EnqueueAsync(subject, Options(host: null));
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<AppDbContext>().Outbox.Where(m => m.Id == id)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, OutboxStatus.Sending).SetProperty(m => m.ClaimedAt, DateTimeOffset.UtcNow.AddHours(-1)));
        }

        await RunSendAsync(id, Options("127.0.0.1", Maildir.Port));
        Assert.Contains(await StatusAsync(id), new[] { OutboxStatus.Sending, OutboxStatus.Uncertain });

        await using (var scope = app.Services.CreateAsyncScope())
        {
            await ActivatorUtilities.CreateInstance<OutboxSweepJob>(scope.ServiceProvider).RunAsync(CancellationToken.None);
        }

        Assert.Equal(OutboxStatus.Uncertain, await StatusAsync(id));
        Assert.Empty(Maildir.Find(subject));
    }

    private static EmailOptions Options(string? host, int port = 25) =>
        new() { Host = host, Port = port, TlsMode = SmtpTlsMode.None, From = "IncidentHub <incidenthub@test.local>", TimeoutSeconds = 5 };

    private async Task<long> EnqueueAsync(string subject, EmailOptions options)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var outbox = new OutboxService(sp.GetRequiredService<IDbContextFactory<AppDbContext>>(), sp.GetRequiredService<Hangfire.IBackgroundJobClient>(),
            new FixedOptions(options), TimeProvider.System);
        return await outbox.EnqueueAsync($"test:{Guid.NewGuid():N}", null, ["someone@test.local"], subject, "body", null, "a.txt", "text/plain", "hello"u8.ToArray(),
            CancellationToken.None);
    }

    private async Task RunSendAsync(long id, EmailOptions options)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var monitor = new FixedOptions(options);
        var job = new SendEmailJob(scope.ServiceProvider.GetRequiredService<AppDbContext>(), new SmtpMailer(monitor), monitor, TimeProvider.System,
            NullLogger<SendEmailJob>.Instance);
        await job.RunAsync(id, CancellationToken.None);
    }

    private async Task<OutboxStatus> StatusAsync(long id)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().Outbox.Where(m => m.Id == id).Select(m => m.Status).SingleAsync();
    }

    /// <summary>SMTP settings for one test (configuration, not a fake of our code).</summary>
    private sealed class FixedOptions(EmailOptions value) : IOptionsMonitor<EmailOptions>
    {
        public EmailOptions CurrentValue => value;
        public EmailOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<EmailOptions, string?> listener) => null;
    }
}
