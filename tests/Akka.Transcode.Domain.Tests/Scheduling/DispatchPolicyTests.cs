using Akka.Transcode.Domain.Scheduling;

namespace Akka.Transcode.Domain.Tests.Scheduling;

public sealed class DispatchPolicyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_queue_takes_priority_then_older_jobs_then_task_order_then_arrival()
    {
        var tasks = new List<WaitingTask>
        {
            new("new-t0", 0, T0.AddSeconds(5), 0, 1),
            new("old-t1", 0, T0, 1, 2),
            new("old-t0", 0, T0, 0, 3),
            new("urgent-t3", 5, T0.AddSeconds(9), 3, 4),
            new("old-t0-again", 0, T0, 0, 0),
        };

        var order = tasks.Order(DispatchPolicy.QueueOrder).Select(t => t.TaskId).ToList();

        Assert.Equal(["urgent-t3", "old-t0-again", "old-t0", "old-t1", "new-t0"], order);
    }

    /// <summary>"id:node:free:running" per worker, ';' between workers.</summary>
    private static List<WorkerSlots> Workers(string text) => text.Split(';', StringSplitOptions.RemoveEmptyEntries)
        .Select(w => w.Split(':'))
        .Select(f => new WorkerSlots(f[0], f[1], int.Parse(f[2]), int.Parse(f[3])))
        .ToList();

    [Theory]
    // workers, avoid, chosen
    [InlineData("a:n1:1:0;b:n2:1:0", "", "a")]              // equal: by id, whatever the registration order
    [InlineData("b:n2:1:0;a:n1:1:0", "", "a")]
    [InlineData("a:n1:1:1;b:n2:1:0", "", "b")]              // a's machine runs a piece already: b's first
    [InlineData("a:n1:3:1;b:n2:1:0", "", "b")]              // even with more free slots there
    [InlineData("a:n1:2:0;b:n2:1:0", "", "a")]              // both idle: the most free slots
    [InlineData("a:n1:1:0;c:n1:1:1;b:n2:1:0", "", "b")]     // a is idle but shares n1 with busy c
    [InlineData("a:n1:0:2;b:n2:0:1", "", null)]             // no free slot anywhere
    [InlineData("a:n1:1:0;b:n2:1:0", "a", "b")]             // an earlier attempt failed on a
    [InlineData("a:n1:1:0;b:n2:0:1", "a", null)]            // ... and b is busy: wait for b rather than retry on a
    [InlineData("a:n1:1:0", "a", "a")]                      // a is the only worker: it gets it anyway
    public void A_task_goes_to_an_idle_machine_first(string workers, string avoid, string? chosen)
    {
        var avoided = avoid.Split(',', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(chosen, DispatchPolicy.ChooseWorker(Workers(workers), avoided));
    }
}
