using Akka.Transcode.Actors.ReadModel;

namespace Akka.Transcode.Actors.Tests.ReadModel;

public sealed class JournalWatermarkTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public void Contiguous_rows_move_the_watermark_to_the_last_one()
    {
        var step = JournalWatermark.Advance(10, [11, 12, 13], [], T0, Timeout);
        Assert.Equal(13, step.Watermark);
        Assert.Empty(step.Pending);
        Assert.Empty(step.GivenUp);
    }

    [Fact]
    public void A_new_hole_stops_the_watermark_below_it_and_is_timed_from_now()
    {
        var step = JournalWatermark.Advance(10, [11, 12, 15, 16], [], T0, Timeout);
        Assert.Equal(12, step.Watermark);
        Assert.Equal([new OrderingGap(13, 14, T0)], step.Pending);
        Assert.Empty(step.GivenUp);
    }

    [Fact]
    public void A_hole_that_fills_before_the_timeout_is_read_in_order()
    {
        var first = JournalWatermark.Advance(12, [15], [], T0, Timeout);
        var second = JournalWatermark.Advance(first.Watermark, [13, 14, 15], first.Pending, T0.AddSeconds(1), Timeout);
        Assert.Equal(15, second.Watermark);
        Assert.Empty(second.Pending);
        Assert.Empty(second.GivenUp);
    }

    [Fact]
    public void A_hole_still_empty_after_the_timeout_is_given_up_on_and_reading_goes_on()
    {
        var first = JournalWatermark.Advance(12, [15, 16], [], T0, Timeout);
        var waiting = JournalWatermark.Advance(first.Watermark, [15, 16], first.Pending, T0.AddSeconds(4.9), Timeout);
        Assert.Equal(12, waiting.Watermark);
        var later = JournalWatermark.Advance(waiting.Watermark, [15, 16, 17], waiting.Pending, T0.AddSeconds(5), Timeout);
        Assert.Equal(17, later.Watermark);
        Assert.Equal([new OrderingGap(13, 14, T0)], later.GivenUp);
        Assert.Empty(later.Pending);
    }

    [Fact]
    public void Several_holes_are_timed_together_so_they_cost_one_wait()
    {
        var first = JournalWatermark.Advance(0, [1, 3, 5, 6], [], T0, Timeout);
        Assert.Equal(1, first.Watermark);
        Assert.Equal([new OrderingGap(2, 2, T0), new OrderingGap(4, 4, T0)], first.Pending);

        var after = JournalWatermark.Advance(first.Watermark, [3, 5, 6], first.Pending, T0.AddSeconds(5), Timeout);
        Assert.Equal(6, after.Watermark);
        Assert.Equal(2, after.GivenUp.Count);
    }

    [Fact]
    public void A_hole_partly_filled_keeps_its_first_seen_time()
    {
        var first = JournalWatermark.Advance(0, [1, 6], [], T0, Timeout);
        var partly = JournalWatermark.Advance(first.Watermark, [2, 3, 6], first.Pending, T0.AddSeconds(3), Timeout);
        Assert.Equal(3, partly.Watermark);
        Assert.Equal([new OrderingGap(4, 5, T0)], partly.Pending);
    }

    [Fact]
    public void Nothing_new_leaves_everything_as_it_was()
    {
        var pending = new List<OrderingGap> { new(13, 14, T0) };
        var step = JournalWatermark.Advance(12, [], pending, T0.AddSeconds(1), Timeout);
        Assert.Equal(12, step.Watermark);
        Assert.Empty(step.Pending); // holes above the last row are invisible: nothing to wait for
        Assert.Empty(step.GivenUp);
    }
}
