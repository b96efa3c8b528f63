using System.Net;
using Akka.Actor;
using Akka.Transcode.Actors.Storage;
using Akka.Transcode.Media.Paths;
using Akka.Transcode.Media.Probing;
using Akka.Transcode.Node.Api;
using Akka.Transcode.Node.Cluster;
using Akka.Transcode.Node.Configuration;
using Akka.Transcode.Node.Observability;
using Akka.Transcode.Node.Startup;
using Akka.Transcode.Protocol.Auth;

// One executable for every role (PROTOCOL.md, "Running a node"). With no arguments it is a whole single-node
// system: SQLite under data/, media under media/, HTTP on 127.0.0.1:8080.
// appsettings.json is read from next to the binary, not from wherever the node was started: its log levels keep
// per-request logging off, which otherwise costs CPU that ffmpeg needs.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
TranscodeOptions options;
try
{
    options = OptionsLoader.Load(builder.Configuration);
}
catch (InvalidOperationException e)
{
    // A configuration mistake is the operator's to fix: say which key, without a stack trace.
    Console.Error.WriteLine($"refusing to start: {e.Message}");
    return 2;
}
NodeLogging.Configure(builder.Logging, options.Logging);

Directory.CreateDirectory(options.DataDir);
IReadOnlyList<string> createdRoots;
try
{
    createdRoots = MediaRoots.CreateMissing(options.Media.EffectiveRoots);
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"refusing to start: a media root is missing and cannot be created ({e.Message}); " +
                            "create it (shared by every node) or set Transcode:Media:Roots");
    return 2;
}
FfmpegBinaries.Configure(options.Worker.FfmpegPath);

TokenSet tokens;
bool createdTokens;
try
{
    tokens = TokenSet.LoadOrCreate(options.DataDir, options.Auth.ClientTokens, options.Auth.WorkerTokens,
        options.Auth.AdminTokens, out createdTokens);
}
catch (InvalidOperationException e)
{
    // An unusable tokens.json (unreadable, empty, a token too short): the message names the file, never a token.
    Console.Error.WriteLine($"refusing to start: {e.Message}");
    return 2;
}
var configuredTokens = options.Auth.ClientTokens.Count + options.Auth.WorkerTokens.Count + options.Auth.AdminTokens.Count > 0;
if (!configuredTokens)
{
    if (!IsLoopback(options.Http.Url) || !IsLoopbackHost(options.Cluster.Hostname))
    {
        Console.Error.WriteLine("refusing to start: this node listens beyond loopback and no tokens are configured " +
                                "(set Transcode:Auth:ClientTokens, WorkerTokens and AdminTokens)");
        return 2;
    }
}
// Said once logging is up (below), so a JSON log stays all JSON.
string? tokenNote = configuredTokens ? null : createdTokens
    ? $"No tokens configured: generated client, worker and admin tokens in {TokenSet.PathFor(options.DataDir)}"
    : $"No tokens configured: using the tokens in {TokenSet.PathFor(options.DataDir)}";

if (options.IsHttpWorker) return await Akka.Transcode.Node.Workers.HttpWorkerNode.RunAsync(builder, options, tokens, createdRoots);

var db = new Database(Database.Parse(options.Storage.Provider), options.Storage.EffectiveConnectionString(options.DataDir));
var readStore = new JobReadStore(db);
var jobQueue = new JobQueue(db);
if (options.UsesStorage)
{
    // Before the actor system starts: WAL for the journal, and the job list for get_jobs and the projection.
    db.PrepareSqliteFile();
    await SchemaSetup.RunAsync([ct => OwnTables.EnsureAsync(db, ct)], (e, wait) =>
        Console.Error.WriteLine($"the database is not ready ({e.GetType().Name}: {e.Message}); trying again in {wait.TotalSeconds:0.#} s"));
}

builder.WebHost.UseUrls(options.Http.Url);
builder.WebHost.ConfigureKestrel(k => KestrelLimits.Apply(k.Limits, options.Http));
builder.Services.AddSingleton(options);
builder.Services.AddSingleton(tokens);
builder.Services.AddSingleton(db);
builder.Services.AddSingleton(readStore);
builder.Services.AddSingleton(jobQueue);
builder.Services.AddSingleton(new MediaRoots(options.Media.EffectiveRoots));
builder.Services.AddSingleton<ApiCall>();
builder.Services.AddSingleton<AdmissionControl>();
builder.Services.AddSingleton(CallbackPolicy.From(options.Jobs));
builder.Services.AddSingleton<FeedAdmission>();
builder.Services.AddNodeMetrics(options);
builder.Services.AddTranscodeCluster(options, db, readStore, jobQueue, tokens.OutgoingWorkerToken);
// After Akka's own hosted service, so the actor system runs when it starts.
builder.Services.AddHostedService<Akka.Transcode.Node.Startup.JournalWarmUpService>();

var app = builder.Build();
if (tokenNote is not null) app.Logger.LogInformation("{Note}", tokenNote);
MediaRootCheck.WarnCreated(app.Logger, createdRoots);
app.UseMiddleware<ErrorEnvelopeMiddleware>();
app.MapHealthEndpoints();
app.MapOpenApiEndpoints();
app.MapMetricsEndpoint();
if (options.Has("api"))
{
    app.MapMasterEndpoints();
    app.MapWorkerProtocolEndpoints();
    app.MapAdminEndpoints();
    app.MapDashboardEndpoints();
    app.MapOutputFileEndpoints();
}

if (options.Has("worker") && options.Worker.InstantExecutor) app.Logger.LogWarning(ClusterWiring.InstantWarning);
if (ClusterWiring.InsecureRemotingWarning(options.Cluster) is { } insecure) app.Logger.LogWarning("{Warning}", insecure);

// Before the node starts (and so before it is ready): the first job must not pay for one-time work.
if (options.WarmUp) await Akka.Transcode.Node.Startup.WarmUp.RunAsync(options, app.Logger);

// A downed node's actor system stops while the process could live on as a zombie: end the process with it.
var system = app.Services.GetRequiredService<ActorSystem>();
_ = system.WhenTerminated.ContinueWith(_ => app.Lifetime.StopApplication());

await app.RunAsync();
return 0;

static bool IsLoopback(string url) => Uri.TryCreate(url, UriKind.Absolute, out var u) && IsLoopbackHost(u.Host);

static bool IsLoopbackHost(string host) =>
    host == "localhost" || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
