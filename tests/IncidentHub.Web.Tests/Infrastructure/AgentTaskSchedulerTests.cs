using System.Globalization;
using IncidentHub.Web.Infrastructure.Jobs;
using Microsoft.Extensions.Logging.Abstractions;

namespace IncidentHub.Web.Tests.Infrastructure;

/// <summary>Agent jobs run below the webhooks' CPU priority, including after their awaits.</summary>
public sealed class AgentTaskSchedulerTests
{
    [Fact]
    public async Task AgentCode_RunsAtALowerPriority_AndComesBackToTheAgentThreadsAfterAnAwait()
    {
        using var scheduler = new AgentTaskScheduler(2, NullLogger<AgentTaskScheduler>.Instance);
        var caller = Nice();

        var (before, after, thread) = await Task.Factory.StartNew(
            async () =>
            {
                var first = Nice();
                await Task.Delay(20);
                return (first, Nice(), Thread.CurrentThread.Name);
            },
            CancellationToken.None, TaskCreationOptions.None, scheduler).Unwrap();

        Assert.Equal(AgentTaskScheduler.Nice, before);
        Assert.Equal(AgentTaskScheduler.Nice, after);
        Assert.StartsWith("agent-", thread, StringComparison.Ordinal);
        Assert.True(caller < AgentTaskScheduler.Nice, "the caller (a webhook's thread) has the higher priority");
    }

    /// <summary>The calling thread's nice value (field 19 of /proc/thread-self/stat).</summary>
    private static int Nice()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[19 - 3], CultureInfo.InvariantCulture);
    }
}
