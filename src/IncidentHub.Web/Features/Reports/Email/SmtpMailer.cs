using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace IncidentHub.Web.Features.Reports.Email;

/// <summary>
/// The message was certainly not accepted by the server. <see cref="Permanent"/>: trying again cannot help (a recipient
/// the server rejects with 5xx, an address that is not one, a server that cannot protect the credentials); otherwise a
/// later attempt may succeed (connection refused, 4xx).
/// </summary>
public sealed class MailNotSentException(string message, Exception? inner, bool permanent = false) : Exception(message, inner)
{
    public bool Permanent { get; } = permanent;
}

/// <summary>
/// Sends one message over SMTP with MailKit (the process boundary for email). Tells apart
/// failures before the server accepted the message (<see cref="MailNotSentException"/>) from a
/// connection that broke during the transfer (any other exception: the message may have been
/// delivered). Credentials only ever travel over TLS.
/// </summary>
public sealed class SmtpMailer(IOptionsMonitor<EmailOptions> options)
{
    public async Task SendAsync(MimeMessage message, CancellationToken ct)
    {
        var o = options.CurrentValue;
        var withCredentials = !string.IsNullOrEmpty(o.User);
        var tls = SocketOptions(o.TlsMode, o.Port, withCredentials);
        using var client = new SmtpClient { Timeout = o.TimeoutSeconds * 1000 };
        try
        {
            await client.ConnectAsync(o.Host ?? "", o.Port, tls, ct);
        }
        catch (NotSupportedException ex) when (tls == SecureSocketOptions.StartTls)
        {
            throw new MailNotSentException(
                $"SMTP server {o.Host}:{o.Port} does not offer STARTTLS; IncidentHub sends SMTP credentials (Email:User) only over TLS.", ex, permanent: true);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new MailNotSentException($"Could not connect to SMTP {o.Host}:{o.Port} ({o.TlsMode}): {ex.Message}", ex);
        }

        if (withCredentials)
        {
            if (!client.IsSecure)
            {
                // TlsMode None with credentials is refused at start (EmailOptionsValidator); a configuration reloaded since lands here.
                throw new MailNotSentException($"Refusing to send SMTP credentials to {o.Host}:{o.Port} over an unencrypted connection (Email:TlsMode None); use StartTls or SslOnConnect.", null, permanent: true);
            }

            try
            {
                await client.AuthenticateAsync(o.User!, o.Password ?? "", ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new MailNotSentException($"SMTP authentication at {o.Host}:{o.Port} failed: {ex.Message}", ex);
            }
        }

        try
        {
            await client.SendAsync(message, ct);
        }
        catch (SmtpCommandException ex)
        {
            // The server answered with an error code: it did not take the message. 5xx is final (RFC 5321 4.2.1).
            var code = (int)ex.StatusCode;
            var what = ex.ErrorCode == SmtpErrorCode.RecipientNotAccepted ? $"rejected recipient {ex.Mailbox?.Address}" : "refused the message";
            throw new MailNotSentException($"SMTP server {what}: {code} {ex.Message}", ex, permanent: code >= 500);
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

    /// <summary>With credentials, TLS is required: Auto (which falls back to plain text) becomes STARTTLS, or TLS on connect on 465.</summary>
    internal static SecureSocketOptions SocketOptions(SmtpTlsMode mode, int port, bool withCredentials) => mode switch
    {
        SmtpTlsMode.None => SecureSocketOptions.None,
        SmtpTlsMode.StartTls => SecureSocketOptions.StartTls,
        SmtpTlsMode.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ when withCredentials => port == 465 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls,
        _ => SecureSocketOptions.Auto,
    };
}
