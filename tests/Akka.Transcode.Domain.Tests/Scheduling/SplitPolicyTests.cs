using Akka.Transcode.Domain.Scheduling;

namespace Akka.Transcode.Domain.Tests.Scheduling;

public sealed class SplitPolicyTests
{
    /// <summary>"node:slots:cores:threads" per worker, ';' between workers.</summary>
    private static List<WorkerCapacity> Workers(string text) => text.Split(';', StringSplitOptions.RemoveEmptyEntries)
        .Select(w => w.Split(':'))
        .Select(f => new WorkerCapacity(f[0], int.Parse(f[1]), int.Parse(f[2]), int.Parse(f[3])))
        .ToList();

    [Theory]
    // workers, codec, lanes
    [InlineData("", "h264", 1)]                          // nobody registered yet: one piece
    [InlineData("a:1:1:0", "h264", 1)]                    // one 1-core machine
    [InlineData("a:1:1:0;b:1:1:0", "h264", 2)]            // two 1-core machines: split in two (the scale model)
    [InlineData("a:2:2:1", "h264", 2)]                    // 2 cores, 2 slots of one thread: both cores, one piece each
    [InlineData("a:4:2:1", "h264", 2)]                    // 4 one-thread slots on 2 cores: still 2 pieces at once
    [InlineData("a:2:2:0", "h264", 1)]                    // 2 slots each using all cores: one x264 fills them
    [InlineData("a:2:8:0", "h264", 1)]                    // 8 cores: x264 keeps them busy alone
    [InlineData("a:4:64:0", "h264", 4)]                   // 64 cores: one x264 uses 16, four pieces pay
    [InlineData("a:4:64:0", "vp9", 4)]
    [InlineData("a:2:16:0", "vp9", 2)]                    // libvpx-vp9 stops at 8 threads: two pieces on 16 cores
    [InlineData("a:2:16:0", "h264", 1)]
    [InlineData("a:1:4:0;b:1:4:0;c:1:4:0", "h264", 3)]    // one piece per machine
    [InlineData("a:3:0:0", "h264", 3)]                    // HTTP worker, cores unknown: its slots count as configured
    [InlineData("a:1:2:0;a:1:2:0", "h264", 1)]            // two workers on one 2-core machine share its cores
    public void Lanes_count_the_pieces_that_run_at_once_on_cores_of_their_own(string workers, string codec, int lanes)
    {
        Assert.Equal(lanes, SplitPolicy.Lanes(Workers(workers), codec));
    }
}
