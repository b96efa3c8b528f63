using System.Security.Cryptography;
using Akka.Transcode.Media.Files;
using Akka.Transcode.Media.Tests.Support;
using Akka.Transcode.Media.Transfer;

namespace Akka.Transcode.Media.Tests.Transfer;

/// <summary>
/// The master's side of an output upload (PUT /master/files): whole and resumed uploads, the bound on size counted
/// while streaming, the content-id check, room on the disk, and an output whose task was cancelled meanwhile. Each
/// outcome is one answer of docs/worker-protocol.md; the HTTP translation is covered end to end.
/// </summary>
public sealed class UploadReceiverTests : IDisposable
{
    private readonly ScratchDir _dir = new();
    private readonly string _target;
    private readonly byte[] _content = RandomNumberGenerator.GetBytes(300_000);
    private readonly string _id;

    public UploadReceiverTests()
    {
        // The output's directory (a job's parts directory) need not exist yet.
        _target = Path.Combine(_dir.Path, "out", "parts", "video-0001.mkv");
        _id = Convert.ToHexStringLower(MD5.HashData(_content));
    }

    public void Dispose() => _dir.Dispose();

    private string Partial => FileCleanup.UploadPartialName(_target, _id);

    private static Task<UploadOutcome> Receive(UploadReceiver receiver, UploadRequest request, byte[] body, bool wanted = true) =>
        receiver.ReceiveAsync(request, () => new MemoryStream(body), _ => Task.FromResult(wanted), CancellationToken.None);

    [Fact]
    public async Task A_whole_upload_that_matches_its_id_is_put_in_place_and_leaves_no_partial_file()
    {
        var outcome = await Receive(new UploadReceiver(1 << 20), new UploadRequest(_target, _id, 0, _content.Length), _content);

        Assert.Equal(new UploadOutcome.Complete(_content.Length), outcome);
        Assert.Equal(_content, await File.ReadAllBytesAsync(_target));
        Assert.False(File.Exists(Partial));
    }

    [Fact]
    public async Task An_upload_without_an_announced_size_is_checked_once_its_body_ends()
    {
        var outcome = await Receive(new UploadReceiver(1 << 20), new UploadRequest(_target, _id, 0, null), _content);

        Assert.Equal(new UploadOutcome.Complete(_content.Length), outcome);
        Assert.Equal(_content, await File.ReadAllBytesAsync(_target));
    }

    [Fact]
    public async Task A_cut_off_upload_is_kept_and_resumed_from_what_the_master_holds()
    {
        var receiver = new UploadReceiver(1 << 20);
        var first = _content[..100_000];

        var cut = await Receive(receiver, new UploadRequest(_target, _id, 0, _content.Length), first);
        Assert.Equal(new UploadOutcome.Incomplete(first.Length), cut);
        Assert.False(File.Exists(_target));
        // The stable name is the job cleanup's pattern: a cancelled or failed job takes it with its other partial files.
        Assert.StartsWith(_target + ".partial-up", Partial);
        Assert.Equal(first.Length, new FileInfo(Partial).Length);

        var rest = await Receive(receiver, new UploadRequest(_target, _id, first.Length, _content.Length), _content[first.Length..]);
        Assert.Equal(new UploadOutcome.Complete(_content.Length), rest);
        Assert.Equal(_content, await File.ReadAllBytesAsync(_target));
        Assert.False(File.Exists(Partial));
    }

    [Fact]
    public async Task A_resume_from_the_wrong_offset_is_refused_with_what_the_master_holds_and_keeps_it()
    {
        var receiver = new UploadReceiver(1 << 20);
        await Receive(receiver, new UploadRequest(_target, _id, 0, _content.Length), _content[..1000]);

        var outcome = await Receive(receiver, new UploadRequest(_target, _id, 5000, _content.Length), _content[5000..]);

        Assert.Equal(new UploadOutcome.WrongStart(5000, 1000), outcome);
        Assert.Equal(1000, new FileInfo(Partial).Length);
    }

    [Fact]
    public async Task A_start_at_zero_begins_again_whatever_the_master_held()
    {
        var receiver = new UploadReceiver(1 << 20);
        await Receive(receiver, new UploadRequest(_target, _id, 0, _content.Length), RandomNumberGenerator.GetBytes(1000));

        var outcome = await Receive(receiver, new UploadRequest(_target, _id, 0, _content.Length), _content);

        Assert.Equal(new UploadOutcome.Complete(_content.Length), outcome);
        Assert.Equal(_content, await File.ReadAllBytesAsync(_target));
    }

    [Fact]
    public async Task An_announced_size_over_the_limit_is_refused_before_the_body_is_opened()
    {
        var opened = false;
        var outcome = await new UploadReceiver(1000).ReceiveAsync(new UploadRequest(_target, _id, 0, _content.Length),
            () => { opened = true; return new MemoryStream(_content); }, _ => Task.FromResult(true), CancellationToken.None);

        Assert.Equal(new UploadOutcome.TooLarge(1000), outcome);
        Assert.False(opened);
        Assert.False(File.Exists(Partial));
        Assert.False(File.Exists(_target));
    }

    [Fact]
    public async Task A_body_that_streams_past_the_limit_is_stopped_and_nothing_of_it_is_kept()
    {
        // No size announced (a chunked body): counted while it streams.
        var outcome = await Receive(new UploadReceiver(100_000), new UploadRequest(_target, _id, 0, null), _content);

        Assert.Equal(new UploadOutcome.TooLarge(100_000), outcome);
        Assert.False(File.Exists(Partial));
        Assert.False(File.Exists(_target));
    }

    [Fact]
    public async Task A_complete_upload_that_does_not_match_its_id_is_discarded()
    {
        var other = RandomNumberGenerator.GetBytes(_content.Length);

        var outcome = await Receive(new UploadReceiver(1 << 20), new UploadRequest(_target, _id, 0, other.Length), other);

        Assert.Equal(new UploadOutcome.Mismatch(_id, Convert.ToHexStringLower(MD5.HashData(other))), outcome);
        Assert.False(File.Exists(Partial));
        Assert.False(File.Exists(_target));
    }

    [Fact]
    public async Task Too_little_room_for_the_announced_rest_refuses_the_upload_before_a_byte_is_written()
    {
        var receiver = new UploadReceiver(1 << 20, freeBytes: _ => 10);

        var outcome = await Receive(receiver, new UploadRequest(_target, _id, 0, _content.Length), _content);

        Assert.Equal(new UploadOutcome.NoRoom(10, _content.Length), outcome);
        Assert.False(File.Exists(Partial));
    }

    [Fact]
    public async Task The_room_needed_is_what_is_still_to_come()
    {
        var free = 1L << 30;
        var receiver = new UploadReceiver(1 << 20, freeBytes: _ => free);
        await Receive(receiver, new UploadRequest(_target, _id, 0, _content.Length), _content[..150_000]);
        free = 200_000; // less than the whole file, more than its rest

        var outcome = await Receive(receiver, new UploadRequest(_target, _id, 150_000, _content.Length), _content[150_000..]);

        Assert.Equal(new UploadOutcome.Complete(_content.Length), outcome);
    }

    [Fact]
    public async Task An_output_whose_task_was_cancelled_while_it_was_sent_is_removed_again()
    {
        var outcome = await Receive(new UploadReceiver(1 << 20), new UploadRequest(_target, _id, 0, _content.Length), _content,
            wanted: false);

        Assert.Equal(new UploadOutcome.Withdrawn(), outcome);
        Assert.False(File.Exists(_target));
        Assert.False(File.Exists(Partial));
    }

    [Fact]
    public async Task The_job_cleanup_removes_an_upload_cut_off_for_good()
    {
        await Receive(new UploadReceiver(1 << 20), new UploadRequest(_target, _id, 0, _content.Length), _content[..1000]);
        Assert.True(File.Exists(Partial));

        FileCleanup.Remove(null, _target);

        Assert.False(File.Exists(Partial));
    }
}
