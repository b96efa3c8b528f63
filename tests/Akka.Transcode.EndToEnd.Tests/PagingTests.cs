using System.Text.Json;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.TranscodeClient;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>get_jobs paging on a node of its own, so that <c>total</c> counts only this test's jobs.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class PagingTests(MediaFixture media, ITestOutputHelper output)
{
    private const int JobCount = 25;

    [Fact]
    public async Task Get_jobs_pages_through_every_job_newest_first_or_oldest_first()
    {
        await using var node = await NodeProcess.StartAsync(prepareMedia: root => E2E.StockMediaRoot(media.Media, root));
        await E2E.WithNodeLog(node, output, async () =>
        {
            var client = node.Client;
            var submitted = new List<string>();
            for (var i = 0; i < JobCount; i++)
                submitted.Add(await client.AddJobOkAsync(new
                {
                    src_filename = E2E.Short, dst_dir = $"paging/{i:D2}", dst_format = i % 2 == 0 ? "ts" : "mp4",
                }));
            Assert.Equal(JobCount, submitted.Distinct().Count());

            // The list is an eventually consistent read model: wait until it has caught up.
            var caughtUp = await E2E.Eventually(async () =>
                Total(await Page(client, 0, 10, null)) == JobCount, TimeSpan.FromSeconds(30));
            Assert.True(caughtUp, $"get_jobs total never reached {JobCount}: {await Page(client, 0, 10, null)}");

            var desc = new List<string>();
            foreach (var (start, expected) in new[] { (0, 10), (10, 10), (20, 5) })
            {
                var page = await Page(client, start, 10, null);
                Assert.Equal(start, page.GetProperty("start_index").GetInt32());
                Assert.Equal(JobCount, Total(page));
                var jobs = page.GetProperty("jobs").EnumerateArray().ToList();
                Assert.Equal(expected, jobs.Count);
                Assert.Equal(expected, page.GetProperty("num_jobs").GetInt32());
                desc.AddRange(jobs.Select(j => j.GetProperty("id").GetString()!));
            }
            Assert.Equal(JobCount, desc.Distinct().Count());
            Assert.Equal(submitted.AsEnumerable().Reverse(), desc); // newest first by default

            var asc = new List<string>();
            foreach (var start in new[] { 0, 10, 20 })
                asc.AddRange((await Page(client, start, 10, "asc")).GetProperty("jobs").EnumerateArray()
                    .Select(j => j.GetProperty("id").GetString()!));
            Assert.Equal(submitted, asc);

            var explicitDesc = (await Page(client, 0, 10, "desc")).GetProperty("jobs").EnumerateArray()
                .Select(j => j.GetProperty("id").GetString()!);
            Assert.Equal(desc.Take(10), explicitDesc);

            foreach (var limit in new[] { 0, 1001 })
            {
                var (status, body) = await client.GetJobsAsync(new { type = 0, start_index = 0, limit, sortby = "time" });
                ErrorAssert.Is(-4, status, body, $"get_jobs limit {limit}");
            }
        });
    }

    private static async Task<JsonElement> Page(TranscodeClient client, int start, int limit, string? order)
    {
        var request = order is null
            ? (object)new { type = 0, start_index = start, limit, sortby = "time" }
            : new { type = 0, start_index = start, limit, sortby = "time", order };
        var (status, body) = await client.GetJobsAsync(request);
        AssertOk(status, body, "get_jobs");
        return body;
    }

    private static int Total(JsonElement page) => page.GetProperty("total").GetInt32();
}
