namespace IncidentHub.Web.Infrastructure.Commands;

/// <summary>A one-shot command of the binary (`IncidentHub.Web migrate`): it runs instead of the server, then the process exits.</summary>
public sealed record AppCommand(string Name, string Description, Func<IServiceProvider, string[], Task> RunAsync);

public static class AppCommands
{
    public static IServiceCollection AddAppCommand(this IServiceCollection services, string name, string description, Func<IServiceProvider, string[], Task> run) =>
        services.AddSingleton(new AppCommand(name, description, run));

    /// <summary>Runs the command named by the first argument, if any; true when one ran (the caller then exits).</summary>
    public static async Task<bool> TryRunCommandAsync(this WebApplication app, string[] args)
    {
        var command = app.Services.GetServices<AppCommand>().FirstOrDefault(c => args.Contains(c.Name, StringComparer.Ordinal));
        if (command is null)
        {
            return false;
        }

        await command.RunAsync(app.Services, args);
        return true;
    }
}
