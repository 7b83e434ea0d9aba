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

    [Fact]
    public async Task QueuedMessage_WhoseJobWasNeverEnqueued_IsEnqueuedAgainByTheSweep_AndSentOnce()
    {
        // A process died between storing the message and enqueueing its job: Queued, no job.
        var subject = $"Lost job test {Guid.NewGuid():N}";
        long id;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var message = OutboxMessage.Create($"test:{Guid.NewGuid():N}", null, ["someone@test.local"], subject, "body", null, null, null, null,
                smtpConfigured: true, DateTimeOffset.UtcNow.AddMinutes(-30));
            db.Outbox.Add(message);
            await db.SaveChangesAsync();
            id = message.Id;
        }

        await using (var scope = app.Services.CreateAsyncScope())
        {
            await ActivatorUtilities.CreateInstance<OutboxSweepJob>(scope.ServiceProvider).RunAsync(CancellationToken.None);
            await ActivatorUtilities.CreateInstance<OutboxSweepJob>(scope.ServiceProvider).RunAsync(CancellationToken.None);
        }

        await Eventually.HoldsAsync(() => StatusAsync(id), s => s == OutboxStatus.Sent, TimeSpan.FromSeconds(30), "the forgotten Queued message to be sent");
        Assert.Single(Maildir.Find(subject));
    }

    [Fact]
    public async Task InvalidAddress_IsAPermanentFailure_WithTheReason_NotUncertain()
    {
        var subject = $"Invalid address test {Guid.NewGuid():N}";
        var id = await EnqueueAsync(subject, Options(host: null), to: ["someone@test.local", "owner at example dot com"]);

        await RunSendAsync(id, Options("127.0.0.1", Maildir.Port)); // no exception: Hangfire must not retry it

        var row = await RowAsync(id);
        Assert.Equal(OutboxStatus.Failed, row.Status);
        Assert.Contains("Not a valid email address: 'owner at example dot com'", row.LastError, StringComparison.Ordinal);
        Assert.Empty(Maildir.Find(subject));
    }

    [Fact]
    public async Task RecipientRejectedWith550_IsAPermanentFailure_WithTheServersReason()
    {
        await using var smtp = await RejectingSmtpServer.StartAsync();
        var subject = $"Rejected test {Guid.NewGuid():N}";
        var id = await EnqueueAsync(subject, Options(host: null), to: [$"nobody@{RejectingSmtpServer.RejectedDomain}"]);

        await RunSendAsync(id, Options("127.0.0.1", smtp.Port)); // no exception: Hangfire must not retry it

        var row = await RowAsync(id);
        Assert.Equal(OutboxStatus.Failed, row.Status);
        Assert.Contains($"rejected recipient nobody@{RejectingSmtpServer.RejectedDomain}: 550", row.LastError, StringComparison.Ordinal);
        Assert.Contains("User unknown", row.LastError, StringComparison.Ordinal);
        Assert.Equal(0, smtp.Delivered);

        // The same server takes a good address: the rejection was about the recipient.
        var good = await EnqueueAsync(subject, Options(host: null));
        await RunSendAsync(good, Options("127.0.0.1", smtp.Port));
        Assert.Equal(OutboxStatus.Sent, await StatusAsync(good));
        Assert.Equal(1, smtp.Delivered);
    }

    [Fact]
    public async Task WithCredentials_AServerWithoutStartTls_GetsNoPassword_AndTheFailureSaysWhy()
    {
        var subject = $"StartTls test {Guid.NewGuid():N}";
        var id = await EnqueueAsync(subject, Options(host: null));
        var options = Options("127.0.0.1", Maildir.Port);
        options.TlsMode = SmtpTlsMode.Auto; // Auto would fall back to plain text; with credentials it must not
        options.User = "incidenthub";
        options.Password = "smtp-password-0123";

        await RunSendAsync(id, options);

        var row = await RowAsync(id);
        Assert.Equal(OutboxStatus.Failed, row.Status);
        Assert.Contains("does not offer STARTTLS", row.LastError, StringComparison.Ordinal);
        Assert.Empty(Maildir.Find(subject));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("smtp.example.com")]
    public void Configuration_WithCredentials_AndNoTls_IsRefusedAtStart(string host)
    {
        var options = Options(host, 25);
        options.User = "incidenthub";
        options.Password = "smtp-password-0123";

        var result = new EmailOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Email:TlsMode None would send the SMTP credentials in clear text", result.FailureMessage, StringComparison.Ordinal);
        options.TlsMode = SmtpTlsMode.StartTls;
        Assert.True(new EmailOptionsValidator().Validate(null, options).Succeeded);
    }

    private static EmailOptions Options(string? host, int port = 25) =>
        new() { Host = host, Port = port, TlsMode = SmtpTlsMode.None, From = "IncidentHub <incidenthub@test.local>", TimeoutSeconds = 5 };

    private async Task<long> EnqueueAsync(string subject, EmailOptions options, string[]? to = null)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var outbox = new OutboxService(sp.GetRequiredService<IDbContextFactory<AppDbContext>>(), sp.GetRequiredService<Hangfire.IBackgroundJobClient>(),
            new FixedOptions(options), TimeProvider.System);
        return await outbox.EnqueueAsync($"test:{Guid.NewGuid():N}", null, to ?? ["someone@test.local"], subject, "body", null, "a.txt", "text/plain", "hello"u8.ToArray(),
            CancellationToken.None);
    }

    private async Task RunSendAsync(long id, EmailOptions options)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var monitor = new FixedOptions(options);
        var job = new SendEmailJob(scope.ServiceProvider.GetRequiredService<AppDbContext>(), new SmtpMailer(monitor), monitor,
            scope.ServiceProvider.GetServices<IOutboxChannel>(), TimeProvider.System,
            NullLogger<SendEmailJob>.Instance);
        await job.RunAsync(id, CancellationToken.None);
    }

    private async Task<OutboxMessage> RowAsync(long id)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().Outbox.AsNoTracking().SingleAsync(m => m.Id == id);
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
