using Akka.Transcode.Domain.Outputs;
using Akka.Transcode.Media.Packaging;

namespace Akka.Transcode.Media.Tests.Packaging;

/// <summary>
/// The packaged directory names the job that made it: a master that crashed after the rename does not package again
/// (its inputs are gone), and never mistakes an earlier output in the same place for this job's.
/// </summary>
public sealed class PackagedMarkerTests : IDisposable
{
    private readonly string _dst = Directory.CreateTempSubdirectory("akka-transcode-marker-").FullName;

    public void Dispose() => Directory.Delete(_dst, recursive: true);

    private PackagePlan Plan(string jobId) =>
        new(OutputLayout.TempGroupDir(_dst, "/media/record.bin", jobId), [], []);

    [Fact]
    public async Task A_plan_whose_directory_was_renamed_into_place_is_already_published()
    {
        var plan = Plan("j1");
        var published = OutputLayout.GroupDir(_dst, "/media/record.bin");
        Assert.False(await new OutputPackager().AlreadyPublishedAsync(plan, published));

        Assert.True((await new OutputPackager().PackageAsync(plan, CancellationToken.None)).IsOk);
        // Packaged but not renamed yet: it must still be renamed, and packaging again is harmless.
        Assert.False(await new OutputPackager().AlreadyPublishedAsync(plan, published));

        Directory.Move(plan.TempDir, published);
        Assert.True(await new OutputPackager().AlreadyPublishedAsync(plan, published));
    }

    [Fact]
    public async Task Another_jobs_directory_in_the_same_place_is_not_this_jobs()
    {
        var earlier = Plan("earlier");
        var published = OutputLayout.GroupDir(_dst, "/media/record.bin");
        Assert.True((await new OutputPackager().PackageAsync(earlier, CancellationToken.None)).IsOk);
        Directory.Move(earlier.TempDir, published);

        Assert.False(await new OutputPackager().AlreadyPublishedAsync(Plan("later"), published));
    }

    [Fact]
    public async Task A_marker_that_is_a_link_is_not_trusted()
    {
        var plan = Plan("j2");
        var published = Directory.CreateDirectory(OutputLayout.GroupDir(_dst, "/media/record.bin")).FullName;
        var elsewhere = Path.Combine(_dst, "elsewhere");
        await File.WriteAllTextAsync(elsewhere, Path.GetFileName(plan.TempDir));
        File.CreateSymbolicLink(Path.Combine(published, OutputLayout.PackagedMarker), elsewhere);

        Assert.False(await new OutputPackager().AlreadyPublishedAsync(plan, published));
    }
}
