using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Reports.Email;

/// <summary>How the SMTP connection is secured (MailKit's SecureSocketOptions, by name).</summary>
public enum SmtpTlsMode
{
    None,
    StartTls,
    SslOnConnect,
    Auto,
}

/// <summary>
/// SMTP settings (section "Email"). Without a Host, mail is not sent: messages wait in the outbox
/// (status Waiting) until SMTP is configured. With a Host, the rest is validated at start.
/// </summary>
public sealed class EmailOptions
{
    public const string SectionName = "Email";

    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary>Auto: STARTTLS when the server offers it, except with credentials (Email:User), which need TLS: then STARTTLS is required.</summary>
    public SmtpTlsMode TlsMode { get; set; } = SmtpTlsMode.Auto;

    public string? User { get; set; }
    public string? Password { get; set; }

    /// <summary>The From address, e.g. "IncidentHub &lt;incidenthub@example.com&gt;".</summary>
    public string From { get; set; } = "IncidentHub <incidenthub@localhost>";

    /// <summary>Everyone who gets every post-mortem besides the service owner.</summary>
    public List<string> DistributionList { get; set; } = [];

    /// <summary>Seconds for connect and each SMTP command.</summary>
    [Range(1, 600)]
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// A message still Queued this long after it was stored lost its send job (a process died between storing and
    /// enqueueing): the outbox sweep enqueues it again.
    /// </summary>
    [Range(1, 1440)]
    public int RequeueQueuedAfterMinutes { get; set; } = 5;

    /// <summary>
    /// A message Sending this long has lost its sender (the process died mid-send): the outbox sweep marks it Uncertain,
    /// never sends it again by itself. Keep it above the longest real send (connect plus a few commands of TimeoutSeconds).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan StuckSendingAfter { get; set; } = TimeSpan.FromMinutes(10);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Host);
}

internal sealed class EmailOptionsValidator : IValidateOptions<EmailOptions>
{
    public ValidateOptionsResult Validate(string? name, EmailOptions options)
    {
        var errors = new List<string>();
        if (!MimeKit.MailboxAddress.TryParse(options.From, out _))
        {
            errors.Add($"Email:From '{options.From}' is not an email address.");
        }

        foreach (var address in options.DistributionList.Where(a => !MimeKit.MailboxAddress.TryParse(a, out _)))
        {
            errors.Add($"Email:DistributionList entry '{address}' is not an email address.");
        }

        if (options.IsConfigured)
        {
            if (Uri.CheckHostName(options.Host) == UriHostNameType.Unknown)
            {
                errors.Add($"Email:Host '{options.Host}' is not a host name or address.");
            }

            if (!string.IsNullOrEmpty(options.User) && string.IsNullOrEmpty(options.Password))
            {
                errors.Add("Email:User is set but Email:Password is empty.");
            }

            // Credentials only over TLS, loopback included (a local relay can still offer STARTTLS); Auto becomes STARTTLS (SmtpMailer).
            if (options.TlsMode == SmtpTlsMode.None && (!string.IsNullOrEmpty(options.User) || !string.IsNullOrEmpty(options.Password)))
            {
                errors.Add("Email:TlsMode None would send the SMTP credentials in clear text; with Email:User set use StartTls, SslOnConnect or Auto (which then requires STARTTLS).");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
