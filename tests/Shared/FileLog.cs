using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace IncidentHub.Tests.Shared;

/// <summary>
/// The test app's log in test-output/logs (host lifetime, Hangfire and every warning), so a failure at
/// start or stop can be read after the run.
/// </summary>
public sealed class FileLog : ILoggerProvider
{
    private readonly StreamWriter _writer;
    private readonly ConcurrentDictionary<string, Logger> _loggers = new();

    public FileLog(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        Path = path;
        _writer = new StreamWriter(path, append: true) { AutoFlush = true };
    }

    public string Path { get; }

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, c => new Logger(this, c));

    public void Write(string line)
    {
        lock (_writer)
        {
            _writer.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
        }
    }

    public void Dispose()
    {
        lock (_writer)
        {
            _writer.Dispose();
        }
    }

    private sealed class Logger(FileLog log, string category) : ILogger
    {
        private readonly bool _verbose = category.StartsWith("Microsoft.Hosting", StringComparison.Ordinal)
            || category.StartsWith("Hangfire", StringComparison.Ordinal);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= (_verbose ? LogLevel.Information : LogLevel.Warning);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            try
            {
                log.Write($"{logLevel,-11} {category}: {formatter(state, exception)}{(exception is null ? "" : Environment.NewLine + exception)}");
            }
            catch (ObjectDisposedException)
            {
                // Logged after the factory closed its log.
            }
        }
    }
}
