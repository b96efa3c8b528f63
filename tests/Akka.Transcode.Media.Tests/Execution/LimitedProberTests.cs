using Akka.Transcode.Domain;
using Akka.Transcode.Media.Execution;
using Akka.Transcode.Media.Hashing;
using Akka.Transcode.Media.Probing;
using Akka.Transcode.Media.Tests.Support;

namespace Akka.Transcode.Media.Tests.Execution;

/// <summary>
/// The master's prober remembers a probe and a content id by path, length and modification time: an unchanged
/// file is not probed or read again, a rewritten one is, and a failed probe is never remembered.
/// </summary>
public sealed class LimitedProberTests(MediaSources media) : IClassFixture<MediaSources>, IDisposable
{
    private readonly ScratchDir _dir = new();
    private readonly LimitedProber _prober = new(new MediaProber(), 2);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task An_unchanged_file_is_answered_from_memory_and_a_rewritten_one_is_probed_again()
    {
        var path = _dir.File("source.bin");
        File.Copy(media.RecordBin, path);
        var first = await _prober.ProbeAsync(path, CancellationToken.None);
        var firstId = await _prober.ContentIdAsync(path, CancellationToken.None);
        Assert.True(first.IsOk, first.Error?.Message);
        Assert.Equal(await FileHasher.Md5HexAsync(path, CancellationToken.None), firstId);

        // Other bytes of the same length with the old modification time look unchanged: the remembered answers
        // come back, which shows that neither ffprobe nor the hash ran again.
        var stamp = File.GetLastWriteTimeUtc(path);
        var length = new FileInfo(path).Length;
        await File.WriteAllBytesAsync(path, new byte[length]);
        File.SetLastWriteTimeUtc(path, stamp);
        Assert.Equal(first.Value, (await _prober.ProbeAsync(path, CancellationToken.None)).Value);
        Assert.Equal(firstId, await _prober.ContentIdAsync(path, CancellationToken.None));

        // A rewrite moves the modification time: probed and hashed again, and the zeros are no media.
        File.SetLastWriteTimeUtc(path, stamp.AddSeconds(1));
        var again = await _prober.ProbeAsync(path, CancellationToken.None);
        Assert.False(again.IsOk);
        Assert.Equal(ErrorCode.SourceUnusable, again.Error!.Code);
        Assert.Equal(await FileHasher.Md5HexAsync(path, CancellationToken.None), await _prober.ContentIdAsync(path, CancellationToken.None));
        Assert.NotEqual(firstId, await _prober.ContentIdAsync(path, CancellationToken.None));
    }

    [Fact]
    public async Task A_source_whose_directory_became_a_link_out_of_the_roots_is_not_probed()
    {
        using var outside = new ScratchDir();
        File.Copy(media.RecordBin, outside.File("secret.bin"));
        var root = _dir.File("root");
        Directory.CreateDirectory(Path.Combine(root, "in"));
        var source = Path.Combine(root, "in", "secret.bin");
        File.Copy(media.RecordBin, source);
        var prober = new LimitedProber(new MediaProber(), 2, roots: new Paths.MediaRoots([root]));
        Assert.True((await prober.ProbeAsync(source, CancellationToken.None)).IsOk);

        // As if the queued job's directory had been swapped after add_job resolved it.
        Directory.Delete(Path.Combine(root, "in"), recursive: true);
        Directory.CreateSymbolicLink(Path.Combine(root, "in"), outside.Path);
        var probed = await prober.ProbeAsync(source, CancellationToken.None);

        Assert.False(probed.IsOk, "the source was probed through a link out of the roots");
        Assert.Equal(ErrorCode.Forbidden, probed.Error!.Code);
    }

    [Fact]
    public async Task A_shared_id_memory_lets_the_worker_on_the_same_node_check_without_reading_again()
    {
        var path = _dir.File("shared.bin");
        File.Copy(media.RecordBin, path);
        var ids = new ContentIdCache();
        var prober = new LimitedProber(new MediaProber(), 2, sharedIds: ids);
        var id = await prober.ContentIdAsync(path, CancellationToken.None);
        Assert.Equal(await FileHasher.Md5HexAsync(path, CancellationToken.None), id);

        // Other bytes under the same length and time: the worker's check answers the id the master hashed, so it
        // did not read the file again.
        var stamp = File.GetLastWriteTimeUtc(path);
        await File.WriteAllBytesAsync(path, new byte[new FileInfo(path).Length]);
        File.SetLastWriteTimeUtc(path, stamp);
        Assert.Equal(id, await ids.IdOfAsync(path, CancellationToken.None));

        // A rewrite that moves the time is read again by both.
        File.SetLastWriteTimeUtc(path, stamp.AddSeconds(1));
        var zeros = await FileHasher.Md5HexAsync(path, CancellationToken.None);
        Assert.Equal(zeros, await ids.IdOfAsync(path, CancellationToken.None));
        Assert.Equal(zeros, await prober.ContentIdAsync(path, CancellationToken.None));
    }

    [Fact]
    public async Task A_burst_on_one_new_file_shares_one_probe_and_one_read()
    {
        var path = _dir.File("burst.bin");
        File.Copy(media.RecordBin, path);
        // Asked 50 times before any answer: one ffprobe and one hash serve them all (the same task each time).
        var probes = Enumerable.Range(0, 50).Select(_ => _prober.ProbeAsync(path, CancellationToken.None)).ToList();
        var ids = Enumerable.Range(0, 50).Select(_ => _prober.ContentIdAsync(path, CancellationToken.None)).ToList();
        Assert.All(probes, p => Assert.Same(probes[0], p));
        Assert.All(ids, i => Assert.Same(ids[0], i));
        Assert.True((await probes[0]).IsOk);
        Assert.Equal(await FileHasher.Md5HexAsync(path, CancellationToken.None), await ids[0]);
    }

    [Fact]
    public async Task A_failed_probe_is_not_remembered()
    {
        var path = _dir.File("later.bin");
        File.Copy(media.NotMedia, path);
        var stamp = File.GetLastWriteTimeUtc(path);
        Assert.Equal(ErrorCode.SourceUnusable, (await _prober.ProbeAsync(path, CancellationToken.None)).Error?.Code);

        // Even under the same modification time, the media now there is probed.
        File.Copy(media.RecordBin, path, overwrite: true);
        File.SetLastWriteTimeUtc(path, stamp);
        var probe = await _prober.ProbeAsync(path, CancellationToken.None);
        Assert.True(probe.IsOk, probe.Error?.Message);
        Assert.NotNull(probe.Value!.Video);
    }

    [Fact]
    public async Task A_missing_file_is_unusable_every_time()
    {
        var path = _dir.File("missing.bin");
        Assert.Equal(ErrorCode.SourceUnusable, (await _prober.ProbeAsync(path, CancellationToken.None)).Error?.Code);
        File.Copy(media.RecordBin, path);
        Assert.True((await _prober.ProbeAsync(path, CancellationToken.None)).IsOk);
    }
}
