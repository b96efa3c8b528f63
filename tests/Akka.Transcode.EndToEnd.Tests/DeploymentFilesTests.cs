using System.Text.RegularExpressions;
using Akka.Transcode.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.DeploymentFiles;
using static Akka.Transcode.EndToEnd.Tests.Infrastructure.Deployments;

namespace Akka.Transcode.EndToEnd.Tests;

/// <summary>
/// The deployment files (docker/, ops/k8s, ops/systemd) parsed and checked against each other and against the
/// node's options. No Docker engine or Kubernetes runs on the build machines, so this is what can be checked
/// here; ContainerEnvironmentTests then starts nodes with the environments these files give.
/// </summary>
[Collection(BesideEndToEndCollection.Name)]
public sealed class DeploymentFilesTests(ITestOutputHelper output)
{
    /// <summary>The issue's three nodes.</summary>
    private static readonly Dictionary<string, string> ComposeRoles = new()
    {
        ["node1"] = "api,master", ["node2"] = "master,worker", ["node3"] = "worker",
    };

    private static int HttpPort(IReadOnlyDictionary<string, string> env) => new Uri(env["Transcode__Http__Url"]).Port;

    private static int ClusterPort(IReadOnlyDictionary<string, string> env) => int.Parse(env["Transcode__Cluster__Port"]);

    private static bool HasStorage(string roles) => List(roles).Any(r => r is "api" or "master");

    [Fact]
    public void The_Dockerfile_builds_every_project_and_runs_the_node_as_a_non_root_user_with_ffmpeg_and_the_cli()
    {
        var lines = DockerfileLines();
        var final = FinalStage(lines);
        var build = lines.Take(lines.Count - final.Count).ToList();

        // Restore runs on the project files copied first: each project of src/ must be among them.
        foreach (var csproj in Directory.GetFiles(PathOf("src"), "*.csproj", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(RepoRoot, csproj).Replace('\\', '/');
            Assert.Contains(build, l => l.StartsWith("COPY ") && l.Contains(relative));
        }
        Assert.Contains(build, l => l.StartsWith("RUN ") && l.Contains("dotnet publish src/Akka.Transcode.Node/Akka.Transcode.Node.csproj") && l.Contains("-o /out/node"));
        Assert.Contains(build, l => l.StartsWith("RUN ") && l.Contains("dotnet publish src/Akka.Transcode.Cli/Akka.Transcode.Cli.csproj") && l.Contains("-o /out/cli"));

        Assert.Matches(@"^FROM mcr\.microsoft\.com/dotnet/aspnet:10\.0", final[0]);
        Assert.Matches(@"^FROM mcr\.microsoft\.com/dotnet/sdk:10\.0", build[0]);
        Assert.Contains(final, l => l.StartsWith("RUN apt-get update") && Regex.IsMatch(l, @"apt-get install .*\bffmpeg\b.*\bcurl\b"));
        Assert.Contains("COPY --from=build /out/node /app/node", final);
        Assert.Contains("COPY --from=build /out/cli /app/cli", final);
        Assert.Contains(final, l => l.Contains("/usr/local/bin/akka-transcode") && l.Contains("exec dotnet /app/cli/akka-transcode.dll"));
        Assert.Equal("ENTRYPOINT [\"dotnet\", \"/app/node/Akka.Transcode.Node.dll\"]", final.Single(l => l.StartsWith("ENTRYPOINT")));
        Assert.DoesNotContain(final, l => l.StartsWith("CMD "));

        var user = final.Last(l => l.StartsWith("USER ")).Split(' ')[1].Split(':');
        Assert.True(int.TryParse(user[0], out var uid) && uid > 0, $"USER must be a numeric non-root uid (Kubernetes runAsNonRoot checks it): {user[0]}");
        Assert.Contains(final, l => l.StartsWith("RUN useradd") && l.Contains($"--uid {uid}"));

        Assert.Contains(final, l => l.StartsWith("HEALTHCHECK") && l.Contains("curl -fsS -o /dev/null http://127.0.0.1:8080/readyz"));
        Assert.Equal("EXPOSE 8080 4053", final.Single(l => l.StartsWith("EXPOSE")));
        // The base image's ASPNETCORE_HTTP_PORTS=8080 is cleared; the image sets no node configuration itself.
        var env = ImageEnvironment();
        Assert.Equal("", env["ASPNETCORE_HTTP_PORTS"]);
        Assert.Empty(OptionKeys.Problems(env));
        Assert.DoesNotContain(env.Keys, OptionKeys.IsTranscodeKey);
    }

    [Fact]
    public void The_compose_file_parses_and_its_nodes_agree_with_each_other_the_image_and_the_options()
    {
        var text = ComposeText();
        var dotEnv = DotEnvExample();
        // docker/.env.example defines exactly the variables compose interpolates.
        Assert.Equal(ComposeVariables(text).Order(), dotEnv.Keys.Order());

        var services = ComposeServices();
        Assert.Equal(new[] { "node1", "node2", "node3", "postgres" }, services.Keys.Cast<string>().Order());
        var doc = LoadYaml(Interpolate(text, dotEnv)).Single();
        var namedVolumes = Map(Get(doc, "volumes"), "volumes").Keys.Cast<string>().ToHashSet();

        var postgres = services["postgres"];
        Assert.Equal("postgres:15", Str(Get(postgres, "image"), "image"));
        Assert.Contains("pg_isready", Seq(Get(postgres, "healthcheck.test"), "test").Cast<string>());
        var pgEnv = ComposeEnvironment(postgres);

        var envs = ComposeRoles.Keys.ToDictionary(s => s, s => ComposeContainerEnvironment(services[s]));
        string? mediaRoot = null;
        foreach (var (name, env) in envs)
        {
            var service = services[name];
            Assert.Empty(OptionKeys.Problems(env));
            Assert.Equal(ComposeRoles[name], env["Transcode__Roles"]);
            Assert.Null(TryGet(service, "command"));
            Assert.Null(TryGet(service, "entrypoint"));
            Assert.Equal("../", Str(Get(service, "build.context"), "context").TrimEnd('/') + "/");
            Assert.Equal("docker/Dockerfile", Str(Get(service, "build.dockerfile"), "dockerfile"));

            // Remoting: every address in the container, advertised under the service name the others resolve.
            Assert.Equal("0.0.0.0", env["Transcode__Cluster__Hostname"]);
            Assert.Equal(name, env["Transcode__Cluster__PublicHostname"]);
            Assert.Equal("0.0.0.0", new Uri(env["Transcode__Http__Url"]).Host);
            // Remoting beyond loopback needs TLS or the explicit allowance, which holds only while the remoting port
            // stays on the project's own network (published on no host port).
            Assert.Equal("true", env.GetValueOrDefault("Transcode__Cluster__AllowInsecureRemoting"));
            Assert.DoesNotContain(Seq(TryGet(service, "ports") ?? new List<object>(), "ports").Cast<string>(),
                p => p.EndsWith($":{ClusterPort(env)}", StringComparison.Ordinal));
            foreach (var scope in new[] { "Client", "Worker", "Admin" })
                Assert.NotEmpty(List(env[$"Transcode__Auth__{scope}Tokens"]));

            // Every node mounts the one media volume where its media root is (jobs carry absolute paths).
            var root = List(env["Transcode__Media__Roots"]).Single();
            mediaRoot ??= root;
            Assert.Equal(mediaRoot, root);
            Assert.Contains($"media:{root}", Seq(Get(service, "volumes"), "volumes").Cast<string>());
            Assert.Contains("media", namedVolumes);

            var test = Seq(Get(service, "healthcheck.test"), "test").Cast<string>().ToList();
            Assert.Equal("CMD", test[0]);
            Assert.Contains($"http://127.0.0.1:{HttpPort(env)}/readyz", test);
            Assert.True(Seconds(Str(Get(service, "stop_grace_period"), "stop_grace_period")) >= 30,
                "stop_grace_period below 30 s: docker's SIGKILL may cut the leave short (worker drain up to 8 s, then the hand-off)");

            var dependsOn = Map(TryGet(service, "depends_on") ?? new Dictionary<object, object>(), "depends_on");
            foreach (var (target, how) in dependsOn)
            {
                Assert.Equal("service_healthy", Str(Get(how, "condition"), $"{name} depends_on {target}"));
                Assert.NotNull(TryGet(services[target], "healthcheck"));
            }

            if (HasStorage(env["Transcode__Roles"]))
            {
                Assert.Equal("postgres", env["Transcode__Storage__Provider"]);
                var cs = new Npgsql.NpgsqlConnectionStringBuilder(env["Transcode__Storage__ConnectionString"]);
                Assert.Equal("postgres", cs.Host);
                Assert.Equal(5432, cs.Port);
                Assert.Equal(pgEnv["POSTGRES_USER"], cs.Username);
                Assert.Equal(pgEnv["POSTGRES_PASSWORD"], cs.Password);
                Assert.Equal(pgEnv["POSTGRES_DB"], cs.Database);
                Assert.Contains("postgres", dependsOn.Keys.Cast<string>());
            }
            else
            {
                Assert.DoesNotContain(env.Keys, k => k.StartsWith("Transcode__Storage__", StringComparison.Ordinal));
            }
            output.WriteLine($"{name}: roles {env["Transcode__Roles"]}, depends on {string.Join(", ", dependsOn.Keys)}");
        }

        // Seeds: the same list everywhere, naming master nodes by service name and remoting port. The first seed
        // starts the cluster; every other node waits until it is healthy.
        var seeds = envs.Values.Select(e => e["Transcode__Cluster__Seeds"]).Distinct().Single();
        var seedServices = List(seeds).Select(Seed).Select(s =>
        {
            Assert.True(envs.ContainsKey(s.Host), $"seed {s.Host} is not a node service");
            Assert.Contains("master", List(envs[s.Host]["Transcode__Roles"]));
            Assert.Equal(ClusterPort(envs[s.Host]), s.Port);
            return s.Host;
        }).ToList();
        foreach (var other in envs.Keys.Where(s => s != seedServices[0]))
            Assert.Contains(seedServices[0], Map(Get(services[other], "depends_on"), "depends_on").Keys.Cast<string>());

        // The api node publishes its HTTP port; the image exposes the ports the nodes use.
        Assert.Contains($"{HttpPort(envs["node1"])}:{HttpPort(envs["node1"])}", Seq(Get(services["node1"], "ports"), "ports").Cast<string>());
        Assert.All(envs.Values, e => Assert.Contains($"EXPOSE {HttpPort(e)} {ClusterPort(e)}", FinalStage(DockerfileLines())));
    }

    [Fact]
    public void The_kubernetes_manifests_parse_and_give_a_statefulset_with_stable_seeds_probes_and_a_leaving_prestop()
    {
        var docs = KubernetesDocuments();
        output.WriteLine(string.Join(", ", docs.Select(d => $"{d["kind"]}/{Get(d, "metadata.name")}")));
        var sts = KubeObject(docs, "StatefulSet");
        var secret = KubeObject(docs, "Secret");
        var pvc = KubeObject(docs, "PersistentVolumeClaim");
        var headlessName = Str(Get(sts, "spec.serviceName"), "serviceName");
        var headless = KubeObject(docs, "Service", headlessName);
        var stsName = Str(Get(sts, "metadata.name"), "name");

        Assert.Equal("None", Str(Get(headless, "spec.clusterIP"), "clusterIP"));
        Assert.Equal("true", Str(Get(headless, "spec.publishNotReadyAddresses"), "publishNotReadyAddresses"));
        var labels = Map(Get(sts, "spec.template.metadata.labels"), "labels");
        Assert.Equal(labels, Map(Get(sts, "spec.selector.matchLabels"), "matchLabels"));
        foreach (var service in docs.Where(d => (string)d["kind"] == "Service"))
            Assert.Equal(labels, Map(Get(service, "spec.selector"), "selector"));

        var container = NodeContainer(sts);
        var env = PodEnvironment(container, secret, podName: null);
        Assert.Empty(OptionKeys.Problems(env, "POD_NAME"));
        var replicas = int.Parse(Str(Get(sts, "spec.replicas"), "replicas"));
        Assert.True(replicas >= 3, "fail-over of a master needs three master-capable nodes (keep-majority)");
        Assert.Contains("master", List(env["Transcode__Roles"]));

        // Stable addresses: each pod advertises <pod>.<headless service>, and the seeds are those of the pods.
        Assert.Equal("0.0.0.0", env["Transcode__Cluster__Hostname"]);
        Assert.Equal($"$(POD_NAME).{headlessName}", env["Transcode__Cluster__PublicHostname"]);
        var clusterPort = ClusterPort(env);
        // Remoting without TLS only behind a NetworkPolicy that lets no one but the node pods reach its port.
        Assert.Equal("true", env.GetValueOrDefault("Transcode__Cluster__AllowInsecureRemoting"));
        var policy = KubeObject(docs, "NetworkPolicy");
        Assert.Equal(labels, Map(Get(policy, "spec.podSelector.matchLabels"), "podSelector"));
        Assert.Contains("Ingress", Seq(Get(policy, "spec.policyTypes"), "policyTypes").Cast<string>());
        var rules = Seq(Get(policy, "spec.ingress"), "ingress").Select(r => Map(r, "rule")).ToList();
        bool Covers(Dictionary<object, object> rule) => TryGet(rule, "ports") is not { } ports
            || Seq(ports, "ports").Any(p => Str(Get(p, "port"), "port") == clusterPort.ToString());
        Assert.Contains(rules, Covers);
        foreach (var rule in rules.Where(Covers))
        {
            var from = Seq(Get(rule, "from"), "from").Select(f => Map(f, "peer")).ToList();
            Assert.All(from, f => Assert.Equal(labels, Map(Get(f, "podSelector.matchLabels"), "matchLabels")));
            Assert.All(from, f => Assert.Null(TryGet(f, "namespaceSelector")));
            Assert.All(from, f => Assert.Null(TryGet(f, "ipBlock")));
        }
        var seeds = List(env["Transcode__Cluster__Seeds"]).Select(Seed).ToList();
        Assert.NotEmpty(seeds);
        for (var i = 0; i < seeds.Count; i++)
        {
            Assert.Equal($"{stsName}-{i}.{headlessName}", seeds[i].Host);
            Assert.Equal(clusterPort, seeds[i].Port);
        }
        Assert.True(seeds.Count <= replicas);

        var ports = Seq(Get(container, "ports"), "ports").Select(p => Map(p, "port"))
            .ToDictionary(p => Str(p["name"], "port name"), p => int.Parse(Str(p["containerPort"], "containerPort")));
        Assert.Equal(HttpPort(env), ports["http"]);
        Assert.Equal(clusterPort, ports["remoting"]);
        Assert.Equal(clusterPort.ToString(), Str(Get(Seq(Get(headless, "spec.ports"), "ports").Single(), "port"), "port"));

        Assert.Equal("/readyz", Str(Get(container, "readinessProbe.httpGet.path"), "path"));
        Assert.Equal("http", Str(Get(container, "readinessProbe.httpGet.port"), "port"));
        Assert.Equal("/healthz", Str(Get(container, "livenessProbe.httpGet.path"), "path"));
        Assert.Equal("http", Str(Get(container, "livenessProbe.httpGet.port"), "port"));

        var preStop = PreStopCommand(container);
        Assert.Equal(new[] { "/bin/sh", "-c" }, preStop.Take(2));
        Assert.Contains("akka-transcode", preStop[2]);
        Assert.Contains("cluster leave", preStop[2]);
        Assert.True(int.Parse(Str(Get(sts, "spec.template.spec.terminationGracePeriodSeconds"), "grace")) >= 30,
            "the grace period must cover the worker drain (up to 8 s) and the hand-off");

        // Media: the RWX claim at the media root; the pod runs as the image's user.
        Assert.Equal(new[] { "ReadWriteMany" }, Seq(Get(pvc, "spec.accessModes"), "accessModes").Cast<string>());
        var mount = Map(Seq(Get(container, "volumeMounts"), "volumeMounts").Single(), "mount");
        Assert.Equal(List(env["Transcode__Media__Roots"]).Single(), Str(mount["mountPath"], "mountPath"));
        var volume = Map(Seq(Get(sts, "spec.template.spec.volumes"), "volumes").Single(v => Get(v, "name").Equals(mount["name"])), "volume");
        Assert.Equal(Get(pvc, "metadata.name"), Get(volume, "persistentVolumeClaim.claimName"));
        var uid = FinalStage(DockerfileLines()).Last(l => l.StartsWith("USER ")).Split(' ')[1].Split(':')[0];
        Assert.Equal(uid, Str(Get(sts, "spec.template.spec.securityContext.runAsUser"), "runAsUser"));
        Assert.Equal("true", Str(Get(sts, "spec.template.spec.securityContext.runAsNonRoot"), "runAsNonRoot"));
    }

    [Fact]
    public async Task The_systemd_unit_runs_the_node_as_its_own_user_restarts_it_and_gives_it_time_to_leave()
    {
        var unit = SystemdUnit();
        var service = unit["Service"];
        string One(string key) => Assert.Single(service[key]);
        Assert.Matches(@"^/usr/bin/dotnet /opt/akka-transcode/node/Akka\.Transcode\.Node\.dll$", One("ExecStart"));
        Assert.NotEqual("root", One("User"));
        Assert.Equal("SIGTERM", One("KillSignal"));
        Assert.Equal("mixed", One("KillMode"));
        Assert.True(double.Parse(One("TimeoutStopSec")) >= 30);
        // A node the cluster downs exits with 0 (AdminTests' down makes it exit), so on-failure would not restart it.
        Assert.Equal("always", One("Restart"));
        Assert.Equal("/etc/akka-transcode/node.env", One("EnvironmentFile"));
        Assert.Equal("multi-user.target", Assert.Single(unit["Install"]["WantedBy"]));

        var env = ReadEnvFile(PathOf(SystemdEnvPath));
        Assert.Empty(OptionKeys.Problems(env));
        Assert.Equal($"/var/lib/{One("StateDirectory")}", env["Transcode__DataDir"]);
        Assert.Equal(env["Transcode__DataDir"], One("WorkingDirectory"));
        var host = env["Transcode__Cluster__Hostname"];
        // A node on a real address speaks remoting TLS.
        Assert.False(string.IsNullOrWhiteSpace(env.GetValueOrDefault("Transcode__Cluster__Tls__CertificatePath")), "no remoting TLS certificate");
        Assert.Null(env.GetValueOrDefault("Transcode__Cluster__AllowInsecureRemoting"));
        Assert.Contains(List(env["Transcode__Cluster__Seeds"]).Select(Seed), s => s.Host == host && s.Port == ClusterPort(env));
        Assert.Equal(host, new Uri(env["Transcode__Http__Url"]).Host);

        if (!File.Exists("/usr/bin/systemd-analyze"))
        {
            output.WriteLine("systemd-analyze is not installed here: the unit was parsed only");
            return;
        }
        // verify reports problems (unknown keys, bad values, a missing binary) on stderr and may still exit 0.
        var dir = Directory.CreateTempSubdirectory("akka-transcode-unit-").FullName;
        try
        {
            var copy = Path.Combine(dir, Path.GetFileName(SystemdUnitPath));
            File.Copy(PathOf(SystemdUnitPath), copy);
            var r = await Proc.RunAsync("/usr/bin/systemd-analyze", ["verify", copy], TimeSpan.FromSeconds(60));
            output.WriteLine($"systemd-analyze verify: exit {r.ExitCode}\n{r.StdOut}{r.StdErr}");
            var problems = (r.StdOut + r.StdErr).Split('\n').Where(l => l.Contains("akka-transcode", StringComparison.Ordinal))
                .Where(l => File.Exists("/usr/bin/dotnet") || !l.Contains("/usr/bin/dotnet", StringComparison.Ordinal)).ToList();
            // Without /usr/bin/dotnet here verify fails on ExecStart's binary alone, which says nothing of the unit.
            if (File.Exists("/usr/bin/dotnet")) Assert.Equal(0, r.ExitCode);
            Assert.Empty(problems);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
