using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.DeploymentFiles;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.Deployments;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>
/// Real nodes started with exactly the environment a deployment file gives them (the image's ENV plus the
/// compose service's or the pod's), changed only by <see cref="ContainerEnvironment"/>'s rules for
/// what cannot exist on this machine (service names, container ports and paths, the PostgreSQL server).
/// </summary>
[Collection(BesideEndToEndCollection.Name)]
public sealed class ContainerEnvironmentTests(ITestOutputHelper output)
{
    private static readonly string CliDll =
        typeof(ContainerEnvironmentTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "CliDll").Value!;

    private async Task<(NodeProcess Node, IReadOnlyDictionary<string, string> Env)> StartAsync(IReadOnlyDictionary<string, string> container)
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        IReadOnlyDictionary<string, string>? used = null;
        var node = await NodeProcess.StartWithEnvironmentAsync(n =>
        {
            used = ContainerEnvironment.ForThisMachine(container, n, database);
            foreach (var (k, v) in used.OrderBy(kv => kv.Key))
                output.WriteLine(container.TryGetValue(k, out var was) && was != v ? $"{k}={v}   (file: {was})" : $"{k}={v}");
            return used;
        });
        return (node, used!);
    }

    private static async Task<JsonElement> SelfMember(NodeProcess node, string adminToken)
    {
        using var admin = new TranscodeClient(node.BaseUrl, adminToken, () => node.LogTail());
        var (status, show) = await admin.GetAsync("admin/cluster/show", new Dictionary<string, string>());
        TranscodeClient.AssertOk(status, show, "admin/cluster/show");
        var self = show.GetProperty("self_address").GetString();
        return show.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("address").GetString() == self);
    }

    [Fact]
    public async Task A_node_listening_on_every_address_without_a_public_hostname_refuses_to_start()
    {
        // Akka would advertise 0.0.0.0 as the node's address, which no other node can reach.
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => NodeProcess.StartAsync(["--Transcode:Cluster:Hostname=0.0.0.0"]));
        output.WriteLine(failure.Message);
        Assert.Contains("exited with code", failure.Message);
        Assert.Contains("Transcode:Cluster:Hostname listens on every address (0.0.0.0): set Transcode:Cluster:PublicHostname", failure.Message);
    }

    [Fact]
    public async Task The_compose_api_master_node_starts_with_its_compose_environment_and_answers_with_the_env_file_tokens()
    {
        var dotEnv = DotEnvExample();
        var (node, env) = await StartAsync(ComposeContainerEnvironment(ComposeServices()["node1"]));
        await using var _ = node;
        await E2E.WithNodeLog(node, output, async () =>
        {
            // Ready (StartWithEnvironmentAsync waited for /readyz): joined as Up through its own seed, database open.
            using var client = new TranscodeClient(node.BaseUrl, List(dotEnv["TRANSCODE_CLIENT_TOKENS"])[0], () => node.LogTail());
            var (status, jobs) = await client.GetJobsAsync(new { type = 0, start_index = 0, limit = 10 });
            TranscodeClient.AssertOk(status, jobs, "get_jobs with the client token of docker/.env.example");
            var (refusedStatus, refused) = await client.PostAsync("master/get_jobs", new { type = 0 }, token: "");
            ErrorAssert.Is(-5, refusedStatus, refused, "get_jobs without a token");

            // The cluster address carries the public host name, not the 0.0.0.0 remoting listens on.
            var self = await SelfMember(node, List(dotEnv["TRANSCODE_ADMIN_TOKENS"])[0]);
            Assert.Equal($"akka.tcp://transcode@127.0.0.1:{node.ClusterPort}", self.GetProperty("address").GetString());
            Assert.Equal(new[] { "api", "master" }, self.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!));
            Assert.Equal("Up", self.GetProperty("status").GetString());

            // The journal's database is the one the compose connection string names (as rewritten).
            await using (var c = new NpgsqlConnection(env["Transcode__Storage__ConnectionString"]))
            {
                await c.OpenAsync();
                await using var cmd = new NpgsqlCommand("SELECT to_regclass('job_list') IS NOT NULL", c);
                Assert.True((bool)(await cmd.ExecuteScalarAsync())!, "the node did not create its job list in the compose database");
            }
            Assert.True(Directory.Exists(env["Transcode__Media__Roots"]), "the media root was not created where the compose file puts it");
            // The image clears ASPNETCORE_HTTP_PORTS, so nothing competes with Transcode:Http:Url.
            Assert.DoesNotContain("Overriding HTTP_PORTS", node.LogSince(0, int.MaxValue));
        });
    }

    [Fact]
    public async Task The_kubernetes_pod_environment_starts_a_node_and_its_preStop_hook_makes_it_leave_and_exit()
    {
        var docs = KubernetesDocuments();
        var sts = KubeObject(docs, "StatefulSet");
        var container = NodeContainer(sts);
        var secret = KubeObject(docs, "Secret");
        var podEnv = PodEnvironment(container, secret, $"{Get(sts, "metadata.name")}-0");
        var env = ImageEnvironment();
        foreach (var (k, v) in podEnv) env[k] = v;

        var (node, used) = await StartAsync(env);
        await using var _ = node;
        await E2E.WithNodeLog(node, output, async () =>
        {
            var adminToken = List(podEnv["Transcode__Auth__AdminTokens"])[0];
            var self = await SelfMember(node, adminToken);
            Assert.Equal($"akka.tcp://transcode@127.0.0.1:{node.ClusterPort}", self.GetProperty("address").GetString());
            Assert.Equal(new[] { "api", "master", "worker" }, self.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!));

            // The hook as the kubelet runs it inside the container: the container's environment, with the image's
            // akka-transcode on PATH (here a wrapper around the built CLI) and curl (installed in the image).
            var bin = Directory.CreateDirectory(Path.Combine(node.RootDir, "bin")).FullName;
            var wrapper = Path.Combine(bin, "akka-transcode");
            await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\nexec dotnet '{CliDll}' \"$@\"\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var hookEnv = new Dictionary<string, string>(used) { ["PATH"] = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}" };
            var command = PreStopCommand(container);

            var sw = Stopwatch.StartNew();
            var hook = Proc.RunAsync(command[0], command.Skip(1), TimeSpan.FromSeconds(60), environment: hookEnv);
            var exitCode = await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
            var exited = sw.Elapsed;
            var hookResult = await hook;
            output.WriteLine($"preStop: exit {hookResult.ExitCode} after {sw.Elapsed.TotalSeconds:0.0} s\n{hookResult.StdOut}{hookResult.StdErr}");
            output.WriteLine($"node exited with {exitCode?.ToString() ?? "nothing (still running)"} {exited.TotalSeconds:0.0} s after the hook started");

            Assert.Equal(0, exitCode);
            Assert.Equal(0, hookResult.ExitCode);
            Assert.Contains($"leave: akka.tcp://transcode@127.0.0.1:{node.ClusterPort}", hookResult.StdOut);
            // Left through the cluster (the hook's leave), not through a signal: nothing sent the node one.
            Assert.Contains("CoordinatedShutdown invoked due to [Reason:Akka.Actor.CoordinatedShutdown+ClusterLeavingReason]",
                node.LogSince(0, int.MaxValue));
        });
    }
}
