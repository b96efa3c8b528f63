using System.Text.RegularExpressions;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>Configuration mistakes stop the node at start with a message that names the key, not a stack trace.</summary>
[Collection(BesideEndToEndCollection.Name)]
public sealed class ConfigurationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("--Transcode:Cluster:Seedz=akka.tcp://transcode@127.0.0.1:4053", "Transcode:Cluster:Seedz: unknown configuration key")]
    [InlineData("--Transcode:Worker:Slotz=2", "Transcode:Worker:Slotz: unknown configuration key")]
    [InlineData("--Transcode:Tasks:MaxAttempts=0", "Transcode:Tasks:MaxAttempts must be at least 1")]
    [InlineData("--Transcode:Jobs:StartWindow=0", "Transcode:Jobs:StartWindow must be at least 1")]
    [InlineData("--Transcode:Jobs:CallbackAllowedNetworks=10.0.0.0/33", "Transcode:Jobs:CallbackAllowedNetworks: '10.0.0.0/33' is not a network")]
    [InlineData("--Transcode:Jobs:CallbackSecret=too-short", "Transcode:Jobs:CallbackSecret must be at least 16 characters")]
    [InlineData("--Transcode:Media:ProbeTimeoutSeconds=0", "Transcode:Media:ProbeTimeoutSeconds must be 1..3600")]
    [InlineData("--Transcode:Auth:AdminTokens=short-admin", "Transcode:Auth:AdminTokens: token 1 of 1 has 11 characters; tokens must have at least 16")]
    [InlineData("--Transcode:Auth:ClientTokens=a-long-enough-token,tiny", "Transcode:Auth:ClientTokens: token 2 of 2 has 4 characters; tokens must have at least 16")]
    [InlineData("--Transcode:Jobs:RetentionDays=-1", "Transcode:Jobs:RetentionDays must be 0..36500")]
    [InlineData("--Transcode:Dashboard:MaxFeedsPerToken=0", "Transcode:Dashboard:MaxFeeds and MaxFeedsPerToken must be at least 1")]
    [InlineData("--Transcode:Storage:Provider=postgres", "Transcode:Storage:ConnectionString is required with Transcode:Storage:Provider=postgres")]
    [InlineData("--Transcode:Worker:AllowedNetworks=10.0.0.0/8,127.0.0.1", "Transcode:Worker:AllowedNetworks: '127.0.0.1' is not a network in CIDR form")]
    [InlineData("--Transcode:Worker:MaxUploadBytes=0", "Transcode:Worker:MaxWorkersPerAddress and MaxUploadBytes must be at least 1")]
    [InlineData("--Transcode:Presets:web:0:Type=hls", "Transcode:Presets:web: outputs[0].renditions: required field is missing")]
    [InlineData("--Transcode:Presets:web:0:Heigth=720", "Transcode:Presets:web:0:Heigth: unknown configuration key")]
    [InlineData("--Transcode:Presets:abr-16x9:0:Type=thumbnails", "Transcode:Presets:abr-16x9: is a built-in preset; choose another name")]
    public async Task A_misspelt_or_invalid_key_stops_the_node_with_its_name(string argument, string message)
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => NodeProcess.StartAsync([argument]));
        output.WriteLine(failure.Message);
        Assert.Contains("exited with code 2", failure.Message);
        Assert.Contains("refusing to start: " + message, failure.Message);
        Assert.DoesNotContain("   at ", failure.Message);
    }

    [Theory]
    [InlineData("0.0.0.0", "127.0.0.1", "0.0.0.0")]
    [InlineData("127.0.0.1", "node1.example", "node1.example")]
    public async Task A_node_whose_remoting_reaches_beyond_loopback_without_TLS_refuses_to_start(string hostname, string publicHostname, string named)
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => NodeProcess.StartAsync(
            [$"--Transcode:Cluster:Hostname={hostname}", $"--Transcode:Cluster:PublicHostname={publicHostname}"]));
        output.WriteLine(failure.Message);
        Assert.Contains("exited with code 2", failure.Message);
        Assert.Contains($"refusing to start: Akka remoting would listen beyond loopback ({named}) without TLS: set " +
                        "Transcode:Cluster:Tls:CertificatePath (and CertificatePassword), or Transcode:Cluster:AllowInsecureRemoting=true", failure.Message);
    }

    [Fact]
    public async Task With_AllowInsecureRemoting_a_node_listening_beyond_loopback_starts_and_warns()
    {
        await using var node = await NodeProcess.StartAsync(["--Transcode:Cluster:Hostname=0.0.0.0",
            "--Transcode:Cluster:PublicHostname=127.0.0.1", "--Transcode:Cluster:AllowInsecureRemoting=true"]);
        var (status, body) = await node.Client.GetJobsAsync(new { type = 0, start_index = 0, limit = 1 });
        TranscodeClient.AssertOk(status, body, "get_jobs on a node with insecure remoting allowed");
        Assert.True(await E2E.Eventually(() => node.LogSince(0, int.MaxValue).Contains(
            "Transcode:Cluster:AllowInsecureRemoting=true: Akka remoting listens beyond loopback (0.0.0.0) without TLS"), TimeSpan.FromSeconds(10)),
            "no warning about insecure remoting in the log");
    }

    [Fact]
    public async Task Lists_may_be_written_comma_separated_and_keys_in_any_case()
    {
        await using var node = await NodeProcess.StartAsync(["--transcode:worker:slots=2", "--Transcode:Auth:ClientTokens=first-client-token,second-client-token"]);
        using var second = new TranscodeClient(node.BaseUrl, "second-client-token");
        var (status, body) = await second.GetJobsAsync(new { type = 0, start_index = 0, limit = 1 });
        TranscodeClient.AssertOk(status, body, "get_jobs with the second of two comma-separated client tokens");
    }

    [Fact]
    public async Task With_WarmUp_false_a_master_is_ready_without_either_warm_up_and_still_runs_a_job()
    {
        var media = await MediaFactory.GetAsync();
        await using var node = await NodeProcess.StartAsync(["--Transcode:WarmUp=false"], root => E2E.StockMediaRoot(media, root));
        Assert.DoesNotContain(node.LinesSince(node.StartedAt), l => l.Line.Contains("warm-up took"));
        var id = await node.Client.AddJobOkAsync(new { src_filename = E2E.Short, dst_dir = "cold", dst_format = "ts" });
        await node.Client.WaitForJobCompletedAsync(id, TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Without_a_connection_string_the_database_follows_the_data_directory()
    {
        var root = Directory.CreateTempSubdirectory("akka-transcode-datadir-").FullName;
        try
        {
            var state = Path.Combine(root, "state");
            await using (var node = await NodeProcess.StartAsync([$"--Transcode:DataDir={state}"]))
            {
                var (status, body) = await node.Client.GetJobsAsync(new { type = 0, start_index = 0, limit = 1 });
                TranscodeClient.AssertOk(status, body, "get_jobs on a node whose data directory was moved");
                Assert.True(File.Exists(Path.Combine(state, "transcode.db")), $"no database in {state}");
                // The node's working directory holds no database of its own (the old default, data/ under it).
                Assert.False(File.Exists(Path.Combine(node.RootDir, "data", "transcode.db")), "a database was created under the working directory");
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>
    /// Every default the README's configuration table gives as one plain value (a number, a word, true or false) is
    /// the node's own: the options classes take their defaults from the actors' settings and the domain records, so
    /// a default changed there must be changed in the table too.
    /// </summary>
    [Fact]
    public void The_configuration_tables_plain_defaults_are_the_nodes_own()
    {
        var readme = File.ReadAllText(Path.Combine(DeploymentFiles.RepoRoot, "README.md"));
        var rows = Regex.Matches(readme, @"^\| `(Transcode:[A-Za-z:]+)` \| (`[^`\s|]+`|-?[0-9.]+) \|", RegexOptions.Multiline)
            .Select(m => (Key: m.Groups[1].Value, Value: m.Groups[2].Value.Trim('`'))).ToList();
        foreach (var (key, value) in rows)
        {
            // "Hostname": unset, the node advertises its Hostname.
            if (key == "Transcode:Cluster:PublicHostname") continue;
            if (!OptionKeys.Defaults.TryGetValue(key, out var actual))
            {
                // Lists have no single default to compare (Media:Roots' "media" is applied when none is given).
                Assert.True(OptionKeys.Leaves.TryGetValue(key, out var type) && type.IsGenericType, $"README documents {key}, which the node does not have");
                continue;
            }
            output.WriteLine($"{key}: README {value}, node {actual}");
            Assert.True(string.Equals(value, actual, StringComparison.OrdinalIgnoreCase), $"{key}: README says {value}, the node defaults to {actual}");
        }
        // The table's numeric tunables are all plain values: a regex that stopped matching would pass with none.
        Assert.Contains(rows, r => r.Key == "Transcode:Planning:MaxTaskSeconds" && r.Value == "60");
        Assert.Contains(rows, r => r.Key == "Transcode:Tasks:MaxAttempts" && r.Value == "3");
        Assert.Contains(rows, r => r.Key == "Transcode:Jobs:StartWindow" && r.Value == "64");
        Assert.Contains(rows, r => r.Key == "Transcode:Jobs:StartWindowPerSlot" && r.Value == "4");
        Assert.True(rows.Count >= 30, $"only {rows.Count} rows of the configuration table were read");
    }
}
