using Akka.Actor;
using Akka.TestKit;
using Akka.Transcode.Actors.Jobs;
using Akka.Transcode.Actors.Tests.Support;
using Akka.Transcode.Domain;
using Akka.Transcode.Domain.Outputs;
using Akka.Transcode.Media.Files;
using Akka.Transcode.Media.Packaging;
using Xunit.Abstractions;
using Failure = Akka.Transcode.Domain.Failure;

namespace Akka.Transcode.Actors.Tests;

/// <summary>A job's rename step on its own: the output through the publisher port, one answer, then it stops.</summary>
public sealed class OutputFinaliserTests : Akka.TestKit.Xunit2.TestKit
{
    private readonly string _dst = Directory.CreateTempSubdirectory("akka-transcode-finaliser-").FullName;
    private readonly TestProbe _parent;

    public OutputFinaliserTests(ITestOutputHelper output) : base(TestConfig.Local(), output: output)
    {
        _parent = CreateTestProbe("job");
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        try { Directory.Delete(_dst, recursive: true); } catch (IOException) { }
    }

    private IActorRef Finalise(IOutputPublisher publisher, OutputPublication publication) =>
        StepParents.Spawn(Sys, OutputFinaliser.Props(publisher, publication), _parent.Ref);

    private OutputPublication Finished(string name, bool overwrite = false)
    {
        var workDir = Directory.CreateDirectory(Path.Combine(_dst, $".transcode-{name}")).FullName;
        File.WriteAllText(Path.Combine(workDir, "video-0000.mkv"), "chunk");
        var temp = Path.Combine(_dst, $".{name}.mp4.j.tmp");
        File.WriteAllText(temp, "joined");
        return new OutputPublication(temp, Path.Combine(_dst, $"{name}.mp4"), overwrite, workDir);
    }

    private sealed class ThrowingPublisher : IOutputPublisher
    {
        public Task<Result<string>> PublishAsync(OutputPublication publication, CancellationToken ct) =>
            Task.FromException<Result<string>>(new IOException("disk full"));

        public Task DiscardAsync(string? workDir, string? tempOutput) => Task.CompletedTask;
    }

    [Fact]
    public void The_output_is_put_in_place_its_parts_removed_and_the_finaliser_stops()
    {
        var p = Finished("a");

        var finaliser = Finalise(new OutputPublisher(roots: null), p);
        Watch(finaliser);

        Assert.Equal(new OutputPublished(p.OutputPath, null), _parent.ExpectMsg<OutputPublished>());
        ExpectTerminated(finaliser);
        Assert.Equal("joined", File.ReadAllText(p.OutputPath));
        Assert.False(File.Exists(p.TempPath));
        Assert.False(Directory.Exists(p.WorkDir));
    }

    [Fact]
    public void An_output_that_exists_without_overwrite_answers_the_publisher_s_conflict()
    {
        var p = Finished("b");
        File.WriteAllText(p.OutputPath, "earlier");

        Finalise(new OutputPublisher(roots: null), p);

        var answer = _parent.ExpectMsg<OutputPublished>();
        Assert.Equal(p.OutputPath, answer.OutputPath);
        Assert.Equal(ErrorCode.Conflict, answer.Failure?.Code);
        Assert.Equal("earlier", File.ReadAllText(p.OutputPath));
    }

    [Fact]
    public void A_rename_that_throws_answers_an_internal_failure_that_says_so()
    {
        var finaliser = Finalise(new ThrowingPublisher(), Finished("c"));
        Watch(finaliser);

        var answer = _parent.ExpectMsg<OutputPublished>();
        Assert.Equal(new Failure(ErrorCode.Internal, "renaming the output failed: disk full"), answer.Failure);
        ExpectTerminated(finaliser);
    }

    /// <summary>Writes a file into the plan's temp dir, as the real packager writes segments; or fails, or finds the
    /// plan already published.</summary>
    private sealed class FakePackager(Result<bool> result, bool published = false) : IOutputPackager
    {
        public int Packaged { get; private set; }

        public Task<Result<bool>> PackageAsync(PackagePlan plan, CancellationToken ct)
        {
            Packaged++;
            if (result.IsOk) File.WriteAllText(Path.Combine(plan.TempDir, "master.m3u8"), "#EXTM3U");
            return Task.FromResult(result);
        }

        public Task<bool> AlreadyPublishedAsync(PackagePlan plan, string publishedDir) => Task.FromResult(published);
    }

    private (OutputPublication Publication, PackagePlan Plan) FinishedGroup(string name)
    {
        var workDir = Directory.CreateDirectory(Path.Combine(_dst, $".transcode-{name}")).FullName;
        var temp = Directory.CreateDirectory(Path.Combine(_dst, $".{name}.j.tmp")).FullName;
        return (new OutputPublication(temp, Path.Combine(_dst, name), false, workDir), new PackagePlan(temp, [], []));
    }

    [Fact]
    public void An_output_group_is_packaged_before_its_directory_is_renamed_into_place()
    {
        var (p, plan) = FinishedGroup("group");
        var packager = new FakePackager(Result<bool>.Ok(true));

        StepParents.Spawn(Sys, OutputFinaliser.Props(new OutputPublisher(roots: null), packager, p, plan), _parent.Ref);

        Assert.Equal(new OutputPublished(p.OutputPath, null), _parent.ExpectMsg<OutputPublished>());
        Assert.Equal(1, packager.Packaged);
        Assert.Equal("#EXTM3U", File.ReadAllText(Path.Combine(p.OutputPath, "master.m3u8")));
        Assert.False(Directory.Exists(p.TempPath));
    }

    [Fact]
    public void A_packaging_failure_ends_the_step_with_it_and_nothing_is_renamed()
    {
        var (p, plan) = FinishedGroup("broken");
        var failure = new Failure(ErrorCode.Internal, "rendition 720p: segment 3 does not start with a key frame");

        StepParents.Spawn(Sys, OutputFinaliser.Props(new OutputPublisher(roots: null), new FakePackager(failure), p, plan), _parent.Ref);

        Assert.Equal(failure, _parent.ExpectMsg<OutputPublished>().Failure);
        Assert.False(Directory.Exists(p.OutputPath));
        Assert.True(Directory.Exists(p.TempPath));
    }

    [Fact]
    public void A_group_renamed_before_a_crash_is_not_packaged_again_and_the_step_finishes()
    {
        var (p, plan) = FinishedGroup("renamed");
        // The crashed attempt got as far as the rename: the directory is in place, the temporary one gone.
        Directory.Move(p.TempPath, p.OutputPath);
        var packager = new FakePackager(Result<bool>.Ok(true), published: true);

        StepParents.Spawn(Sys, OutputFinaliser.Props(new OutputPublisher(roots: null), packager, p, plan), _parent.Ref);

        Assert.Equal(new OutputPublished(p.OutputPath, null), _parent.ExpectMsg<OutputPublished>());
        Assert.Equal(0, packager.Packaged);
        Assert.False(Directory.Exists(p.WorkDir));
    }
}
