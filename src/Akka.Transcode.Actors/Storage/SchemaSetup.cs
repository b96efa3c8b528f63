namespace Akka.Transcode.Actors.Storage;

/// <summary>
/// The schema step a node with storage runs before its actor system starts. A database that is not there yet (the
/// server still starting beside the nodes, as with compose or a StatefulSet) or a collision with another node's DDL is
/// waited out and tried again, rather than ending the process; an error that will not pass (a wrong password, a
/// missing database) still ends it at once.
/// </summary>
public static class SchemaSetup
{
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);

    /// <param name="retrying">Told each failure that will be tried again, with the wait before the next try.</param>
    /// <param name="firstWait">The wait after the first failure; it doubles up to 10 s.</param>
    public static async Task RunAsync(IReadOnlyList<Func<CancellationToken, Task>> steps, Action<Exception, TimeSpan> retrying,
        TimeSpan? firstWait = null, CancellationToken ct = default)
    {
        foreach (var step in steps)
        {
            var wait = firstWait ?? TimeSpan.FromSeconds(1);
            while (true)
            {
                try
                {
                    await step(ct);
                    break;
                }
                catch (Exception e) when (DatabaseErrors.IsTransient(e) && !ct.IsCancellationRequested)
                {
                    retrying(e, wait);
                    await Task.Delay(wait, ct);
                    wait = wait * 2 < MaxWait ? wait * 2 : MaxWait;
                }
            }
        }
    }
}
