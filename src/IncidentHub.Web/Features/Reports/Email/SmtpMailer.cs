using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace IncidentHub.Web.Features.Reports.Email;

/// <summary>The message was certainly not accepted by the server: safe to try again.</summary>
public sealed class MailNotSentException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// Sends one message over SMTP with MailKit (the process boundary for email). Tells apart
/// failures before the server accepted the message (<see cref="MailNotSentException"/>, safe to
/// retry) from a connection that broke during the transfer (any other exception: the message may
/// have been delivered).
/// </summary>
public sealed class SmtpMailer(IOptionsMonitor<EmailOptions> options)
{
    public async Task SendAsync(MimeMessage message, CancellationToken ct)
    {
        var o = options.CurrentValue;
        using var client = new SmtpClient { Timeout = o.TimeoutSeconds * 1000 };
        try
        {
            await client.ConnectAsync(o.Host ?? "", o.Port, ToMailKit(o.TlsMode), ct);
            if (!string.IsNullOrEmpty(o.User))
            {
                await client.AuthenticateAsync(o.User, o.Password ?? "", ct);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new MailNotSentException($"Could not connect to SMTP {o.Host}:{o.Port} ({o.TlsMode}): {ex.Message}", ex);
        }

        try
        {
            await client.SendAsync(message, ct);
        }
        catch (SmtpCommandException ex)
        {
            // The server answered with an error code: it did not take the message.
            throw new MailNotSentException($"SMTP server refused the message: {(int)ex.StatusCode} {ex.Message}", ex);
        }

        try
        {
            await client.DisconnectAsync(quit: true, ct);
        }
        catch (Exception ex) when (ex is IOException or SmtpProtocolException)
        {
            // Sent already; a failed QUIT changes nothing.
        }
    }

    private static SecureSocketOptions ToMailKit(SmtpTlsMode mode) => mode switch
    {
        SmtpTlsMode.None => SecureSocketOptions.None,
        SmtpTlsMode.StartTls => SecureSocketOptions.StartTls,
        SmtpTlsMode.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.Auto,
    };
}
