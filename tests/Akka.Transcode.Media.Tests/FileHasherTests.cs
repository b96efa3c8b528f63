using System.Security.Cryptography;
using Akka.Transcode.Media.Hashing;
using Akka.Transcode.Media.Tests.Support;

namespace Akka.Transcode.Media.Tests;

[Collection(MediaSourcesCollection.Name)]
public sealed class FileHasherTests(MediaSources sources)
{
    [Fact]
    public async Task Md5_of_media_matches_one_shot_hash()
    {
        var expected = Convert.ToHexStringLower(MD5.HashData(await File.ReadAllBytesAsync(sources.RecordBin)));

        Assert.Equal(expected, await FileHasher.Md5HexAsync(sources.RecordBin, CancellationToken.None));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3 * 1024 * 1024 + 123)] // several buffers and a partial one
    public async Task Md5_matches_across_buffer_boundaries(int size)
    {
        using var dir = new ScratchDir();
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        var path = dir.File("data.bin");
        await File.WriteAllBytesAsync(path, bytes);

        var hex = await FileHasher.Md5HexAsync(path, CancellationToken.None);

        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(bytes)), hex);
        Assert.Matches("^[0-9a-f]{32}$", hex);
    }
}
