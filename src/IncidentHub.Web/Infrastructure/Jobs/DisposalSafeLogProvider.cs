using Hangfire.AspNetCore;
using Hangfire.Logging;

namespace IncidentHub.Web.Infrastructure.Jobs;

/// <summary>
/// Hangfire's log provider is process-wide (the last app configured sets it). When two apps share a process (the test
/// suite's fixtures) and the one that set it stops, its disposed LoggerFactory made every other app's Hangfire workers fail
/// for good ("Execution Worker is in the Failed state"). This one logs through that factory while it lives and drops the
/// line after, so a stopped app never takes another's workers down. One app per process (production) logs as before.
/// </summary>
internal sealed class DisposalSafeLogProvider(ILoggerFactory factory) : ILogProvider
{
    private readonly AspNetCoreLogProvider _inner = new(factory);

    public ILog GetLogger(string name)
    {
        try
        {
            return new SafeLog(_inner.GetLogger(name));
        }
        catch (ObjectDisposedException)
        {
            return new SafeLog(null);
        }
    }

    private sealed class SafeLog(ILog? inner) : ILog
    {
        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string> messageFunc, Exception exception = null!)
        {
            try
            {
                return inner?.Log(logLevel, messageFunc, exception) ?? false;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }
}
