using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>Configuration mistakes stop the node at start with a message that names the key, not a stack trace.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class ConfigurationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("--Transcode:Cluster:Seedz=akka.tcp://transcode@127.0.0.1:4053", "Transcode:Cluster:Seedz: unknown configuration key")]
    [InlineData("--Transcode:Worker:Slotz=2", "Transcode:Worker:Slotz: unknown configuration key")]
    [InlineData("--Transcode:Tasks:MaxAttempts=0", "Transcode:Tasks:MaxAttempts must be at least 1")]
    public async Task A_misspelt_or_invalid_key_stops_the_node_with_its_name(string argument, string message)
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => NodeProcess.StartAsync([argument]));
        output.WriteLine(failure.Message);
        Assert.Contains("exited with code 2", failure.Message);
        Assert.Contains("refusing to start: " + message, failure.Message);
        Assert.DoesNotContain("   at ", failure.Message);
    }

    [Fact]
    public async Task Lists_may_be_written_comma_separated_and_keys_in_any_case()
    {
        await using var node = await NodeProcess.StartAsync(["--transcode:worker:slots=2", "--Transcode:Auth:ClientTokens=first-client,second-client"]);
        using var second = new TranscodeClient(node.BaseUrl, "second-client");
        var (status, body) = await second.GetJobsAsync(new { type = 0, start_index = 0, limit = 1 });
        TranscodeClient.AssertOk(status, body, "get_jobs with the second of two comma-separated client tokens");
    }
}
