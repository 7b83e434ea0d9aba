using IncidentHub.Web.Features.Reports.Email;
using Microsoft.Extensions.Options;

namespace IncidentHub.Web.Features.Reports;

public static class ReportsExtensions
{
    public static WebApplicationBuilder AddReports(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ReportsOptions>().BindConfiguration(ReportsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<EmailOptions>, EmailOptionsValidator>();
        services.AddSingleton<PdfPrinter>();
        services.AddSingleton<SmtpMailer>();
        services.AddScoped<PostmortemBuilder>();
        services.AddScoped<PostmortemRenderer>();
        services.AddScoped<PostmortemService>();
        services.AddScoped<OutboxService>();
        return builder;
    }
}
