using MimeKit;

namespace IncidentHub.Web.Tests.Features.Reports;

/// <summary>The messages the test SMTP server (aiosmtpd, scripts/test.sh) wrote to its Maildir.</summary>
public static class Maildir
{
    public static string Path => Environment.GetEnvironmentVariable("INCIDENTHUB_TEST_MAILDIR") is { Length: > 0 } dir
        ? dir
        : throw new InvalidOperationException("INCIDENTHUB_TEST_MAILDIR is not set; run the tests with scripts/test.sh (it starts an SMTP server).");

    public static int Port => int.Parse(Environment.GetEnvironmentVariable("INCIDENTHUB_TEST_SMTP_PORT")
        ?? throw new InvalidOperationException("INCIDENTHUB_TEST_SMTP_PORT is not set; run the tests with scripts/test.sh."), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Every delivered message whose subject contains <paramref name="subjectPart"/>.</summary>
    public static IReadOnlyList<MimeMessage> Find(string subjectPart)
    {
        var found = new List<MimeMessage>();
        foreach (var file in Directory.EnumerateFiles(System.IO.Path.Combine(Path, "new")).Concat(Directory.EnumerateFiles(System.IO.Path.Combine(Path, "cur"))))
        {
            MimeMessage message;
            try
            {
                message = MimeMessage.Load(file);
            }
            catch (IOException)
            {
                continue; // being written
            }

            if (message.Subject?.Contains(subjectPart, StringComparison.Ordinal) == true)
            {
                found.Add(message);
            }
        }

        return found;
    }
}
