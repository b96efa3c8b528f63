namespace Akka.Transcode.Actors.ReadModel;

/// <summary>Journal orderings From..To (inclusive) that were missing when first looked at.</summary>
public sealed record OrderingGap(long From, long To, DateTimeOffset FirstSeen)
{
    public bool Overlaps(long from, long to) => From <= to && from <= To;
}

/// <summary>What one look at the journal's tail allows: read up to <see cref="Watermark"/>.</summary>
/// <param name="Watermark">Every ordering up to here is either present or given up on.</param>
/// <param name="Pending">Gaps above the watermark still waited for, with when each was first seen.</param>
/// <param name="GivenUp">Gaps passed over in this step because they stayed empty longer than the timeout.</param>
public sealed record WatermarkStep(long Watermark, IReadOnlyList<OrderingGap> Pending, IReadOnlyList<OrderingGap> GivenUp);

/// <summary>
/// How far the job list may read the journal. The journal's ordering column is allocated when a row is inserted
/// but becomes visible when its transaction commits, so on PostgreSQL (several writers, one per node) ordering 7 may
/// be readable while 6 is still being written: a reader that moved past 6 would never see it. A hole is therefore
/// waited for, and only given up on after a timeout: a writer killed mid-transaction (or a rolled-back insert)
/// leaves holes that never fill. All holes in view are timed at once, so several crashes cost one wait, not one
/// each. SQLite has a single writer that allocates and commits in order, so it never shows a hole.
/// </summary>
public static class JournalWatermark
{
    /// <param name="watermark">Orderings up to here were handled.</param>
    /// <param name="orderings">Orderings above <paramref name="watermark"/> present in the journal, ascending.</param>
    /// <param name="pending">The gaps returned by the previous step (their first-seen times carry over).</param>
    public static WatermarkStep Advance(long watermark, IReadOnlyList<long> orderings, IReadOnlyList<OrderingGap> pending,
        DateTimeOffset now, TimeSpan gapTimeout)
    {
        var stillPending = new List<OrderingGap>();
        var givenUp = new List<OrderingGap>();
        var expected = watermark + 1;
        var blocked = false;
        foreach (var o in orderings)
        {
            if (o < expected) continue; // a duplicate or a row below the watermark: nothing to decide
            if (o > expected)
            {
                var firstSeen = pending.FirstOrDefault(g => g.Overlaps(expected, o - 1))?.FirstSeen ?? now;
                var gap = new OrderingGap(expected, o - 1, firstSeen);
                if (!blocked && now - firstSeen >= gapTimeout) givenUp.Add(gap);
                else
                {
                    // Later gaps are still recorded, so their clocks run while this one is waited for.
                    blocked = true;
                    stillPending.Add(gap);
                }
            }
            if (!blocked) watermark = o;
            expected = o + 1;
        }
        return new WatermarkStep(watermark, stillPending, givenUp);
    }
}
