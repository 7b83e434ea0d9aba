using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace IncidentHub.Web.Infrastructure.Jobs;

/// <summary>
/// Runs background jobs (the agents) on a few dedicated threads at a lower OS priority (Linux nice 10), so on a
/// small machine the webhook path gets the CPU first and an agent takes what is left. The storm gate stops new
/// jobs during a storm; this covers the ones already running when it starts, and the agents' work between
/// storms. Awaits inside a job come back to these threads (no SynchronizationContext, and this scheduler is
/// the current one); library code awaiting with ConfigureAwait(false) runs on the shared pool.
/// </summary>
public sealed class AgentTaskScheduler : TaskScheduler, IDisposable
{
    /// <summary>The nice value of the agents' threads: lower priority than the webhooks' (0), not starved.</summary>
    public const int Nice = 10;

    private readonly BlockingCollection<Task> _queue = [];
    private readonly ThreadLocal<bool> _ours = new();

    public AgentTaskScheduler(int threads, ILogger<AgentTaskScheduler> logger)
    {
        for (var i = 0; i < threads; i++)
        {
            new Thread(() => Run(logger)) { IsBackground = true, Name = $"agent-{i + 1}" }.Start();
        }
    }

    public override int MaximumConcurrencyLevel => int.MaxValue;

    private void Run(ILogger logger)
    {
        _ours.Value = true;
        if (OperatingSystem.IsLinux() && SetPriority(0, 0, Nice) != 0)
        {
            logger.LogWarning("Could not lower the agent threads' priority (errno {Errno}); they run at normal priority", Marshal.GetLastPInvokeError());
        }

        foreach (var task in _queue.GetConsumingEnumerable())
        {
            TryExecuteTask(task);
        }
    }

    protected override void QueueTask(Task task) => _queue.Add(task);

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        _ours.Value && !taskWasPreviouslyQueued && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => _queue.ToArray();

    /// <summary>Lets the threads finish what is queued and end (the thread-local flag is left to them: they may still read it).</summary>
    public void Dispose() => _queue.CompleteAdding();

    /// <summary>On Linux, PRIO_PROCESS with who = 0 sets the calling thread's nice value only.</summary>
    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static extern int SetPriority(int which, int who, int priority);
}
