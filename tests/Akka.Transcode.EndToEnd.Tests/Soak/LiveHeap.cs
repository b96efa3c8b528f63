using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace Akka.Transcode.EndToEnd.Tests.Soak;

/// <summary>
/// A .NET process's live managed heap, read over EventPipe the way dotnet-gcdump starts: the GCHeapCollect keyword
/// makes the runtime run one full blocking GC, and the heap statistics that GC reports count only what survived it.
/// Unlike the resident set size, this does not include memory the GC keeps committed for later allocations.
/// </summary>
public static class LiveHeap
{
    /// <summary>Megabytes of objects alive after a full GC of process <paramref name="pid"/>.</summary>
    public static async Task<double> MbAfterFullGcAsync(int pid, TimeSpan timeout)
    {
        var client = new DiagnosticsClient(pid);
        var keywords = (long)(ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.GCHeapCollect);
        using var session = client.StartEventPipeSession(
            [new EventPipeProvider(ClrTraceEventParser.ProviderName, EventLevel.Informational, keywords)],
            requestRundown: false);
        var result = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = Task.Run(() =>
        {
            using var source = new EventPipeEventSource(session.EventStream);
            // A busy process can run a GC of its own as the session starts, and that GC's statistics would count the
            // garbage still in the older generations: only those of the induced full GC are the live heap.
            var induced = false;
            source.Clr.GCStart += e => induced = e.Depth == 2 && e.Reason is GCReason.Induced or GCReason.InducedNotForced
                or GCReason.InducedCompacting or GCReason.InducedLowMemory;
            source.Clr.GCHeapStats += e =>
            {
                if (induced) result.TrySetResult(e.TotalHeapSize / (1024.0 * 1024.0));
            };
            source.Process();
        });
        try
        {
            return await result.Task.WaitAsync(timeout);
        }
        finally
        {
            try { session.Stop(); }
            catch (Exception e) when (e is ServerNotAvailableException or EndOfStreamException or IOException) { /* ended already */ }
            try { await reader.WaitAsync(TimeSpan.FromSeconds(10)); }
            catch (Exception) { /* the stream ends with the session; what it says no longer matters */ }
        }
    }
}
