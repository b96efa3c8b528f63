using System.Net;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>
/// add_job's <c>outputs</c> on a real node: its configured presets are checked at start like a request (a bad one
/// stops it, naming the preset and field), named in its refusals, and an output directory already in place is -8.
/// </summary>
[Collection(BesideEndToEndCollection.Name)]
public sealed class OutputGroupRequestTests(ITestOutputHelper output)
{
    private static readonly string[] WebPreset =
    [
        "--Transcode:Presets:web:0:Type=hls",
        "--Transcode:Presets:web:0:SegmentSeconds=6",
        "--Transcode:Presets:web:0:Renditions:0:Height=360",
        "--Transcode:Presets:web:0:Renditions:0:VideoBitrate=700k",
        "--Transcode:Presets:web:1:Type=thumbnails",
        "--Transcode:Presets:web:1:Format=webp",
    ];

    [Fact]
    public async Task A_bad_configured_preset_stops_the_node_naming_the_preset_and_field()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => NodeProcess.StartAsync(
            [.. WebPreset, "--Transcode:Presets:web:0:Renditions:1:Height=721", "--Transcode:Presets:web:0:Renditions:1:VideoBitrate=2M"]));
        output.WriteLine(failure.Message);

        Assert.Contains("exited with code 2", failure.Message);
        Assert.Contains("refusing to start: Transcode:Presets:web: outputs[0].renditions[1].height: 721 must be even", failure.Message);
    }

    [Fact]
    public async Task Configured_presets_are_accepted_by_name_and_listed_when_a_name_is_unknown()
    {
        var media = await MediaFactory.GetAsync();
        await using var node = await NodeProcess.StartAsync(WebPreset, root => E2E.StockMediaRoot(media, root));
        await E2E.WithNodeLog(node, output, async () =>
        {
            var (status, body) = await node.Client.AddJobAsync(new { src_filename = E2E.Record, dst_dir = "og", outputs = "nope" });
            ErrorAssert.Is(-4, status, body, "an unknown preset");
            Assert.Equal("job.outputs: unknown preset 'nope' (known: abr-16x9, web)", body.GetProperty("err_msg").GetString());

            (status, body) = await node.Client.AddJobAsync(new { src_filename = E2E.Record, dst_dir = "og", dst_format = "mp4", outputs = "web" });
            ErrorAssert.Is(-4, status, body, "dst_format beside outputs");
            Assert.StartsWith("job.dst_format: not allowed with outputs", body.GetProperty("err_msg").GetString());

            // The job's output is the directory <dst_dir>/<source name>: one already there is -8, as a file is for a classic job.
            var taken = Path.Combine(node.MediaRoot, "og", Path.GetFileNameWithoutExtension(E2E.Record));
            Directory.CreateDirectory(taken);
            (status, body) = await node.Client.AddJobAsync(new { src_filename = E2E.Record, dst_dir = "og", outputs = "WEB" });
            ErrorAssert.Is(-8, status, body, "an output directory already in place");
            Assert.EndsWith($"{Path.Combine("og", "record")} already exists (set overwrite to replace it)", body.GetProperty("err_msg").GetString());
            Assert.Equal(HttpStatusCode.Conflict, status);
        });
    }
}
