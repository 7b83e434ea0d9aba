using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;

namespace IncidentHub.Tests.Shared;

/// <summary>
/// Every log line of the app at Debug and above, of every category, with its scopes and exception, kept in memory:
/// a test reads what any log sink configured by an operator could have written.
/// </summary>
public sealed class CapturedLog : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<string> _lines = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyCollection<string> Lines => _lines.ToArray();

    public string Text => string.Join(Environment.NewLine, _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => log._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var line = new StringBuilder($"{logLevel} {category}: {formatter(state, exception)}");
            // The structured values too: a sink writing JSON would write each of them.
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                foreach (var (key, value) in values)
                {
                    line.Append($" [{key}={value}]");
                }
            }

            log._scopes.ForEachScope((scope, sb) =>
            {
                sb.Append(" => ").Append(scope);
                if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                {
                    foreach (var (key, value) in pairs)
                    {
                        sb.Append($" [{key}={value}]");
                    }
                }
            }, line);
            if (exception is not null)
            {
                line.AppendLine().Append(exception);
            }

            log._lines.Enqueue(line.ToString());
        }
    }
}
